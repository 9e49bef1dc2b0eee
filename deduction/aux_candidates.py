"""Auxiliary-point candidates, HAGeo-style: constructions that land somewhere they need not.

An auxiliary point is worth trying when the figure says it is special. HAGeo (Duan et al.,
arXiv 2512.00097) builds simple points from the named ones and keeps a point only when, on the
figure, it falls on a line or circle of the figure that its construction does not put it on: a
midpoint that happens to lie on a circumcircle, a foot that is collinear with two other points.
Such a "non-trivial incidence" is a fact DD+AR can use and the statement does not name; a point
without one adds only facts the construction itself says. This module is that filter, on the
numbers alone (no fact base), so the solver and the generator share it:

    candidates(problem, points) -> [Candidate, ...]   most promising first

Kinds, each written as one clause of AlphaGeometry's language so a solution reads as
`problem + aux clauses` that AlphaGeometry's parser and `deduction.solve` accept:

    midpoint       x = midpoint x a b            every pair of points
    mirror         x = mirror x a b              a reflected through b
    reflect        x = reflect x p a b           p reflected in a drawn line a b
    foot           x = foot x p a b              p's foot on a drawn line
    line_line      x = intersection_ll x a b c d two drawn lines that meet at no named point
    line_circle    x = intersection_lc x a o b   a drawn line through b meets circle (o, ob) again
    circle_circle  x = intersection_cc x o w a   circles (o, oa) and (w, wa) meet again
    center         x = circle x a b c            the centre of a circle through 3+ named points

"Drawn" lines are those through three or more named points and the segments the clauses' own
statements name (a triangle's sides); every other pair of points also spans a line, but feet and
reflections in all of them would swamp the list with points nothing else touches. Incidences are
counted against every line through two named points, every circle through three, and every
circle about a named centre through a named point: any of them passing through a new point is a
coincidence of the figure. An incidence is trivial when the shape is one the construction itself
uses (the midpoint on its own segment's line, the foot on the perpendicular from its point).

Ranking: incidences first (each counts 1, a circle about a named centre through only one named
point 0.5), then a bonus for parents named by the goal, then the kind order above and the text,
so the order is deterministic. Left out: parallels and perpendiculars through a point met with a
line (they rarely pass the filter and multiply the list by the number of lines), and the second,
unnamed intersection of a line and a circle that share no named point (which of the two would be
a choice of the figure, not of the clause).
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from deduction.errors import DeductionError
from deduction.numeric import extend
from deduction.problem import premise_statements
from deduction.types import Clause, ConstructionCall, Problem

Point = tuple[float, float]

KINDS = (
    "midpoint",
    "foot",
    "center",
    "line_line",
    "line_circle",
    "circle_circle",
    "mirror",
    "reflect",
)
# Relative to the figure's size: a random point is ~1e-3 off a shape, a constructed one ~1e-12.
REL_TOL = 1e-7
# Candidates kept per call after ranking (the long tail only slows a search down).
DEFAULT_LIMIT = 400


@dataclass(frozen=True, slots=True)
class Candidate:
    """One auxiliary clause, where it lands on the figure and why it is interesting."""

    kind: str
    clause: Clause
    parents: tuple[str, ...]
    at: Point
    incidences: tuple[str, ...]  # e.g. "line a b", "circle a b c", "circle centred o through a"
    score: float

    @property
    def point(self) -> str:
        return self.clause.points[0]

    def __str__(self) -> str:
        return str(self.clause)


def fresh_name(used: Iterable[str]) -> str:
    """A point name not in `used`: a free lower-case letter, else x1, x2, ..."""
    taken = set(used)
    for letter in string.ascii_lowercase:
        if letter not in taken:
            return letter
    return next(f"x{i}" for i in itertools.count(1) if f"x{i}" not in taken)


# ---------------------------------------------------------------- the figure's shapes
@dataclass(frozen=True, slots=True)
class _Line:
    points: tuple[str, ...]  # named points on it, in problem order
    origin: np.ndarray
    unit: np.ndarray  # direction, normalised


@dataclass(frozen=True, slots=True)
class _Circle:
    points: tuple[str, ...]  # named points on it, in problem order
    centre: np.ndarray
    radius: float
    centre_name: str | None  # a named point at the centre, if any


class Shapes:
    """Every line through two named points and every circle through three (merged where they
    are one shape), on one figure, plus the drawn lines the candidates are built on."""

    def __init__(self, problem: Problem, points: Mapping[str, Point]) -> None:
        self.names = [p for p in problem.points if p in points]
        self.index = {p: i for i, p in enumerate(self.names)}
        self.xy = np.array([points[p] for p in self.names], dtype=float).reshape(-1, 2)
        span = float(np.ptp(self.xy, axis=0).max()) if len(self.names) > 1 else 1.0
        self.scale = max(span, 1e-9)
        self.tol = REL_TOL * self.scale
        self.lines = self._lines()
        self.circles = self._circles()
        self.drawn = self._drawn(problem)

    def _on_line(self, origin: np.ndarray, unit: np.ndarray, xy: np.ndarray) -> np.ndarray:
        d = xy - origin
        return np.abs(d[:, 0] * unit[1] - d[:, 1] * unit[0]) <= self.tol

    def _lines(self) -> list[_Line]:
        out: list[_Line] = []
        seen: set[frozenset[int]] = set()
        n = len(self.names)
        for i, j in itertools.combinations(range(n), 2):
            if frozenset((i, j)) in seen:
                continue
            v = self.xy[j] - self.xy[i]
            norm = float(np.hypot(*v))
            if norm <= self.tol:
                continue
            unit = v / norm
            on = np.flatnonzero(self._on_line(self.xy[i], unit, self.xy))
            members = tuple(self.names[k] for k in on)
            for a, b in itertools.combinations(on, 2):
                seen.add(frozenset((int(a), int(b))))
            out.append(_Line(members, self.xy[i], unit))
        return out

    def _circles(self) -> list[_Circle]:
        out: list[_Circle] = []
        seen: set[frozenset[int]] = set()
        n = len(self.names)
        for i, j, k in itertools.combinations(range(n), 3):
            if frozenset((i, j, k)) in seen:
                continue
            centre = _circumcentre(self.xy[i], self.xy[j], self.xy[k])
            if centre is None:
                continue
            radius = float(np.hypot(*(self.xy[i] - centre)))
            if radius > 50 * self.scale:
                continue  # nearly collinear: a line, numerically
            on = np.flatnonzero(np.abs(np.hypot(*(self.xy - centre).T) - radius) <= self.tol)
            for t in itertools.combinations(on, 3):
                seen.add(frozenset(int(x) for x in t))
            out.append(
                _Circle(tuple(self.names[x] for x in on), centre, radius, self._named(centre))
            )
        # circles about a named centre through named points (two or more is a drawn circle)
        for o in range(n):
            d = np.hypot(*(self.xy - self.xy[o]).T)
            order = np.argsort(d)
            groups: list[list[int]] = []
            for x in order:
                if x == o or d[x] <= self.tol:
                    continue
                if groups and abs(d[groups[-1][0]] - d[x]) <= self.tol:
                    groups[-1].append(int(x))
                else:
                    groups.append([int(x)])
            for g in groups:
                if len(g) >= 3:
                    continue  # already one of the circles through three points
                members = tuple(self.names[x] for x in sorted(g))
                out.append(_Circle(members, self.xy[o], float(d[g[0]]), self.names[o]))
        return out

    def _named(self, xy: np.ndarray) -> str | None:
        d = np.hypot(*(self.xy - xy).T)
        k = int(np.argmin(d)) if len(d) else -1
        return self.names[k] if k >= 0 and d[k] <= self.tol else None

    def _drawn(self, problem: Problem) -> list[_Line]:
        """Lines through three or more points, then the segments the premises name."""
        named: set[frozenset[str]] = set()
        for st, _ in premise_statements(problem):
            if st.predicate in ("coll", "para", "perp", "cong", "eqangle", "eqratio", "midp"):
                args = st.args
                pairs = [args[i : i + 2] for i in range(0, len(args) - 1, 2)]
                if st.predicate in ("coll", "midp"):
                    pairs = list(itertools.combinations(args, 2))
                named.update(frozenset(p) for p in pairs if len(set(p)) == 2)
        out = [ln for ln in self.lines if len(ln.points) >= 3]
        out += [ln for ln in self.lines if len(ln.points) == 2 and frozenset(ln.points) in named]
        return out

    def line_of(self, a: str, b: str) -> _Line | None:
        for ln in self.lines:
            if a in ln.points and b in ln.points:
                return ln
        return None

    def centred(self) -> list[_Circle]:
        """Circles with a named centre and two or more named points (drawn circles)."""
        return [c for c in self.circles if c.centre_name is not None and len(c.points) >= 2]


def _circumcentre(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray | None:
    d = 2 * (a[0] * (b[1] - c[1]) + b[0] * (c[1] - a[1]) + c[0] * (a[1] - b[1]))
    if abs(d) < 1e-12:
        return None
    a2, b2, c2 = a @ a, b @ b, c @ c
    ux = (a2 * (b[1] - c[1]) + b2 * (c[1] - a[1]) + c2 * (a[1] - b[1])) / d
    uy = (a2 * (c[0] - b[0]) + b2 * (a[0] - c[0]) + c2 * (b[0] - a[0])) / d
    return np.array([ux, uy])


# ---------------------------------------------------------------- raw candidates
@dataclass(slots=True)
class _Raw:
    kind: str
    calls: tuple[tuple[str, ...], ...]  # construction calls without the new point's name
    parents: tuple[str, ...]
    at: np.ndarray
    own_dirs: list[np.ndarray]  # unit directions of the lines the construction puts it on
    own_circles: list[tuple[np.ndarray, float]]  # (centre, radius) of its own circles
    # named points it is equidistant from by construction (a midpoint's two, a centre's circle)
    own_equal: frozenset[str] = frozenset()


def _unit(v: np.ndarray) -> np.ndarray:
    return v / float(np.hypot(*v))


def _raw_candidates(sh: Shapes) -> list[_Raw]:
    xy, names, out = sh.xy, sh.names, []
    P = {p: xy[i] for i, p in enumerate(names)}  # noqa: N806 - a point's coordinates
    for a, b in itertools.combinations(names, 2):
        d = _unit(P[b] - P[a])
        mid = (P[a] + P[b]) / 2
        out.append(_Raw("midpoint", (("midpoint", a, b),), (a, b), mid, [d], [], frozenset((a, b))))
    for a, b in itertools.permutations(names, 2):
        d = _unit(P[b] - P[a])
        circ = [(P[b], float(np.hypot(*(P[a] - P[b]))))]
        out.append(_Raw("mirror", (("mirror", a, b),), (a, b), 2 * P[b] - P[a], [d], circ))
    for line in sh.drawn:
        a, b = line.points[:2]
        for p in names:
            if p in line.points:
                continue
            v = P[p] - line.origin
            foot = line.origin + (v @ line.unit) * line.unit
            normal = np.array([-line.unit[1], line.unit[0]])
            out.append(_Raw("foot", (("foot", p, a, b),), (p, a, b), foot, [line.unit, normal], []))
            image = 2 * foot - P[p]
            circles = [
                (P[a], float(np.hypot(*(P[p] - P[a])))),
                (P[b], float(np.hypot(*(P[p] - P[b])))),
            ]
            out.append(
                _Raw("reflect", (("reflect", p, a, b),), (p, a, b), image, [normal], circles)
            )
    for l1, l2 in itertools.combinations(sh.drawn, 2):
        if set(l1.points) & set(l2.points):
            continue  # they meet at a named point
        cross = l1.unit[0] * l2.unit[1] - l1.unit[1] * l2.unit[0]
        if abs(cross) < 1e-6:
            continue
        t = ((l2.origin - l1.origin)[0] * l2.unit[1] - (l2.origin - l1.origin)[1] * l2.unit[0]) / (
            cross
        )
        at = l1.origin + t * l1.unit
        ends = (*l1.points[:2], *l2.points[:2])
        out.append(
            _Raw(
                "line_line",
                (("intersection_ll", *ends),),
                ends,
                at,
                [l1.unit, l2.unit],
                [],
            )
        )
    centred = sh.centred()
    for circle in centred:
        o = circle.centre_name
        assert o is not None
        for line in sh.drawn:
            on = [p for p in line.points if p in circle.points]
            if len(on) != 1:
                continue  # through none (no clause names it) or two (no new point)
            bpt = on[0]
            a = next(p for p in line.points if p != bpt)
            # the second intersection: reflect b over the foot of the centre on the line
            v = circle.centre - P[bpt]
            foot = P[bpt] + (v @ line.unit) * line.unit
            at = 2 * foot - P[bpt]
            own = [(circle.centre, circle.radius)]
            out.append(
                _Raw(
                    "line_circle",
                    (("intersection_lc", a, o, bpt),),
                    (a, o, bpt),
                    at,
                    [line.unit],
                    own,
                )
            )
    for c1, c2 in itertools.combinations(centred, 2):
        shared = [p for p in c1.points if p in c2.points]
        if len(shared) != 1 or c1.centre_name == c2.centre_name:
            continue
        o, w, a = c1.centre_name, c2.centre_name, shared[0]
        assert o is not None and w is not None
        # the second intersection: a reflected in the line of centres
        axis = _unit(c2.centre - c1.centre)
        v = P[a] - c1.centre
        foot = c1.centre + (v @ axis) * axis
        at = 2 * foot - P[a]
        own = [(c1.centre, c1.radius), (c2.centre, c2.radius)]
        out.append(_Raw("circle_circle", (("intersection_cc", o, w, a),), (o, w, a), at, [], own))
    for circle in sh.circles:
        if circle.centre_name is None and len(circle.points) >= 3:
            a, b, c = circle.points[:3]
            calls = (("circle", a, b, c),)
            equal = frozenset(circle.points)
            out.append(_Raw("center", calls, (a, b, c), circle.centre, [], [], equal))
    return out


# ---------------------------------------------------------------- incidences and ranking
class _Index:
    """The figure's shapes as arrays, so every candidate is tested against all of them at once."""

    def __init__(self, sh: Shapes) -> None:
        self.sh = sh
        self.origins = np.array([ln.origin for ln in sh.lines]).reshape(-1, 2)
        self.units = np.array([ln.unit for ln in sh.lines]).reshape(-1, 2)
        self.centres = np.array([c.centre for c in sh.circles]).reshape(-1, 2)
        self.radii = np.array([c.radius for c in sh.circles])

    def incidences(self, raws: Sequence[_Raw]) -> list[tuple[list[str], float]]:
        """For each candidate, the shapes through it that its construction does not use."""
        sh, tol = self.sh, self.sh.tol
        at = np.array([r.at for r in raws]).reshape(-1, 2)
        out: list[tuple[list[str], float]] = [([], 0.0) for _ in raws]
        for start in range(0, len(raws), 512):
            block = at[start : start + 512]
            d = block[:, None, :] - self.origins[None, :, :]
            off = np.abs(d[..., 0] * self.units[None, :, 1] - d[..., 1] * self.units[None, :, 0])
            for i, j in zip(*np.nonzero(off <= tol), strict=True):
                raw, line = raws[start + i], sh.lines[j]
                if any(
                    abs(u[0] * line.unit[1] - u[1] * line.unit[0]) <= 1e-6 for u in raw.own_dirs
                ):
                    continue  # one of its own lines
                found, score = out[start + i]
                out[start + i] = (found + ["line " + " ".join(line.points)], score + 1.0)
            dist = np.hypot(
                block[:, None, 0] - self.centres[None, :, 0],
                block[:, None, 1] - self.centres[None, :, 1],
            )
            for i, j in zip(*np.nonzero(np.abs(dist - self.radii[None, :]) <= tol), strict=True):
                raw, circle = raws[start + i], sh.circles[j]
                if any(
                    float(np.hypot(*(c - circle.centre))) <= tol and abs(r - circle.radius) <= tol
                    for c, r in raw.own_circles
                ):
                    continue  # one of its own circles
                found, score = out[start + i]
                if circle.centre_name is not None and len(circle.points) < 3:
                    pts = " ".join(circle.points)
                    text = f"circle centred {circle.centre_name} through {pts}"
                    gain = 1.0 if len(circle.points) >= 2 else 0.5
                else:
                    text, gain = "circle " + " ".join(circle.points), 1.0
                out[start + i] = (found + [text], score + gain)
            self._equidistant(raws, start, block, out)
        return out

    def _equidistant(
        self,
        raws: Sequence[_Raw],
        start: int,
        block: np.ndarray,
        out: list[tuple[list[str], float]],
    ) -> None:
        """A candidate at equal distance from two or more named points it was not built to be
        equidistant from is the centre of a circle of the figure: one more coincidence."""
        sh, tol = self.sh, self.sh.tol
        dist = np.hypot(
            block[:, None, 0] - sh.xy[None, :, 0], block[:, None, 1] - sh.xy[None, :, 1]
        )
        order = np.argsort(dist, axis=1)
        ordered = np.take_along_axis(dist, order, axis=1)
        ties = np.abs(np.diff(ordered, axis=1)) <= tol
        for i in map(int, np.flatnonzero(ties.any(axis=1))):
            raw = raws[start + i]
            groups: list[list[str]] = []
            for k in range(ordered.shape[1]):
                name = sh.names[order[i, k]]
                if k and ties[i, k - 1]:
                    groups[-1].append(name)
                else:
                    groups.append([name])
            for group in groups:
                if len(group) < 2 or set(group) <= raw.own_equal:
                    continue
                found, score = out[start + i]
                text = "centre of " + " ".join(sorted(group, key=sh.index.__getitem__))
                out[start + i] = (found + [text], score + 1.0)


