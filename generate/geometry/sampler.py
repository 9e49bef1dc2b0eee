"""Random premise sets over the construction language, drawn as they are built.

A premise set starts from a base figure (`triangle`, `quadrangle`, `segment`, ...: a
construction that needs no existing point) and grows one clause at a time until it has the
number of points asked for. Each clause is one construction of defs.txt, or (with probability
`pair_share`) two constructions that each leave the new point one degree of freedom and so meet
in it (`x = on_line x a b, on_circle x o c`), the shape of most olympiad clauses.

Arguments are bound by a randomised depth-first search over the existing points that checks
each precondition as soon as its points are bound: `ncoll a b c` prunes at once, and equality
preconditions (`2l1c` needs `cong o a o b`) find the rare bindings that satisfy them instead of
waiting for chance. The clause is then drawn on the figure (`deduction.numeric.extend`, every
check `realise` makes); a clause that cannot be drawn is replaced by another draw, at most
`clause_tries` times, so a premise set that cannot grow costs milliseconds. The coordinates the
sampler built are the realisation the engine closes on.

Everything comes from one `random.Random`, so a seed always gives the same premise set.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from random import Random

from deduction import (
    CONSTRUCTIONS,
    SHAPE_SKETCHES,
    Clause,
    ConstructionCall,
    ConstructionDef,
    DeductionError,
    Problem,
    Template,
    extend,
    holds,
    instantiate,
)
from generate.geometry.subproblem import point_names

logger = logging.getLogger(__name__)

DEFAULT_WEIGHTS = Path(__file__).with_name("constructions.toml")
Point = tuple[float, float]
# a DFS over argument bindings gives up after this many numeric precondition checks
BIND_BUDGET = 400
DEFAULT_ANGLES = (30, 45, 60, 90, 120, 135, 150)


def one_dof(cdef: ConstructionDef) -> bool:
    """A construction whose single point moves on one shape (a line, circle, ray)."""
    return len(cdef.points) == 1 and len(cdef.sketch) == 1 and cdef.sketch[0].name in SHAPE_SKETCHES


def is_base(cdef: ConstructionDef) -> bool:
    """A construction that draws all its points from nothing (a triangle, a free point)."""
    return set(cdef.args) == set(cdef.points)


@dataclass(frozen=True, slots=True)
class Weights:
    """The sampler's construction mix (constructions.toml)."""

    base: Mapping[str, float]
    step: Mapping[str, float]
    pair_share: float = 0.35
    angles: tuple[int, ...] = DEFAULT_ANGLES

    def __post_init__(self) -> None:
        for table, names in (("base", self.base), ("step", self.step)):
            for name, weight in names.items():
                cdef = CONSTRUCTIONS.get(name)
                if cdef is None:
                    raise ValueError(f"[{table}] names unknown construction {name!r}")
                if not weight >= 0:
                    raise ValueError(f"[{table}] {name} = {weight}: weights must be >= 0")
                if table == "base" and not is_base(cdef):
                    raise ValueError(f"[base] {name} needs existing points; list it in [step]")
            if not any(w > 0 for w in names.values()):
                raise ValueError(f"[{table}] has no positive weight")
        if not 0 <= self.pair_share <= 1:
            raise ValueError(f"pair_share={self.pair_share} must be in [0, 1]")
        if not self.angles or any(not 0 < a < 180 for a in self.angles):
            raise ValueError(f"angles={self.angles} must be degrees in (0, 180)")

    @classmethod
    def load(cls, path: str | Path = DEFAULT_WEIGHTS) -> Weights:
        try:
            data = tomllib.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read construction weights {str(path)!r}: {exc}") from None
        return cls(
            base=dict(data.get("base", {})),
            step=dict(data.get("step", {})),
            pair_share=float(data.get("pair_share", 0.35)),
            angles=tuple(int(a) for a in data.get("angles", DEFAULT_ANGLES)),
        )


@dataclass(slots=True)
class Sampled:
    """A drawn premise set: the problem (no goal), its coordinates, and why clauses failed."""

    problem: Problem
    points: dict[str, Point]
    failures: dict[str, int] = field(default_factory=dict)


