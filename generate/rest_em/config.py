"""`RestEMConfig`: everything that decides what a ReST-EM run does, checked once."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from generate.rest_em.policy import TRAINERS
from generate.rest_em.samplers import SamplerSpec
from verifiers.types import DOMAINS

# Fields a resumed run may change (`generate.rundir`): where it runs, how long it goes on,
# and where samples are judged (the verdicts are the same). Every other field is the run's
# identity, so a new field is part of it unless named here.
RESUMABLE = (
    "out",
    "iterations",
    "patience",
    "workers",
    "executor",
    "ray_address",
    "base_url",
    "sandbox_url",
)


# Fields only geometry reads; the other domains' config.json leaves them out.
GEOMETRY_ONLY = ("timeout", "generate_seconds", "constrain")

# Geometry's defaults where they differ from the fields', sized so that `python -m
# generate.rest_em --domain geometry` finishes in under 15 minutes on 2 shared cores:
# - ~180 s of the generator (`generate_seconds`) for up to GEOMETRY_BUILTIN_N problems
#   (`n_problems` when given; a --problems file is used whole by default): auxiliary
#   theorems are rare (150 s made 32 from 7 of 392 figures), so the time bound, not n, ends it;
# - 10 seed problems (whole premise sets, so a figure or two): the held-out quarter and a pool
#   for the E-step need the rest of a few dozen problems;
# - K=8 E-step samples and pass@4 held out: every distinct completion that parses costs a DD+AR
#   run (up to `timeout`, 5 s: small figures close in well under a second, a useless
#   construction on a larger one can take the whole limit), so samples, not sampling, are
#   the cost; and 2 iterations;
# - 64 new tokens: one auxiliary clause is ~20-35 characters ("j = circle j a e f"), two fit;
# - 5 problems a shard, so a pool of a few dozen keeps both workers verifying;
# - 300 seed epochs (one step each for up to 16 problems), the most that fits: 200 steps on
#   13 problems left the character-level model writing "e = refot re c c fle = = b", 600 on
#   12 (loss 0.24) "f = fon_circ f f f f on_circle f c c a" on held-out figures, and took 18
#   minutes on cores shared with two solver benchmarks (1.8 s a step; 0.44 s on a quiet machine).
#   The tiny model learns the shape of a clause, not geometry: a real policy is `--model`.
GEOMETRY_BUILTIN_N = 60
DOMAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "geometry": {
        "seed_problems": 10,
        "seed_epochs": 300.0,
        "k": 16,
        "eval_k": 4,
        "iterations": 2,
        "max_new_tokens": 64,
        "shard_size": 5,
    }
}


@dataclass(frozen=True, slots=True)
class RestEMConfig:
    """A ReST-EM run (`python -m generate.rest_em`).

    Defaults follow the paper where a CPU allows: temperature 0.7 and top-k 40 in the E-step,
    greedy pass@1 and temperature 1.0 / top-p 0.95 for pass@k; K and the cap are smaller
    (16 and 10 against 32 and 10) to fit the built-in run into minutes. `model=None` builds the
    tiny default model and gives it a starting skill by supervised training on `seed_problems`
    problems: that checkpoint is the "base" every M-step restarts from. `problems` is a source
    (`datasets.load_problems`); `n_problems` caps it (built-in: 1,200 by default; geometry's
    built-in set: the generator's target). `for_domain` fills a domain's own defaults
    (`DOMAIN_DEFAULTS`) into the fields not given.
    """

    domain: str
    out: str
    model: str | None = None
    problems: str = "builtin"
    n_problems: int | None = None
    timeout: float = 5.0  # geometry: seconds of DD+AR per verification (`GeometryTask`)
    generate_seconds: float = 180.0  # geometry, built-in: the generator's time bound
    # geometry: sample only well-formed auxiliary clauses (`geometry_prompt.completion_pattern`)
    constrain: bool = True
    difficulty: int = 1
    held_out: float = 0.25
    seed: int = 0
    iterations: int = 3
    seed_problems: int = 300
    seed_epochs: float = 15.0
    k: int = 16
    temperature: float = 0.7
    top_k: int = 40
    top_p: float = 1.0
    cap: int = 10
    max_new_tokens: int = 48
    eval_k: int = 16
    epochs: float = 8.0
    learning_rate: float = 1e-3
    batch_size: int = 16
    shard_size: int = 100
    workers: int = 2
    executor: str = "local"
    ray_address: str | None = None
    patience: int = 1
    sampler: str = "transformers"
    base_url: str | None = None
    served_model: str | None = None
    trainer: str = "transformers"
    sandbox_url: str | None = None  # where code is judged: resumable, the verdicts are the same

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ValueError(f"unknown domain {self.domain!r} (choose from {', '.join(DOMAINS)})")
        checks = {
            "n_problems": self.n_problems is None or self.n_problems >= 10,
            "difficulty": self.difficulty >= 1,
            "held_out": 0 < self.held_out < 1,
            "iterations": self.iterations >= 1,
            "seed_problems": self.seed_problems >= 1,
            "k": self.k >= 1,
            "eval_k": self.eval_k >= 1,
            "cap": self.cap >= 1,
            "max_new_tokens": self.max_new_tokens >= 1,
            "epochs": self.epochs > 0,
            "seed_epochs": self.seed_epochs > 0,
            "learning_rate": self.learning_rate > 0,
            "batch_size": self.batch_size >= 1,
            "shard_size": self.shard_size >= 1,
            "workers": self.workers >= 1,
            "patience": self.patience >= 1,
            "temperature": self.temperature > 0,
            "top_p": 0 < self.top_p <= 1,
            "timeout": self.timeout > 0,
            "generate_seconds": self.generate_seconds > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(
                    f"--{name.replace('_', '-')} {getattr(self, name)!r} is out of range"
                )
        SamplerSpec(self.sampler, self.base_url, self.served_model)  # checks them
        if self.sandbox_url is not None and not self.sandbox_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError(f"--sandbox-url {self.sandbox_url!r}: give an http:// or https:// URL")
        if self.trainer not in TRAINERS:
            raise ValueError(f"--trainer {self.trainer!r}: choose from {', '.join(TRAINERS)}")
        if self.trainer == "trl" and importlib.util.find_spec("trl") is None:
            raise ValueError("--trainer trl needs TRL: pip install 'proofloom[trl]'")
        if not isinstance(self.problems, str) or not self.problems:
            raise ValueError(f"--problems {self.problems!r}: name a data set or a file")
        if self.model is not None and not (Path(self.model) / "config.json").is_file():
            raise ValueError(
                f"--model {self.model}: not a transformers checkpoint (no config.json)"
            )

    @classmethod
    def for_domain(cls, domain: str, out: str, **given: Any) -> RestEMConfig:
        """A config with `domain`'s defaults (`DOMAIN_DEFAULTS`) for the fields not in `given`."""
        return cls(domain=domain, out=out, **{**DOMAIN_DEFAULTS.get(domain, {}), **given})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.domain != "geometry":  # code and math runs made before these fields resume
            for name in GEOMETRY_ONLY:
                del data[name]
        return data
