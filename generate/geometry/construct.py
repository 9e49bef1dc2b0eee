"""Auxiliary theorems by construction: add a point to a closed premise set, close again, harvest.

AlphaGeometry found its auxiliary theorems by traceback alone: a fact of a big random figure
whose proof needs clauses its statement's points are not built from. With a DD+AR as strong
as ours, such facts are rare and mostly mark a blind spot of the engine, not a construction
the problem needs. Here the construction comes first, as a solver would make it:

1. the premise set is closed (its *base* fixpoint);
2. `open_facts` lists what is numerically true over its points but not proved: a line through
   three points, a circle through four, two parallel, perpendicular or equal segments. With
   none, no construction is tried: a filter by likelihood, since angle and ratio equalities
   are not enumerated (measured in `benchmarks/RESULTS.md`);
3. `deduction.candidates` proposes points (midpoints, reflections, feet, intersections,
   centres) that land on a line or circle of the figure their construction does not put them
   on, ranked towards the open facts' points; the best of each kind come first, so the data
   does not learn one construction;
4. each of the first `constructions` of them extends the premise set by its clause, and the
   extension is closed from the base fixpoint for at most `construct_levels` more levels (a
   budget in levels, not seconds, so the records do not depend on the machine);
5. its theorems (`PremiseSet.theorems` with `base=`) are the new facts over the original
   points: the statement alone cannot prove them (its clauses are among the base's, whose
   fixpoint does not hold them), and greedy pruning keeps only needed auxiliary clauses.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from deduction import (
    Candidate,
    DeductionError,
    Engine,
    Statement,
    candidates,
    extend,
    with_clauses,
)
from generate.geometry.sampler import Sampled
from generate.geometry.theorems import TOLERANCE, Found, GoalCap, PremiseSet

logger = logging.getLogger(__name__)

Point = tuple[float, float]
# Candidates asked of `deduction.candidates` before the kinds are interleaved.
POOL = 60


def open_facts(engine: Engine, names: Sequence[str]) -> list[Statement]:
    """Facts over `names` true on the engine's figure that its closure does not hold: `coll`,
    `para`, `perp`, `cong` and `cyclic` (four points on a circle, no three on a line)."""
    pts = {n: engine.points[n] for n in names}
    segs = list(itertools.combinations(names, 2))
    length = {s: math.dist(pts[s[0]], pts[s[1]]) for s in segs}
    scale = max(length.values(), default=1.0) or 1.0
    direction = {}
    for s in segs:
        (x0, y0), (x1, y1) = pts[s[0]], pts[s[1]]
        direction[s] = math.atan2(y1 - y0, x1 - x0) % math.pi
    found: list[Statement] = []

    def note(st: Statement) -> None:
        if not engine.holds(st):
            found.append(st)

    line = set()
    for a, b, c in itertools.combinations(names, 3):
        (ax, ay), (bx, by), (cx, cy) = pts[a], pts[b], pts[c]
        if abs((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)) < TOLERANCE * scale * scale:
            line.add(frozenset((a, b, c)))
            note(Statement("coll", (a, b, c)))
    for s, t in itertools.combinations(segs, 2):
        turn = (direction[s] - direction[t]) % math.pi
        if len(set(s + t)) == 4 and min(turn, math.pi - turn) < TOLERANCE:
            note(Statement("para", s + t))
        elif abs(turn - math.pi / 2) < TOLERANCE:
            note(Statement("perp", s + t))
        if abs(length[s] - length[t]) < TOLERANCE * scale:
            note(Statement("cong", s + t))
    for quad in itertools.combinations(names, 4):
        if any(frozenset(tri) in line for tri in itertools.combinations(quad, 3)):
            continue
        if _concyclic([pts[q] for q in quad], scale):
            note(Statement("cyclic", quad))
    return found


def _concyclic(quad: list[Point], scale: float) -> bool:
    (ax, ay), *rest = quad
    rows = []
    for x, y in rest:
        dx, dy = x - ax, y - ay
        rows.append((dx, dy, dx * dx + dy * dy))
    (a1, b1, c1), (a2, b2, c2), (a3, b3, c3) = rows
    det = a1 * (b2 * c3 - b3 * c2) - b1 * (a2 * c3 - a3 * c2) + c1 * (a2 * b3 - a3 * b2)
    return abs(det) < TOLERANCE * scale**4


def pick(ranked: Sequence[Candidate], k: int) -> list[Candidate]:
    """The first `k` by rank after taking the best of each kind first (in rank order)."""
    firsts: dict[str, Candidate] = {}
    for cand in ranked:
        firsts.setdefault(cand.kind, cand)
    chosen = list(firsts.values())[:k]
    rest = [c for c in ranked if c not in chosen]
    return chosen + rest[: k - len(chosen)]


def extensions(
    base: PremiseSet, k: int, levels: int, counts: Counter
) -> Iterator[tuple[PremiseSet, Candidate]]:
    """The base premise set extended by each of `k` candidates, closed for `levels` levels
    from the base fixpoint (see the module docstring); nothing when no fact is open."""
    if k <= 0:
        return
    sampled = base.sampled
    opened = open_facts(base.engine, list(sampled.points))
    counts["open_facts"] += len(opened)
    if not opened:
        counts["construct_nothing_open"] += 1
        return
    focus = sorted({p for st in opened for p in st.args})
    ranked = candidates(sampled.problem, sampled.points, focus=focus, limit=POOL)
    for cand in pick(ranked, k):
        try:
            new = extend(sampled.points, cand.clause, base.seed)
        except DeductionError:
            counts["construct_undrawable"] += 1
            continue
        problem = with_clauses(sampled.problem, (cand.clause,))
        ext = PremiseSet(
            Sampled(problem, {**sampled.points, **new}),
            base.seed,
            base.limits,
            counts,
            base=base,
        )
        counts["constructions"] += 1
        timeout = base.limits.closure_timeout
        start = time.monotonic()
        ext.engine.close(timeout=timeout, levels=levels)
        if time.monotonic() - start >= timeout:  # a safety net: what it held depends on the clock
            counts["construct_timeouts"] += 1
            continue
        yield ext, cand


def constructed(
    base: PremiseSet,
    unseen: Callable[[bytes], bool],
    k: int,
    levels: int,
    cap: GoalCap | None = None,
) -> Iterator[tuple[PremiseSet, Found]]:
    """Every checked auxiliary theorem of the base made by one of `k` constructions, while
    `cap` (the base's `max_goals` when None) has room, with the extension it lives in (its
    clause graph and coordinates lay out the record)."""
    cap = GoalCap(base.limits.max_goals) if cap is None else cap
    for ext, cand in extensions(base, k, levels, base.counts):
        if not cap.left:
            return
        made = 0
        for found in ext.theorems(unseen, cap):
            if found.aux:
                made += 1
                yield ext, found
        base.counts[f"construct_kind_{cand.kind}"] += made
