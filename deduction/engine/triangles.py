"""The triangle rules (r32-r40) matched from the figure: similar triangles found numerically first.

A triangle rule concludes `simtri`/`contri` (or their mirrored forms) of two triangles ABC and
PQR, and the engine keeps a conclusion only if it is true on the coordinates. So every instance
that can ever fire names two triangles that *are* similar on the figure. The generic join
(`deduction.engine.matcher`) finds them from the premises' side, pairing classes of equal angles
or ratios over six points, which made these rules ~55% of a closure's time on generated figures.
This module starts from the conclusion's side instead: it lists the ordered pairs of
numerically similar triangles once per figure (a sort by shape, `similar_pairs`), and a level
asks, for each pair and rule whose conclusion is not yet known, whether the rule's premises
are proved (`match` with every variable bound: membership tests only).

Every binding the generic join yields has a numerically true conclusion, so it is among these
pairs: the instances found are those of the generic join, plus any the join misses because an
equality holds only in a spelling the tables do not enumerate (`holds_raw` reads both). The
candidates are recomputed for each figure; a level re-tests the pairs whose conclusion is not
yet known (there is no semi-naive clock here: a pair test is a few dictionary lookups).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Mapping
from itertools import permutations

from deduction.rules import STARRED, Rule

Triple = tuple[str, str, str]
# Shapes closer than this (relative) are candidates; the rules' own numeric checks decide.
SHAPE_TOL = 1e-6
_DIRECT = frozenset({"simtri", "contri"})
_MIRRORED = frozenset({"simtri2", "contri2"})


def _shape(a: complex, b: complex, c: complex) -> complex | None:
    """(c - a) / (b - a): equal for two triangles exactly when they are directly similar with
    a~p, b~q, c~r; None for a degenerate triangle."""
    if abs(b - a) < 1e-12:
        return None
    z = (c - a) / (b - a)
    return None if abs(z.imag) < 1e-9 else z


def similar_pairs(points: Mapping[str, tuple[float, float]]) -> tuple[list, list]:
    """Ordered pairs (ABC, PQR) of non-degenerate triangles, directly similar (first list) or
    mirror similar (second list), with every correspondence of vertices; a triangle is not
    paired with itself in the same order."""
    where = {name: complex(x, y) for name, (x, y) in points.items()}
    shapes: list[tuple[complex, Triple]] = []
    for triple in permutations(sorted(where), 3):
        z = _shape(where[triple[0]], where[triple[1]], where[triple[2]])
        if z is not None:
            shapes.append((z, triple))
    direct = _matches(shapes, shapes)
    mirrored = _matches(shapes, [(z.conjugate(), t) for z, t in shapes])
    return direct, mirrored


def _matches(left: list, right: list) -> list[tuple[Triple, Triple]]:
    """Pairs (s, t) with s from `left`, t from `right` and shapes within SHAPE_TOL: a sweep
    over both lists sorted by the real part."""
    rs = sorted(right, key=lambda e: e[0].real)
    keys = [z.real for z, _ in rs]
    out = []
    for z, s in left:
        tol = SHAPE_TOL * (1.0 + abs(z))
        i = bisect.bisect_left(keys, z.real - tol)
        while i < len(rs) and keys[i] <= z.real + tol:
            w, t = rs[i]
            if t != s and abs(w - z) <= tol:
                out.append((s, t))
            i += 1
    return out


class TriangleMatcher:
    """Bindings of the triangle rules on one figure (see the module docstring)."""

    def __init__(self, points: Mapping[str, tuple[float, float]]) -> None:
        self.direct, self.mirrored = similar_pairs(points)
        self.scale = {pair: _ratio(points, *pair) for pair in self.direct + self.mirrored}

    def candidates(self, rule: Rule) -> Iterator[dict[str, str]]:
        """Full bindings of a triangle rule (variables A B C P Q R) over the similar pairs its
        conclusion can name; the caller checks the premises (`match` with the binding)."""
        pred = rule.conclusion.predicate
        pairs: list[tuple[Triple, Triple]] = []
        if pred in _DIRECT or pred in STARRED:
            pairs += self.direct
        if pred in _MIRRORED or pred in STARRED:
            pairs += self.mirrored
        congruent = pred.startswith("contri")
        names = rule.conclusion.args  # A B C P Q R in the rule's own spelling
        for pair in pairs:
            if congruent and abs(self.scale[pair] - 1.0) > 1e-6:
                continue
            yield dict(zip(names, pair[0] + pair[1], strict=True))


def _ratio(points: Mapping[str, tuple[float, float]], s: Triple, t: Triple) -> float:
    (ax, ay), (bx, by) = points[s[0]], points[s[1]]
    (px, py), (qx, qy) = points[t[0]], points[t[1]]
    return math.hypot(qx - px, qy - py) / math.hypot(bx - ax, by - ay)