def candidates(
    problem: Problem,
    points: Mapping[str, Point],
    focus: Sequence[str] = (),
    limit: int | None = DEFAULT_LIMIT,
    trivial: bool = False,
    name: str | None = None,
) -> list[Candidate]:
    """Auxiliary candidates for `problem` drawn on `points`, most promising first.

    Only candidates with a non-trivial incidence are returned unless `trivial`; `focus` names
    the points a candidate's parents earn a bonus for (default: the goal's points); `limit`
    caps the list; `name` is the new point's name (default: the first free letter). Each
    candidate's clause is checked to draw on the figure with every precondition of its
    construction (`deduction.numeric.extend`), and two candidates at one place are one (the
    first in rank order)."""
    sh = Shapes(problem, points)
    goal = set(focus) or (set(problem.goal.args) if problem.goal is not None else set())
    new = name or fresh_name(problem.points)
    order = {k: i for i, k in enumerate(KINDS)}
    scored: list[tuple[float, int, str, _Raw, list[str]]] = []
    far = 1e3 * (sh.scale + float(np.max(np.abs(sh.xy))))
    raws = [
        r
        for r in _raw_candidates(sh)
        if float(np.min(np.hypot(*(sh.xy - r.at).T))) > 1e3 * sh.tol  # not an existing point
        and float(np.max(np.abs(r.at))) < far  # nor practically at infinity
    ]
    for raw, (found, score) in zip(raws, _Index(sh).incidences(raws), strict=True):
        if not found and not trivial:
            continue
        bonus = 0.25 * len(goal.intersection(raw.parents))
        text = " ".join(" ".join(c) for c in raw.calls)
        scored.append((-(score + bonus), order[raw.kind], text, raw, found))
    scored.sort(key=lambda t: t[:3])
    out: list[Candidate] = []
    taken = np.empty((len(scored), 2))  # where the kept candidates are, in rows [0, len(out))
    for neg, _, _, raw, found in scored:
        kept = taken[: len(out)]
        if len(out) and float(np.min(np.abs(kept - raw.at).sum(axis=1))) <= 1e3 * sh.tol:
            continue
        clause = Clause((new,), tuple(ConstructionCall(c[0], (new, *c[1:])) for c in raw.calls))
        try:
            drawn = extend(points, clause)
        except DeductionError:
            continue  # a precondition fails on this figure
        x, y = drawn[new]
        if abs(x - raw.at[0]) + abs(y - raw.at[1]) > 1e3 * sh.tol:
            continue  # the clause draws another point than the one scored
        taken[len(out)] = raw.at
        out.append(Candidate(raw.kind, clause, raw.parents, (x, y), tuple(found), -neg))
        if limit is not None and len(out) >= limit:
            break
    return out
