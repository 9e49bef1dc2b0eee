"""Numeric truth of every predicate of `deduction.types.CANONICAL` on realised coordinates.

Tolerance. Realised figures live at unit scale (free points in [-1, 1]^2, shapes scaled 0.5-2,
points closer than 1% or farther than 10x the figure's radius rejected; see realise.py).
Doubles carry ~16 digits and a figure is built in at most a few dozen well-conditioned steps
(each a linear solve or a quadratic root), so a true fact's residual stays below ~1e-11;
a false fact in a random figure is typically off by 1e-3 or more. `TOL = 1e-8` sits between:
it is applied to dimensionless residuals (angles in radians, length differences relative to
the lengths compared), so it does not depend on the figure's size. `EPS_POINT` is the absolute
distance under which two points count as one (a segment has no direction).

Semantics (AlphaGeometry's): angles are between lines, directed, mod pi; `para` includes
coincident lines; `simtri`/`contri` keep orientation, `simtri2`/`contri2` reverse it; a
degenerate instance (a zero-length segment where a line is needed) is false, and so is its
negation (`npara`, `nperp`, `ncoll` need well-defined lines too).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from deduction.numeric.geometry import circle_through
from deduction.types import Statement

TOL = 1e-8
EPS_POINT = 1e-9

Points = Mapping[str, Any]  # name -> (x, y) tuple or a length-2 numpy array


def length(p: Any, q: Any) -> float:
    """Euclidean distance between two points."""
    return math.hypot(q[0] - p[0], q[1] - p[1])


def direction(p: Any, q: Any) -> float:
    """Direction of line pq as an angle in [0, pi); ValueError if p and q coincide."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    if abs(dx) + abs(dy) < EPS_POINT:
        raise ValueError("coincident points define no line")
    return math.atan2(dy, dx) % math.pi


def angle_diff_zero(x: float, tol: float = TOL) -> bool:
    """Whether an angle (radians) is 0 mod pi."""
    return abs(math.remainder(x, math.pi)) <= tol


def _close(x: float, y: float, tol: float) -> bool:
    return abs(x - y) <= tol * max(abs(x), abs(y))


def _dirs(pts: Sequence[Any]) -> list[float] | None:
    try:
        return [direction(pts[i], pts[i + 1]) for i in range(0, len(pts), 2)]
    except ValueError:
        return None


def _lengths(pts: Sequence[Any]) -> list[float] | None:
    out = [length(pts[i], pts[i + 1]) for i in range(0, len(pts), 2)]
    return None if min(out) < EPS_POINT else out


def _coll(pts: Sequence[Any], tol: float) -> bool:
    p0 = pts[0]
    far = max(pts, key=lambda q: length(p0, q))
    span = length(p0, far)
    if span < EPS_POINT:
        return True
    ux, uy = (far[0] - p0[0]) / span, (far[1] - p0[1]) / span
    return all(abs(ux * (q[1] - p0[1]) - uy * (q[0] - p0[0])) <= tol * span for q in pts)


def _ncoll(pts: Sequence[Any], tol: float) -> bool:
    return not _coll(pts, tol)


def _para(pts: Sequence[Any], tol: float) -> bool:
    d = _dirs(pts)
    return d is not None and angle_diff_zero(d[1] - d[0], tol)


def _perp(pts: Sequence[Any], tol: float) -> bool:
    d = _dirs(pts)
    return d is not None and angle_diff_zero(d[1] - d[0] - math.pi / 2, tol)


def _npara(pts: Sequence[Any], tol: float) -> bool:
    d = _dirs(pts)
    return d is not None and not angle_diff_zero(d[1] - d[0], tol)


def _nperp(pts: Sequence[Any], tol: float) -> bool:
    d = _dirs(pts)
    return d is not None and not angle_diff_zero(d[1] - d[0] - math.pi / 2, tol)


def _cong(pts: Sequence[Any], tol: float) -> bool:
    n = _lengths(pts)
    return n is not None and _close(n[0], n[1], tol)


def _eqangle(pts: Sequence[Any], tol: float) -> bool:
    d = _dirs(pts)
    return d is not None and angle_diff_zero((d[1] - d[0]) - (d[3] - d[2]), tol)


def _eqratio(pts: Sequence[Any], tol: float) -> bool:
    n = _lengths(pts)
    return n is not None and _close(n[0] * n[3], n[1] * n[2], tol)


def _eqratio3(pts: Sequence[Any], tol: float) -> bool:
    a, b, c, d, m, n = pts
    return _eqratio([m, a, m, c, n, b, n, d], tol)


