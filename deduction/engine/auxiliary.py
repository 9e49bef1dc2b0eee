"""Auxiliary points: when DD+AR stops short of the goal, add one construction and try again.

Many textbook problems need a point the statement does not name: the midpoint of a segment, the
foot of a perpendicular, the centre of a circle, where two lines meet. AlphaGeometry asks a
language model for it; its paper's baseline ("DD + AR + human-designed heuristics") and
Newclid's "complete the picture" heuristics try a fixed menu instead. This module is such a
menu, written in the construction language itself, so an auxiliary point is one more clause of
the problem: it is realised on the unchanged figure (`deduction.numeric.extend`, every
degeneracy check of a premise clause), its defining statements become premises, and the proof
re-checks like any other.

The menu, in the order a candidate of equal relevance is tried:

    midpoint X a b            every pair of points
    foot X p a b              a point and a line (a known line, or two points) not through it
    circle X a b c            the centre of a known circle, then of any triangle
    intersection_ll X a b c d two lines that meet at no named point
    mirror X a b              a reflected through b
    on_pline X p a b, on_line X c d / on_tline ...: a parallel or perpendicular through p, met
                              with a line

Relevance is how many of the candidate's points the goal names (AlphaGeometry's traceback shows
that the auxiliary points of JGEX proofs hang on the goal's points); ties go by the order above,
then by the points' order in the problem, so the search is deterministic. Candidates are tried
one at a time, each on a fresh engine that replays the base fixpoint (a shared one would let a
useless point slow every later try), within the caller's deadline; when the menu is spent, a
second point naming one of the first few (`search`). Left out: three or more points, and a
learned ranking.
"""

from __future__ import annotations

import itertools
import logging
import string
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from deduction.errors import DeductionError
from deduction.numeric import extend
from deduction.types import Clause, ConstructionCall, Problem, ProofStep, Statement

logger = logging.getLogger(__name__)

# Kinds in the order they are tried at equal relevance.
KIND_ORDER = ("midpoint", "foot", "center", "intersection", "mirror", "pline", "tline")
# First points that get a second one when no single point proves the goal.
PAIR_FIRSTS = 12


@dataclass(frozen=True, slots=True)
class Candidate:
    """One auxiliary clause to try, with why it was proposed."""

    kind: str
    clause: Clause
    relevance: int

    def __str__(self) -> str:
        return str(self.clause)


def fresh_name(used: Sequence[str]) -> str:
    """A point name the problem does not use: a free lower-case letter, else x1, x2, ..."""
    taken = set(used)
    for letter in string.ascii_lowercase:
        if letter not in taken:
            return letter
    return next(f"x{i}" for i in itertools.count(1) if f"x{i}" not in taken)


def _clause(name: str, *calls: tuple[str, ...]) -> Clause:
    return Clause((name,), tuple(ConstructionCall(c[0], (name,) + c[1:]) for c in calls))


def _lines(points: Sequence[str], known_lines: Sequence[frozenset[str]]) -> list[tuple[str, str]]:
    """One pair of points per line: the known lines (three or more collinear points), then every
    pair of points not on one of them."""
    order = {p: i for i, p in enumerate(points)}
    out: list[tuple[str, str]] = []
    covered: set[frozenset[str]] = set()
    for line in known_lines:
        a, b = sorted(line, key=order.__getitem__)[:2]
        out.append((a, b))
        covered.update(frozenset(pp) for pp in itertools.combinations(line, 2))
    pairs = itertools.combinations(points, 2)
    return out + [(a, b) for a, b in pairs if frozenset((a, b)) not in covered]


def candidates(
    problem: Problem,
    known_lines: Sequence[frozenset[str]] = (),
    known_circles: Sequence[frozenset[str]] = (),
    focus: Sequence[str] = (),
) -> list[Candidate]:
    """Every menu item for this problem, most relevant first (see the module docstring);
    `focus` points count as goal points. The whole list: `menu` yields it lazily."""
    return list(menu(problem, known_lines, known_circles, focus))


