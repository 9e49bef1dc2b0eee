"""A trained policy as the solver's proposer of auxiliary clauses (AlphaGeometry's loop: the
language model proposes, DD+AR checks).

`PolicyProposer` is a `deduction.engine.solver.Proposer`: given a problem it samples K
completions of its prompt (`geometry_prompt`; held to the problem's clause grammar,
`completion_pattern`, unless `constrain=False`), keeps each one's first line, normalises it and
returns the distinct proposals most sampled first (ties: first sampled), at most `top`. It is
picklable and loads its model lazily, once per process, on first use; `propose_all` samples
for many problems in one batch (what `python -m generate.rest_em.solve` does, in the parent,
before the solver forks a process per problem).

`resolve_checkpoint(path)` finds the model: a checkpoint directory (a transformers
`config.json`) as is, or in a run directory of `python -m generate.rest_em` the iteration with
the best held-out pass@1 (summary.json, else metrics.jsonl: the loop's own choice, the earliest
of equals), else the latest complete checkpoint (a run stopped before its first evaluation).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deduction import Problem
from generate.rest_em.geometry_prompt import STOP, completion_pattern, normalise, render
from generate.rest_em.samplers import Sampler, SamplerSpec, SamplingSettings
from generate.shards import DONE


def top_proposals(completions: Iterable[str], top: int) -> list[str]:
    """The distinct normalised completions, most frequent first (ties: first seen), at most
    `top`; empty ones dropped."""
    counts = Counter(p for p in map(normalise, completions) if p)
    # Counter keeps first-seen order and sorted() is stable, so ties stay in sampling order
    return sorted(counts, key=lambda p: -counts[p])[:top]


class PolicyProposer:
    """Samples `samples` completions per problem from the checkpoint `model` with the sampler
    `spec` (transformers, vLLM or an OpenAI-compatible server) and proposes the `top` most
    sampled. Picklable: the loaded sampler stays in the process that loaded it."""

    def __init__(
        self,
        model: str | Path,
        spec: SamplerSpec | None = None,
        *,
        samples: int = 16,
        top: int = 8,
        temperature: float = 0.7,
        max_new_tokens: int = 128,
        seed: int = 0,
        constrain: bool = True,
    ) -> None:
        if top < 1:
            raise ValueError(f"top={top} must be >= 1")
        self.model = str(model)
        self.spec = spec or SamplerSpec()
        self.top = top
        self.constrain = constrain
        # greedy (temperature 0) gives one answer: the sampler makes it once
        self.settings = SamplingSettings(
            k=samples,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            stop=STOP,
            seed=seed,
        )
        self._sampler: Sampler | None = None
        self._pid = 0

    def __getstate__(self) -> dict[str, Any]:
        # a model does not travel: each process loads its own copy on first use
        return {**self.__dict__, "_sampler": None, "_pid": 0}

    def sampler(self) -> Sampler:
        """This process's sampler, built on first use (a forked child builds its own: the
        parent's torch threads do not survive a fork)."""
        if self._sampler is None or self._pid != os.getpid():
            self._sampler = self.spec.build(self.model)
            self._pid = os.getpid()
        return self._sampler

    def __call__(self, problem: Problem) -> list[str]:
        return self.propose_all([problem])[0]

    def propose_all(self, problems: Sequence[Problem]) -> list[list[str]]:
        """Each problem's proposals, in order, sampled in one batch; a problem without a goal
        gets none (the solver reports it as an error)."""
        asked = [i for i, p in enumerate(problems) if p.goal is not None]
        out: list[list[str]] = [[] for _ in problems]
        if not asked:
            return out
        sampler = self.sampler()
        prompts = [render(problems[i], sampler.tokenizer) for i in asked]
        patterns = [completion_pattern(str(problems[i])) if self.constrain else None for i in asked]
        sampled = sampler.sample(prompts, self.settings, patterns)
        for i, completions in zip(asked, sampled, strict=True):
            out[i] = top_proposals(completions, self.top)
        return out


@dataclass(frozen=True, slots=True)
class Proposals:
    """Proposals sampled beforehand, looked up by the problem's text: the proposer a forked
    solver child asks (a dict, nothing to load)."""

    table: dict[str, tuple[str, ...]]

    @classmethod
    def sample(cls, proposer: PolicyProposer, problems: Sequence[Problem]) -> Proposals:
        found = proposer.propose_all(problems)
        return cls({str(p): tuple(f) for p, f in zip(problems, found, strict=True)})

    def __call__(self, problem: Problem) -> tuple[str, ...]:
        return self.table.get(str(problem), ())

    def count(self) -> int:
        return sum(len(v) for v in self.table.values())


# ------------------------------------------------------------------ finding the checkpoint
def _is_checkpoint(path: Path) -> bool:
    """A transformers checkpoint: its config.json names a model type (a run directory's
    config.json is the run's settings)."""
    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and "model_type" in config


def _iteration_model(run: Path, it: int) -> Path | None:
    """The checkpoint iteration `it` of a run evaluated: base/ (or the run's --model) for 0."""
    if it > 0:
        path = run / f"iter_{it:03d}" / "model"
        return path if (path / DONE).exists() else None
    if (run / "base" / DONE).exists():
        return run / "base"
    try:
        model = json.loads((run / "config.json").read_text()).get("model")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(model) if model else None


def _scores(run: Path) -> dict[int, float]:
    """Held-out pass@1 by iteration, from metrics.jsonl (summary.json holds the same rows)."""
    rows: dict[int, float] = {}
    path = run / "metrics.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                rows[int(row["iteration"])] = float(row["pass@1"])
            except (ValueError, KeyError, TypeError):
                continue  # a row cut by a kill: the iteration counts as not evaluated
    return rows


def _latest(run: Path) -> tuple[Path, str] | None:
    done = sorted(
        int(m.group(1))
        for d in run.glob("iter_*")
        if (m := re.fullmatch(r"iter_(\d+)", d.name)) and (d / "model" / DONE).exists()
    )
    if done:
        return run / f"iter_{done[-1]:03d}" / "model", f"latest complete iteration {done[-1]}"
    base = _iteration_model(run, 0)
    return None if base is None else (base, "the base model (no iteration finished)")


def resolve_checkpoint(path: str | Path) -> tuple[Path, str]:
    """The checkpoint directory `path` names and why it was chosen; ValueError (one line)
    when there is none."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no such directory: {path}")
    if not path.is_dir():
        raise ValueError(f"{path} is a file, not a checkpoint or run directory")
    if _is_checkpoint(path):
        return path, "a checkpoint"
    if not ((path / "metrics.jsonl").exists() or (path / "base").is_dir()):
        raise ValueError(
            f"{path} is neither a transformers checkpoint (config.json with a model_type) nor "
            "a run directory of python -m generate.rest_em (metrics.jsonl, base/)"
        )
    best_it = None
    try:
        best_it = int(json.loads((path / "summary.json").read_text())["best_iteration"])
    except (OSError, ValueError, KeyError, TypeError):
        scores = _scores(path)
        if scores:
            best_it = max(scores, key=lambda i: (scores[i], -i))  # as the loop picks it
    if best_it is not None:
        model = _iteration_model(path, best_it)
        if model is None or not _is_checkpoint(model):
            raise ValueError(f"{path}: the checkpoint of its best iteration {best_it} is missing")
        return model, f"best held-out pass@1, iteration {best_it}"
    latest = _latest(path)
    if latest is None or not _is_checkpoint(latest[0]):
        raise ValueError(f"{path}: the run holds no complete checkpoint yet")
    return latest