class Sampler:
    """Draws premise sets: `Sampler(weights, (lo, hi)).sample(rng)`."""

    def __init__(self, weights: Weights, points: tuple[int, int], clause_tries: int = 8) -> None:
        lo, hi = points
        if not 3 <= lo <= hi <= len(point_names()):
            raise ValueError(f"points={lo}-{hi} must satisfy 3 <= lo <= hi <= {len(point_names())}")
        self.weights = weights
        self.points = points
        self.clause_tries = clause_tries
        self._base = [(n, w) for n, w in weights.base.items() if w > 0]
        self._step = [(n, w) for n, w in weights.step.items() if w > 0]
        self._dof = [(n, w) for n, w in self._step if one_dof(CONSTRUCTIONS[n])]

    def sample(self, rng: Random) -> Sampled | None:
        """One premise set with a point count in the configured range, or None when the figure
        stopped growing below the range (every try of a clause failed)."""
        names = point_names()
        target = rng.randint(*self.points)
        failures: dict[str, int] = {}
        clauses: list[Clause] = []
        coords: dict[str, Point] = {}
        while len(coords) < target:
            for _ in range(self.clause_tries):
                clause = self._clause(rng, names, coords)
                if clause is None:
                    failures["bind"] = failures.get("bind", 0) + 1
                    continue
                if len(coords) + len(clause.points) > self.points[1]:
                    failures["too_many_points"] = failures.get("too_many_points", 0) + 1
                    continue
                try:
                    coords.update(extend(coords, clause, rng.getrandbits(32)))
                except DeductionError:
                    failures["draw"] = failures.get("draw", 0) + 1
                    continue
                clauses.append(clause)
                break
            else:
                if len(coords) < self.points[0]:
                    return None
                break
        problem = Problem(name="", clauses=tuple(clauses), goal=None, text="")
        return Sampled(problem, coords, failures)

    def _clause(self, rng: Random, names: list[str], coords: dict[str, Point]) -> Clause | None:
        fresh = iter(n for n in names if n not in coords)
        if not coords:
            return self._call_clause(_pick(self._base, rng), rng, fresh, coords)
        if self._dof and rng.random() < self.weights.pair_share:
            first, second = _pick(self._dof, rng), _pick(self._dof, rng)
            x = next(fresh)
            calls = [self._bind(CONSTRUCTIONS[n], rng, {"": x}, coords) for n in (first, second)]
            if None in calls or calls[0] == calls[1]:
                return None
            return Clause((x,), tuple(c for c in calls if c is not None))
        return self._call_clause(_pick(self._step, rng), rng, fresh, coords)

    def _call_clause(
        self, name: str, rng: Random, fresh: object, coords: dict[str, Point]
    ) -> Clause | None:
        cdef = CONSTRUCTIONS[name]
        new = {p: next(fresh) for p in cdef.points}  # type: ignore[call-overload]
        call = self._bind(cdef, rng, new, coords)
        if call is None:
            return None
        return Clause(tuple(new[p] for p in cdef.points), (call,))

    def _bind(
        self, cdef: ConstructionDef, rng: Random, new: dict[str, str], coords: dict[str, Point]
    ) -> ConstructionCall | None:
        """A call of `cdef` on existing points with every precondition numerically true."""
        if "" in new:  # one shared new point for a pair: bind it to the construction's own name
            new = {cdef.points[0]: new[""]}
        mapping: dict[str, str] = dict(new)
        for v in cdef.values:
            mapping[v] = str(Fraction(rng.choice(self.weights.angles)))
        free = [a for a in cdef.args if a not in mapping]
        existing = list(coords)
        # each precondition is checked once all its points are bound: at the deepest position
        last = {a: i for i, a in enumerate(free)}
        checks: list[list] = [[] for _ in free]
        for template in cdef.preconditions + DRAWABLE.get(cdef.name, ()):
            depth = max((last[a] for a in template.args if a in last), default=-1)
            if depth >= 0:
                checks[depth].append(template)
        budget = [BIND_BUDGET]

        def search(i: int) -> bool:
            if i == len(free):
                return True
            for p in rng.sample(existing, len(existing)):
                mapping[free[i]] = p
                if all(_precondition(t, mapping, coords, budget) for t in checks[i]):
                    if search(i + 1):
                        return True
                if budget[0] <= 0:
                    return False
            return False

        if not search(0):
            return None
        return ConstructionCall(cdef.name, tuple(mapping[a] for a in cdef.args))


# Bindings AlphaGeometry's and Newclid's figure builders cannot draw, though defs.txt allows
# them: `2l1c` with the circle's centre on one of the two lines (found in 6 of 200 records).
DRAWABLE: dict[str, tuple[Template, ...]] = {
    "2l1c": (Template("ncoll", ("o", "a", "c")), Template("ncoll", ("o", "b", "c"))),
}


def _precondition(template: Template, mapping: dict[str, str], coords: dict, budget: list) -> bool:
    budget[0] -= 1
    try:
        return holds(instantiate(template, mapping), coords)
    except (ValueError, ZeroDivisionError):
        return False  # a degenerate binding: repeated points where two are needed


def _pick(table: Sequence[tuple[str, float]], rng: Random) -> str:
    names = [n for n, _ in table]
    return rng.choices(names, weights=[w for _, w in table])[0]