def _cyclic(pts: Sequence[Any], tol: float) -> bool:
    if len(pts) < 3:
        return True  # `cyclic a a b` canonicalises to two points, which any circle passes
    try:
        circle = circle_through(pts[0], pts[1], pts[2])
    except ZeroDivisionError:
        return False
    centre = (circle.cx, circle.cy)
    return all(_close(length(centre, p), circle.r, tol) for p in pts[3:])


def _circle(pts: Sequence[Any], tol: float) -> bool:
    o, *rest = pts
    radii = [length(o, p) for p in rest]
    return min(radii) >= EPS_POINT and all(_close(r, radii[0], tol) for r in radii)


def _midp(pts: Sequence[Any], tol: float) -> bool:
    if len(pts) != 3:
        return False  # `midp m a a` canonicalises to ("m", "a"): no segment
    m, a, b = pts
    span = length(a, b)
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return span >= EPS_POINT and length(m, mid) <= tol * span


def _shape(p: Any, q: Any, r: Any) -> complex | None:
    """(q - p) / (r - p) as a complex number: a triangle's shape up to similarity."""
    u = complex(q[0] - p[0], q[1] - p[1])
    v = complex(r[0] - p[0], r[1] - p[1])
    if abs(u) < EPS_POINT or abs(v) < EPS_POINT or abs((u / v).imag) < EPS_POINT:
        return None  # degenerate triangle
    return u / v


def _similar(pts: Sequence[Any], tol: float, mirrored: bool) -> bool:
    one, two = _shape(*pts[:3]), _shape(*pts[3:])
    if one is None or two is None:
        return False
    if mirrored:
        two = two.conjugate()
    return abs(one - two) <= tol * max(abs(one), abs(two))


def _simtri(pts: Sequence[Any], tol: float) -> bool:
    return _similar(pts, tol, False)


def _simtri2(pts: Sequence[Any], tol: float) -> bool:
    return _similar(pts, tol, True)


def _contri(pts: Sequence[Any], tol: float) -> bool:
    return _similar(pts, tol, False) and _close(length(*pts[:2]), length(*pts[3:5]), tol)


def _contri2(pts: Sequence[Any], tol: float) -> bool:
    return _similar(pts, tol, True) and _close(length(*pts[:2]), length(*pts[3:5]), tol)


def _diff(pts: Sequence[Any], tol: float) -> bool:
    # `diff a a` canonicalises to the one-point set ("a",): never true.
    return len(pts) == 2 and length(pts[0], pts[1]) >= EPS_POINT


def _sameside(pts: Sequence[Any], tol: float) -> bool:
    # a vs segment bc: the dot product (b-a).(c-a) is negative exactly when a is between.
    a, b, c, x, y, z = pts
    one = (b[0] - a[0]) * (c[0] - a[0]) + (b[1] - a[1]) * (c[1] - a[1])
    two = (y[0] - x[0]) * (z[0] - x[0]) + (y[1] - x[1]) * (z[1] - x[1])
    floor = tol * (length(b, c) ** 2 + length(y, z) ** 2)
    return abs(one) > floor and abs(two) > floor and (one > 0) == (two > 0)


def _aconst(pts: Sequence[Any], value: Fraction, tol: float) -> bool:
    d = _dirs(pts)
    return d is not None and angle_diff_zero(d[1] - d[0] - float(value) * math.pi, tol)


def _rconst(pts: Sequence[Any], value: Fraction, tol: float) -> bool:
    n = _lengths(pts)
    return n is not None and _close(n[0], float(value) * n[1], tol)


CHECKS: dict[str, Callable[[Sequence[Any], float], bool]] = {
    "coll": _coll,
    "cong": _cong,
    "contri": _contri,
    "contri2": _contri2,
    "cyclic": _cyclic,
    "circle": _circle,
    "diff": _diff,
    "eqangle": _eqangle,
    "eqratio": _eqratio,
    "eqratio3": _eqratio3,
    "midp": _midp,
    "ncoll": _ncoll,
    "npara": _npara,
    "nperp": _nperp,
    "para": _para,
    "perp": _perp,
    "sameside": _sameside,
    "simtri": _simtri,
    "simtri2": _simtri2,
}

VALUE_CHECKS: dict[str, Callable[[Sequence[Any], Fraction, float], bool]] = {
    "aconst": _aconst,
    "rconst": _rconst,
}


def holds(statement: Statement, points: Points, tol: float = TOL) -> bool:
    """Whether the statement is numerically true for these coordinates.

    KeyError if a point is missing from `points`.
    """
    check = CHECKS.get(statement.predicate)
    if check is not None:
        return check([points[a] for a in statement.args], tol)
    *names, value = statement.args
    return VALUE_CHECKS[statement.predicate]([points[a] for a in names], Fraction(value), tol)