def menu(
    problem: Problem,
    known_lines: Sequence[frozenset[str]] = (),
    known_circles: Sequence[frozenset[str]] = (),
    focus: Sequence[str] = (),
) -> Iterator[Candidate]:
    """The menu in order: relevance down, then kind (KIND_ORDER), then the order the points
    appear in the problem. Lazily, because a 20-point problem has over a million items (the
    parallels and perpendiculars) and a search rarely reaches the tail: each relevance level
    walks the kinds again, keeping the items of that relevance.

    Relevance counts the goal points among a candidate's arguments and the known lines
    through two consecutive arguments (a foot on line c d is about every point of c d), kept
    as bit masks over the goal points so a walk is cheap."""
    points = problem.points
    goal = set(problem.goal.args) if problem.goal is not None else set()
    goal.update(focus)
    bit = {p: 1 << i for i, p in enumerate(sorted(goal))}
    name = fresh_name(points)
    lines = _lines(points, known_lines)
    # the known line through a pair of points, if any
    line_of = {frozenset(pp): ln for ln in known_lines for pp in itertools.combinations(ln, 2)}
    line_mask = {pair: sum(bit.get(p, 0) for p in line) for pair, line in line_of.items() if line}
    point_mask = {p: bit.get(p, 0) for p in points}

    def through(p: str, ab: tuple[str, str]) -> bool:
        line = line_of.get(frozenset(ab))
        return p in ab or (line is not None and p in line)

    def relevance(args: tuple[str, ...]) -> int:
        mask = 0
        for p in args:
            mask |= point_mask[p]
        for i in range(len(args) - 1):
            mask |= line_mask.get(frozenset(args[i : i + 2]), 0)
        return mask.bit_count()

    triangles = [tuple(sorted(c, key=points.index)[:3]) for c in known_circles]
    triangles += [t for t in itertools.combinations(points, 3) if t not in triangles]

    def items(kind: str) -> Iterator[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
        """(arguments, construction calls) of one kind, in problem order."""
        if kind == "midpoint":
            for a, b in itertools.combinations(points, 2):
                yield (a, b), (("midpoint", a, b),)
        elif kind == "foot":
            for p in points:
                for a, b in lines:
                    if not through(p, (a, b)):
                        yield (p, a, b), (("foot", p, a, b),)
        elif kind == "center":
            for a, b, c in triangles:
                yield (a, b, c), (("circle", a, b, c),)
        elif kind == "intersection":
            for (a, b), (c, d) in itertools.combinations(lines, 2):
                if not {a, b} & {c, d}:  # else they meet at a named point
                    yield (a, b, c, d), (("intersection_ll", a, b, c, d),)
        elif kind == "mirror":
            for a, b in itertools.permutations(points, 2):
                yield (a, b), (("mirror", a, b),)
        else:  # pline / tline: through p along a b, met with line c d
            along = "on_pline" if kind == "pline" else "on_tline"
            for p in points:
                for (a, b), (c, d) in itertools.permutations(lines, 2):
                    if not through(p, (a, b)) and not through(p, (c, d)):
                        yield (p, a, b, c, d), ((along, p, a, b), ("on_line", c, d))

    for level in range(len(goal), -1, -1):
        for kind in KIND_ORDER:
            for args, calls in items(kind):
                if relevance(args) == level:
                    yield Candidate(kind, _clause(name, *calls), level)


def with_clause(problem: Problem, clause: Clause) -> Problem:
    """The problem with one more clause before its goal (its text spells the new clause)."""
    extended = Problem(problem.name, problem.clauses + (clause,), problem.goal, "")
    return Problem(extended.name, extended.clauses, extended.goal, str(extended))


def placed(
    points: dict[str, tuple[float, float]], cands: Iterable[Candidate], seed: int = 0
) -> Iterator[tuple[Candidate, dict[str, tuple[float, float]]]]:
    """The candidates that can be drawn on the figure, with the figure extended by each; a
    candidate whose point coincides with a named one (the midpoint that is already there) or
    that cannot be drawn (parallel lines) is skipped."""
    seen: list[tuple[float, float]] = []
    for cand in cands:
        try:
            new = extend(points, cand.clause, seed)
        except DeductionError:
            continue
        (x, y) = next(iter(new.values()))
        # two candidates placing the same point (the foot on a line, spelled by two of its
        # pairs) are one candidate
        if any(abs(x - u) + abs(y - v) < 1e-9 * (1 + abs(u) + abs(v)) for u, v in seen):
            continue
        seen.append((x, y))
        yield cand, {**points, **new}


def deadline_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


class Trial(Protocol):
    """What the search needs of an engine (deduction.engine.solver.Engine)."""

    problem: Problem
    points: dict[str, tuple[float, float]]

    def run(self, goal: Statement | None = None, timeout: float | None = None) -> bool: ...

    def known_steps(self) -> list[ProofStep]: ...

    @property
    def fb(self) -> Any: ...

    @property
    def stats(self) -> Any: ...


T = TypeVar("T", bound=Trial)


def search(
    base: T,
    make: Callable[[Problem, dict[str, tuple[float, float]], Sequence[ProofStep]], T],
    deadline: float | None,
    cap: float,
) -> tuple[tuple[T, tuple[Clause, ...]] | None, int]:
    """Prove `base.problem`'s goal with one auxiliary point, else with two; the proving engine
    with its clauses (or None) and the number of tries.

    Round one tries every menu item in order. Round two, when the menu is spent with time
    left, adds a second point to each of the first PAIR_FIRSTS items, taking the items in
    turns (one second point each per turn) so no first point eats the budget; a second point
    must name the first. Every try replays the fixpoint it extends and gets at most `cap`
    seconds."""
    problem, goal = base.problem, base.problem.goal
    assert goal is not None
    lines = [frozenset(pts) for _, pts in base.fb.lines.objects() if len(pts) >= 3]
    circles = [frozenset(pts) for _, pts in base.fb.circles.objects() if len(pts) >= 4]
    tried = 0

    def attempt(
        extended: Problem, points: dict[str, tuple[float, float]], known: Sequence[ProofStep]
    ) -> tuple[bool, T]:
        nonlocal tried
        left = deadline_left(deadline)
        if left is not None and left <= 0:
            raise TimeoutError
        tried += 1
        trial = make(extended, points, known)
        return trial.run(goal, cap if left is None else min(cap, left)), trial

    known = base.known_steps()
    firsts: list[tuple[Candidate, Problem, dict[str, tuple[float, float]], list[ProofStep]]] = []
    try:
        for cand, points in placed(base.points, menu(problem, lines, circles)):
            extended = with_clause(problem, cand.clause)
            proved, trial = attempt(extended, points, known)
            if proved:
                return (trial, (cand.clause,)), tried
            if len(firsts) < PAIR_FIRSTS and trial.stats.fixpoint:
                # its fixpoint is where a second point starts from
                firsts.append((cand, extended, points, trial.known_steps()))
        turns = [_second_points(*first, lines, circles) for first in firsts]
        while turns:
            for it in list(turns):
                item = next(it, None)
                if item is None:
                    turns.remove(it)
                    continue
                extended, points, known2, clauses = item
                proved, trial = attempt(extended, points, known2)
                if proved:
                    return (trial, clauses), tried
    except TimeoutError:
        pass
    return None, tried


def _second_points(
    first: Candidate,
    extended: Problem,
    points: dict[str, tuple[float, float]],
    known: list[ProofStep],
    lines: Sequence[frozenset[str]],
    circles: Sequence[frozenset[str]],
) -> Iterator[
    tuple[Problem, dict[str, tuple[float, float]], list[ProofStep], tuple[Clause, Clause]]
]:
    """Second auxiliary points that name the first one, most relevant first (the first point
    counts as a goal point)."""
    new = first.clause.points[0]
    seconds = (c for c in menu(extended, lines, circles, focus=(new,)) if _names(c, new))
    for cand, figure in placed(points, seconds):
        yield with_clause(extended, cand.clause), figure, known, (first.clause, cand.clause)


def _names(cand: Candidate, point: str) -> bool:
    return any(point in call.args[1:] for call in cand.clause.constructions)
