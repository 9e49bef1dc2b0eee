"""Algebraic reasoning between DD levels: feed the fact base's equations to the three chasers
of `deduction.algebra` and add what they derive, each step labelled "AR:angle", "AR:ratio" or
"AR:distance" with the chaser's minimal `why` as premises.

The fact base records every equation it learns as an event (a `para` union, a `perp`, an
`eqangle`, a `cong`, a line's point set, ...), tagged with the statement node that justifies it;
this bridge replays the events it has not seen yet, so each call costs what is new. Line and
segment ids given to the chasers are the point pairs the fact base uses, with their numeric
directions and lengths from the realisation: the chasers use numbers only to pick candidates.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from deduction.algebra import AngleChaser, DistanceChaser, InconsistentError, RatioChaser
from deduction.algebra.types import Derived
from deduction.engine.factbase import FactBase
from deduction.types import ProofStep, Statement

logger = logging.getLogger(__name__)

# k in k * angle = k * v (mod 1) that `_divided` divides by; angles with denominators up to 12
DIVISORS = (2, 3, 4, 6)
MAX_DENOMINATOR = 12
Pair = tuple[str, str]


def _pts(p: Any) -> tuple[str, ...]:
    return tuple(sorted(p))


class Chasing:
    """Stateful AR for one fact base; call it after each DD level."""

    def __init__(self, points: Mapping[str, Any], numeric: Callable[[Statement], bool]) -> None:
        self.points = {k: (float(v[0]), float(v[1])) for k, v in points.items()}
        self.numeric = numeric
        self.angles = AngleChaser()
        self.ratios = RatioChaser()
        self.dist = DistanceChaser()
        self._lines: set = set()
        self._segments: set = set()
        self._seen = 0
        self._settled: set[tuple[Pair, Pair]] = set()  # line pairs `_divided` need not try again
        self._divided_at = -1
        self.false_dropped = 0  # derived facts the figure refuted (see __call__)

    def _line(self, p: tuple[str, str]) -> tuple[str, str]:
        if p not in self._lines:
            (ax, ay), (bx, by) = self.points[p[0]], self.points[p[1]]
            self.angles.add_line(p, math.atan2(by - ay, bx - ax))
            self._lines.add(p)
        return p

    def _segment(self, p: tuple[str, str]) -> tuple[str, str]:
        if p not in self._segments:
            (ax, ay), (bx, by) = self.points[p[0]], self.points[p[1]]
            self.ratios.add_segment(p, math.hypot(bx - ax, by - ay))
            self._segments.add(p)
        return p

    def _feed(self, event: tuple[str, str, tuple, object, Statement]) -> None:
        table, kind, args, value, tag = event
        if table == "angle":
            self.angles.add(kind, tuple(self._line(p) for p in args), tag, value=value)
        elif table == "ratio":
            self.ratios.add(kind, tuple(self._segment(p) for p in args), tag, value=value)
        elif table == "dist":
            self.dist.add(kind, args, tag, value=value)
        elif table == "line":
            (ax, ay), (bx, by) = self.points[args[0]], self.points[args[1]]
            dx, dy = bx - ax, by - ay
            pos = {p: (self.points[p][0] - ax) * dx + (self.points[p][1] - ay) * dy for p in args}
            self.dist.add_collinear(pos, tag)

    def prove(self, fb: FactBase, goal: Statement) -> bool:
        """Ask the chasers for the goal itself (its lines or segments may be ones no derived
        fact names, so `derive` would never report it); add it with its why if entailed."""
        kind, args = goal.predicate, goal.args
        pairs = [tuple(sorted(args[i : i + 2])) for i in range(0, len(args) - 1, 2)]
        value = None
        if kind in ("aconst", "rconst"):
            pairs, value = pairs[:2], Fraction(args[4])
        why = None
        try:
            if kind in ("para", "perp", "eqangle", "aconst"):
                if all(p in self._lines for p in pairs):
                    why = self.angles.why(kind, tuple(pairs), value=value)
                label = "AR:angle"
            elif kind in ("cong", "eqratio", "rconst"):
                if all(p in self._segments for p in pairs):
                    why = self.ratios.why(kind, tuple(pairs), value=value)
                label = "AR:ratio"
                if why is None and kind in ("cong", "rconst"):
                    why = self.dist.why(kind, args[:4], value=value)
                    label = "AR:distance"
            else:
                return False
        except (ValueError, KeyError):
            return False
        if why is None:
            return False
        return fb.add(ProofStep(goal, label, _ordered(why)))

    def __call__(self, fb: FactBase) -> int:
        events = fb.events
        while self._seen < len(events):
            event = events[self._seen]
            self._seen += 1
            try:
                self._feed(event)
            except InconsistentError:  # numerically checked facts cannot contradict
                logger.warning("AR rejected %s as inconsistent", event[4])
        added = 0
        chasers: tuple[tuple[str, AngleChaser | RatioChaser | DistanceChaser], ...] = (
            ("AR:angle", self.angles),
            ("AR:ratio", self.ratios),
            ("AR:distance", self.dist),
        )
        for label, chaser in chasers:
            # Most derived facts are already known; their whys (the costly part) are computed
            # only for the facts kept, from the equations known when each was derived.
            for derived in chaser.derive(with_why=False):
                st = to_statement(derived)
                if st is None:
                    continue
                if fb.holds(st):
                    if label == "AR:ratio" and st.predicate == "rconst":
                        self._to_distances(fb, st)
                    continue
                if not self.numeric(st):
                    # Dividing angles mod pi has several roots (2x = 0 gives 0 or 1/2) and the
                    # elimination may pick the one this figure does not have: the figure rules
                    # it out, as it rules out a rule's instance. Counted, not shouted: IMO
                    # problems print dozens of these a run.
                    self.false_dropped += 1
                    logger.debug("AR derived %s, false on the figure; dropped", st)
                    continue
                why: frozenset[Statement] = chaser.explain(derived)
                premises = _ordered(why)
                if fb.add(ProofStep(st, label, premises)):
                    added += 1
        return added + self._divided(fb)

    def _to_distances(self, fb: FactBase, st: Statement) -> None:
        """Hand a ratio constant the fact base knows only through its ratio table to distance
        chasing, as AlphaGeometry2 syncs its multiplicative and additive length tables: a new
        fact would reach it as an event, but one that already holds never becomes one. (Equal
        lengths get there through `fold_units`.) Thales' 1/2 on a side then halves it."""
        a, b, c, d, value = st.args
        if not self.dist.implies("rconst", (a, b, c, d), value=Fraction(value)):
            self.dist.add("rconst", (a, b, c, d), fb.justify(st), value=Fraction(value))

    def last_resort(self, fb: FactBase) -> int:
        """Divided equal angles (see `_divided`) between any two pairs of lines whose angles
        agree on the figure: quadratic in the line pairs, so the closure asks only at a
        fixpoint. Returns the number of facts added."""
        system = self.angles.system
        groups: dict[int, list[tuple[Pair, Pair]]] = {}
        for a, b in itertools.permutations(sorted(self._lines), 2):
            turn = _turn(self.points, a, b)
            if 1e-6 < turn < 1 - 1e-6:  # parallels are `_divided`'s
                groups.setdefault(round(turn * 1e6), []).append((a, b))
        added = 0
        for group in groups.values():
            # pairs whose angles are already equal share a normal form: test one of each
            by_form: dict[object, tuple[Pair, Pair]] = {}
            for a, b in group:
                by_form.setdefault(system.normal_form({b: 1, a: -1}), (a, b))
            for (a, b), (c, d) in itertools.combinations(by_form.values(), 2):
                form: dict[Pair, int] = {}
                for line, sign in ((b, 1), (a, -1), (d, -1), (c, 1)):
                    form[line] = form.get(line, 0) + sign
                for k in DIVISORS:
                    why = system.why({line: k * c for line, c in form.items()}, 0)
                    if why is None:
                        continue
                    st = to_statement(Derived("eqangle", (a, b, c, d), None))
                    if st is not None and not fb.holds(st) and self.numeric(st):
                        added += fb.add(ProofStep(st, "AR:angle", _ordered(why)))
                    break
        return added

    def _divided(self, fb: FactBase) -> int:
        """Angles the chaser knows only a multiple of: k * (d2 - d1) = k * v (mod 1) leaves
        d2 - d1 one of k values, and the figure picks v. Over the rationals (AlphaGeometry,
        Newclid) this is plain division; mod 1 it needs the coordinates, which every AR fact
        is checked against anyway. Angle bisectors need it (2x = angle)."""
        system = self.angles.system
        if system.version == self._divided_at:
            return 0
        self._divided_at = system.version
        added = 0
        for a, b in itertools.combinations(sorted(self._lines), 2):
            if (a, b) in self._settled:
                continue
            value = _nice_angle(self.points, a, b)
            if value is None:
                self._settled.add((a, b))
                continue
            if system.implies({b: 1, a: -1}, value):
                self._settled.add((a, b))
                continue
            for k in DIVISORS:
                why = system.why({b: k, a: -k}, (k * value) % 1)
                if why is None:
                    continue
                st = to_statement(Derived("aconst", (a, b), None, value))
                if st is not None and not fb.holds(st) and self.numeric(st):
                    added += fb.add(ProofStep(st, "AR:angle", _ordered(why)))
                break
        return added


