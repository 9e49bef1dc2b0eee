"""`GeometryConfig`: everything that decides what a geometry run makes, checked once."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generate.geometry.sampler import DEFAULT_WEIGHTS, Weights
from generate.geometry.subproblem import point_names

if TYPE_CHECKING:
    from generate.geometry.theorems import Limits

FORMATS = ("jsonl", "parquet")
# Bumped whenever a change of the code changes the records a seed gives (the statement,
# the canonical form, which candidates are kept, the record's layout): a run directory made
# by another version is then refused rather than resumed into a mix of two datasets.
# 3: typed records; 4: constructed auxiliary theorems, configurations; 5: choice points found
# on 8 figures, 8 figures checked; 6: one goal cap with the auxiliary theorems, two-constant
# equations dropped; 7: goals that one clause implies dropped
GENERATOR_VERSION = 7
# Fields a resumed run may change (`generate.rundir`): how much to make, where and with what.
# Every other field is the run's identity, so a new field is part of it unless named here.
# `weights` is the path of the weights file: its content is identity, as `weights_sha1`.
RESUMABLE = ("out", "n", "workers", "executor", "ray_address", "weights")


@dataclass(frozen=True, slots=True)
class GeometryConfig:
    """A geometry generation run (`python -m generate.geometry`).

    `n` is a floor: the run stops at the first shard boundary with at least `n` unique records
    (a shard is the unit of resumption, so its records are kept whole). `closure_timeout` is a
    safety net for a pathological figure, not a budget: a closure that hits it is dropped whole
    (counted), so records do not depend on the machine's speed unless that happens.
    """

    out: str
    n: int = 40_000  # the built-in default `make run` makes
    seed: int = 0
    points: tuple[int, int] = (8, 14)
    workers: int = 2
    executor: str = "local"
    ray_address: str | None = None
    aux_only: bool = False
    format: str = "jsonl"
    min_steps: int = 2
    premise_sets_per_shard: int = 8
    closure_timeout: float = 20.0
    checks: int = 8
    max_subclosures: int = 8
    constructions: int = 4
    construct_levels: int = 3
    max_goals: int = 32
    aux_share: float = 0.0
    weights: str = str(DEFAULT_WEIGHTS)
    weights_sha1: str = field(default="", compare=False)
    version: int = GENERATOR_VERSION

    def __post_init__(self) -> None:
        lo, hi = self.points
        if not 3 <= lo <= hi <= len(point_names()):
            raise ValueError(f"--points {lo}-{hi}: need 3 <= LO <= HI <= {len(point_names())}")
        checks = {
            "n": self.n >= 1,
            "workers": self.workers >= 1,
            "min_steps": self.min_steps >= 1,
            "premise_sets_per_shard": self.premise_sets_per_shard >= 1,
            "checks": self.checks >= 1,
            "max_subclosures": self.max_subclosures >= 0,
            "closure_timeout": self.closure_timeout > 0,
            "constructions": self.constructions >= 0,
            "construct_levels": self.construct_levels >= 1,
            "max_goals": self.max_goals >= 1,
            "aux_share": 0 <= self.aux_share < 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"{name}={getattr(self, name)!r} is out of range")
        if self.format not in FORMATS:
            raise ValueError(f"format={self.format!r} must be one of {', '.join(FORMATS)}")
        Weights.load(self.weights)  # a bad weights file fails here, once, not in every worker
        digest = hashlib.sha1(Path(self.weights).read_bytes()).hexdigest()
        object.__setattr__(self, "weights_sha1", digest)

    def limits(self) -> Limits:
        """What a premise set may cost: every field of `theorems.Limits` read from this config
        (a Limits field the config lacks is an AttributeError here, never its own default)."""
        from generate.geometry.theorems import Limits

        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["points"] = list(self.points)
        return data
