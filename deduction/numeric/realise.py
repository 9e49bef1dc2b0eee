"""Numeric realisation: coordinates for every point of a problem, clause by clause.

Each clause's constructions are sketched (numeric/sketches.py): point sketches give the new
points directly, shape sketches give lines, rays and circles whose intersection is the new
point (a lone shape is sampled near the figure, best of five by distance to the existing
points, as AlphaGeometry does). A placement is rejected, and the clause drawn again, when

- a construction's preconditions fail on the existing points (e.g. `ncoll a b c`), which no
  redraw of this clause can fix, so the whole problem restarts;
- the shapes do not meet (parallel lines that must cross, a circle the line misses, a tangent
  from inside a circle) or meet only in existing points;
- a new point lies within MIN_SEPARATION of another point or farther than MAX_SPREAD from the
  figure's centre (both relative to the figure's radius): such figures make numeric checks
  unreliable;
- a defining statement of the clause does not hold numerically (the check that lets the engine
  trust these coordinates to prune false facts).

A clause is drawn CLAUSE_TRIES times before the whole problem restarts; after `max_attempts`
restarts (or PRECONDITION_STRIKES failed equality preconditions, which resampling cannot mend)
`DegenerateError` names the problem, the clause and the last reason. Everything is
drawn from one `random.Random(seed)`, so a seed always gives the same coordinates.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from fractions import Fraction
from random import Random
from typing import Any, NamedTuple

from deduction.constructions import CONSTRUCTIONS, instantiate
from deduction.errors import ConstructionError, DegenerateError
from deduction.numeric.branches import BranchUnavailable, at, branch
from deduction.numeric.geometry import Circle, Point, Ray, Shape, contains, intersect
from deduction.numeric.predicates import holds
from deduction.numeric.sketches import POINT_SKETCHES, SHAPE_SKETCHES, SketchFailed
from deduction.problem import binding, clause_statements
from deduction.types import Clause, ConstructionDef, Problem, Realisation, Statement

# Relative to the figure's radius. Closer points make line directions through them noisy (and
# usually mean an accidental near-coincidence); farther ones come from nearly parallel lines.
MIN_SEPARATION = 0.01
MAX_SPREAD = 10.0
# Redraws of one clause before the whole figure is redrawn: enough for a random pick (a point on
# a line, one of two intersections) to come out well, few enough not to loop on a dead figure.
CLAUSE_TRIES = 5
# Some JGEX figures exist on ~1 draw in 12 (a line that must cut a circle); 200 draws leave a
# ~1e-7 chance of a false alarm there and cost ~0.1 s on a problem that can never be drawn.
DEFAULT_ATTEMPTS = 200
PRECONDITION_STRIKES = 3
_SIDE_CONDITIONS = frozenset({"ncoll", "npara", "nperp", "diff", "sameside"})
# A lone shape is sampled this many times and the point farthest from the figure kept, as
# AlphaGeometry does, which keeps free points away from accidental coincidences.
SAMPLES = 5


class _Restart(Exception):
    """The clause cannot be placed on the current figure: resample the whole problem.

    `structural` marks a failed equality precondition (`cong o a o b`): random figures never
    satisfy one by chance, so realise() gives up after PRECONDITION_STRIKES of them instead of
    burning all its attempts. A failed side condition (`npara`, `ncoll`, ...) may just reflect
    which of two intersections an earlier clause picked, so it restarts like any other failure.
    """

    def __init__(self, reason: str, structural: bool = False) -> None:
        super().__init__(reason)
        self.structural = structural


def _extent(points: list[Point]) -> tuple[Point, float]:
    """Centre and radius of a point cloud (unit radius when it has fewer than two points)."""
    if len(points) < 2:
        return (0.0, 0.0), 1.0
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    return (cx, cy), max(math.hypot(p[0] - cx, p[1] - cy) for p in points)


def _sample(shape: Shape, existing: list[Point], rng: Random) -> Point:
    (cx, cy), radius = _extent(existing)
    best, best_gap = (0.0, 0.0), -1.0
    for _ in range(SAMPLES):
        if isinstance(shape, Circle):
            angle = rng.uniform(0.0, 2.0 * math.pi)
            p = (shape.cx + shape.r * math.cos(angle), shape.cy + shape.r * math.sin(angle))
        else:
            t0 = (cx - shape.px) * shape.dx + (cy - shape.py) * shape.dy
            if isinstance(shape, Ray):
                t = rng.uniform(0.0, max(t0, 0.0) + radius)
            else:
                t = t0 + rng.uniform(-radius, radius)
            p = (shape.px + t * shape.dx, shape.py + t * shape.dy)
        gap = min((math.hypot(p[0] - q[0], p[1] - q[1]) for q in existing), default=1.0)
        if gap > best_gap:
            best, best_gap = p, gap
    return best


def _meet(shapes: list[Shape], existing: list[Point], rng: Random) -> Point:
    if len(shapes) == 1:
        return _sample(shapes[0], existing, rng)
    _, radius = _extent(existing)
    candidates = intersect(shapes[0], shapes[1])
    candidates = [p for p in candidates if all(contains(s, p, 1e-9 * radius) for s in shapes[2:])]
    if not candidates:
        raise SketchFailed("the shapes do not meet")
    fresh = [
        k
        for k, p in enumerate(candidates)
        if min((math.hypot(p[0] - q[0], p[1] - q[1]) for q in existing), default=1.0)
        > MIN_SEPARATION * radius
    ]
    if not fresh:
        raise SketchFailed("the shapes meet only at existing points")
    drawn = fresh[0] if len(fresh) == 1 else rng.choice(fresh)
    return candidates[branch(rng, drawn, len(candidates), fresh)]


class _Step(NamedTuple):
    sketch: str
    args: tuple[Any, ...]  # point names, or floats for numeric values
    places: tuple[str, ...]  # the point(s) it places: all returned ones, or the one on the shape
    shape: bool


class _Plan(NamedTuple):
    """A clause compiled against the construction table: what to check and what to draw."""

    preconditions: tuple[Statement, ...]
    statements: tuple[Statement, ...]
    steps: tuple[_Step, ...]
    pinned: tuple[tuple[str, float, float], ...]


def _compile(clause: Clause, table: Mapping[str, ConstructionDef]) -> _Plan:
    preconditions: dict[Statement, None] = {}
    steps = []
    for call in clause.constructions:
        cdef = table[call.name]
        mapping = binding(call, cdef)
        for template in cdef.preconditions:
            preconditions[instantiate(template, mapping)] = None
        for step in cdef.sketch:
            shape = step.name in SHAPE_SKETCHES
            if not shape and step.name not in POINT_SKETCHES:
                raise ConstructionError(f"{cdef.name}: no numeric recipe for sketch {step.name!r}")
            if shape and len(cdef.points) != 1:
                raise ConstructionError(f"{cdef.name}: a shape sketch must place exactly one point")
            args = tuple(
                float(Fraction(mapping[a])) if a in cdef.values else mapping.get(a, a)
                for a in step.args
            )
            places = tuple(mapping[p] for p in cdef.points)
            steps.append(_Step(step.name, args, places, shape))
    statements = tuple(clause_statements(clause, table))
    return _Plan(tuple(preconditions), statements, tuple(steps), clause.pinned)


@functools.lru_cache(maxsize=1 << 12)
def _default_plan(clause: Clause) -> _Plan:
    # Generated problems reuse the same clauses (same names, same constructions) over and over.
    return _compile(clause, CONSTRUCTIONS)


def _plan(clause: Clause, constructions: Mapping[str, ConstructionDef] | None) -> _Plan:
    if constructions is None or constructions is CONSTRUCTIONS:
        return _default_plan(clause)
    return _compile(clause, constructions)


def _draw(plan: _Plan, points: Mapping[str, Point], rng: Random) -> dict[str, Point]:
    placed: dict[str, Point] = {}
    shapes: dict[str, list[Shape]] = {}
    for step in plan.steps:
        args = [points[a] if isinstance(a, str) else a for a in step.args]
        if step.shape:
            # Every construction with a shape sketch introduces exactly one point.
            shapes.setdefault(step.places[0], []).extend(SHAPE_SKETCHES[step.sketch](args))
        else:
            at(rng, step.places[0])
            out = POINT_SKETCHES[step.sketch](args, rng)
            placed.update(zip(step.places, out, strict=True))
    existing = list(points.values())
    for name, on in shapes.items():
        if name not in placed:
            at(rng, name)
            placed[name] = _meet(on, existing, rng)
    for name, x, y in plan.pinned:  # given coordinates win over the sketch, as in AlphaGeometry
        placed[name] = (x, y)
    return placed


def sketch_clause(
    clause: Clause,
    points: Mapping[str, Point],
    rng: Random,
    constructions: Mapping[str, ConstructionDef] | None = None,
) -> dict[str, Point]:
    """One unchecked draw of a clause's new points on the existing ones (SketchFailed when the
    sketch has no solution). `realise` adds the degeneracy and statement checks."""
    return _draw(_plan(clause, constructions), points, rng)


def _acceptable(new: dict[str, Point], points: dict[str, Point], pinned: set[str]) -> str:
    """Why the new points are unusable, or '' if they are fine (given coordinates always are)."""
    old = list(points.values())
    everything = old + list(new.values())
    centre, radius = _extent(everything if len(old) < 2 else old)
    seen = list(old)
    for name, p in new.items():
        if name in pinned:
            seen.append(p)
            continue
        if not (math.isfinite(p[0]) and math.isfinite(p[1])):
            return f"{name} is not finite"
        if math.hypot(p[0] - centre[0], p[1] - centre[1]) > MAX_SPREAD * radius:
            return f"{name} is too far from the figure"
        if any(math.hypot(p[0] - q[0], p[1] - q[1]) < MIN_SEPARATION * radius for q in seen):
            return f"{name} is too close to another point"
        seen.append(p)
    return ""


def _realise_clause(
    clause: Clause,
    points: dict[str, Point],
    constructions: Mapping[str, ConstructionDef] | None,
    rng: Random,
) -> None:
    plan = _plan(clause, constructions)
    for statement in plan.preconditions:
        if not holds(statement, points):
            structural = statement.predicate not in _SIDE_CONDITIONS
            raise _Restart(f"precondition {statement} fails", structural)
    reason = ""
    for _ in range(CLAUSE_TRIES):
        try:
            new = _draw(plan, points, rng)
        except (SketchFailed, BranchUnavailable, ZeroDivisionError) as exc:
            reason = str(exc) or type(exc).__name__
            continue
        reason = _acceptable(new, points, {name for name, _, _ in plan.pinned})
        if reason:
            continue
        trial = {**points, **new}
        false = [s for s in plan.statements if not holds(s, trial)]
        if false:
            reason = f"defining statement {false[0]} is numerically false"
            continue
        points.update(new)
        return
    raise _Restart(reason)


def realise(
    problem: Problem,
    seed: int = 0,
    max_attempts: int = DEFAULT_ATTEMPTS,
    constructions: Mapping[str, ConstructionDef] | None = None,
    check_goal: bool = True,
) -> Realisation:
    """Coordinates for every point of the problem; DegenerateError after `max_attempts`.

    With `check_goal` (the default) a figure where the problem's goal is numerically false is
    drawn again, as AlphaGeometry does: a clause like `e = on_line e a b, on_circle e c d` has
    two solutions and the problem usually means one of them. The engine prunes numerically
    false facts, so on the other figure it could never reach the goal.
    """
    return realise_with(problem, Random(seed), seed, max_attempts, constructions, check_goal)


def realise_with(
    problem: Problem,
    rng: Random,
    seed: int = 0,
    max_attempts: int = DEFAULT_ATTEMPTS,
    constructions: Mapping[str, ConstructionDef] | None = None,
    check_goal: bool = True,
) -> Realisation:
    """`realise` drawing from `rng` (a `Brancher` records or forces the discrete choices);
    `seed` is only reported in the Realisation."""
    if max_attempts < 1:
        raise ValueError(f"{max_attempts=} must be >= 1")
    failure = ("", "")
    strikes = 0
    for attempt in range(1, max_attempts + 1):
        points: dict[str, Point] = {}
        for clause in problem.clauses:
            try:
                _realise_clause(clause, points, constructions, rng)
            except _Restart as exc:
                failure = (str(clause), str(exc))
                strikes += exc.structural
                break
        else:
            if not check_goal or problem.goal is None or holds(problem.goal, points):
                return Realisation(problem.name, points, seed, attempt)
            failure = ("? " + str(problem.goal), "the goal is numerically false")
        if strikes >= PRECONDITION_STRIKES:
            max_attempts = attempt
            break
    raise DegenerateError(
        f"problem {problem.name!r}: {failure[0]!r} could not be realised in "
        f"{max_attempts} attempts: {failure[1]}"
    )


def extend(
    points: Mapping[str, Point],
    clause: Clause,
    seed: int = 0,
    constructions: Mapping[str, ConstructionDef] | None = None,
) -> dict[str, Point]:
    """Coordinates for one more clause on an existing figure (an auxiliary construction), with
    every check `realise` makes for a clause; the existing points never move. Raises
    DegenerateError when the clause cannot be placed (a failed precondition, shapes that do
    not meet, a new point on top of an old one)."""
    clash = [p for p in clause.points if p in points]
    if clash:
        raise ConstructionError(f"auxiliary clause {clause}: point {clash[0]!r} already exists")
    table = CONSTRUCTIONS if constructions is None else constructions
    missing = [
        arg
        for call in clause.constructions
        if (cdef := table.get(call.name)) is not None
        for formal, arg in zip(cdef.args, call.args, strict=False)
        if formal not in cdef.values and arg not in clause.points and arg not in points
    ]
    if missing:  # e.g. the point of an earlier auxiliary clause that did not draw
        raise ConstructionError(f"auxiliary clause {clause}: no point {missing[0]!r} to build on")
    figure = dict(points)
    try:
        _realise_clause(clause, figure, constructions, Random(seed))
    except _Restart as exc:
        raise DegenerateError(f"auxiliary clause {clause!r}: {exc}") from None
    return {name: figure[name] for name in clause.points}