def _turn(points: Mapping[str, tuple[float, float]], p: Pair, q: Pair) -> float:
    """d(q) - d(p) on the figure, in units of pi mod 1."""
    (ax, ay), (bx, by) = points[p[0]], points[p[1]]
    (cx, cy), (dx, dy) = points[q[0]], points[q[1]]
    return (math.atan2(dy - cy, dx - cx) - math.atan2(by - ay, bx - ax)) / math.pi % 1.0


def _nice_angle(points: Mapping[str, tuple[float, float]], p: Pair, q: Pair) -> Fraction | None:
    """d(q) - d(p) in units of pi mod 1 when it is a fraction with a small denominator."""
    turn = _turn(points, p, q)
    value = Fraction(turn).limit_denominator(MAX_DENOMINATOR)
    return value % 1 if abs(float(value) - turn) < 1e-9 else None


def to_statement(d: Derived) -> Statement | None:
    """The Statement a chaser's output states, in point names."""
    kind, args = d.kind, [_pts(a) for a in d.args]
    flat = tuple(x for a in args for x in a)
    try:
        if kind in ("aconst", "rconst"):
            if kind == "aconst" and d.value == 0:
                return Statement("para", flat)
            if kind == "aconst" and d.value == Fraction(1, 2):
                return Statement("perp", flat)
            if kind == "rconst" and d.value == 1:
                return Statement("cong", flat)
            return Statement(kind, flat + (str(d.value),))
        return Statement(kind, flat)
    except ValueError:
        return None


def _ordered(why: Iterable[Statement]) -> tuple[Statement, ...]:
    """A chaser's why (a set) in text order: the same proof reads the same in every process,
    whatever the hash seed."""
    return tuple(sorted(set(why), key=str))
