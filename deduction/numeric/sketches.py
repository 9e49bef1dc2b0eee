"""Numeric recipes for the sketch names of defs.txt (the fifth line of each block).

Two registries:

- `SHAPE_SKETCHES`: a sketch that places one new point on a shape (`line a b`, `circle o o a`,
  `bisect a b c`, ...). A clause intersects the shapes of its constructions; a lone shape is
  sampled.
- `POINT_SKETCHES`: a sketch that returns the new points themselves, in the order of the
  construction's introduced points (`square a b`, `incenter2 a b c`, ...), including the free
  figures of numeric/figures.py (`triangle`, `quadrangle`, ...).

The recipes follow AlphaGeometry's numericals, rewritten in plain floats; sketches that its
code lacks (`aline2`, `cc_tangent0`, `2l1c` solved in closed form) are derived here and their
defining statements are checked by the tests like every other one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from random import Random
from typing import Any

from deduction.numeric.branches import branch
from deduction.numeric.figures import FIGURES
from deduction.numeric.geometry import (
    Circle,
    Point,
    Ray,
    Shape,
    add,
    angle_of,
    circle_through,
    dist,
    foot,
    intersect,
    line_dir,
    line_through,
    midpoint,
    parallel_through,
    perpendicular_through,
    rotate,
    scale,
    sub,
    unit,
)

# Points as (x, y) tuples; s_angle also takes its degrees as a float.
Args = Sequence[Any]


class SketchFailed(ValueError):
    """The objects of a sketch do not exist for these points (tangents from inside, ...)."""


def _only(points: list[Point], what: str) -> list[Point]:
    if not points:
        raise SketchFailed(what)
    return points


def _bisector(a: Point, b: Point, c: Point) -> Point:
    """Unit direction of the internal bisector of angle a-b-c at b."""
    u, v = unit(sub(a, b)), unit(sub(c, b))
    s = (u[0] + v[0], u[1] + v[1])
    if math.hypot(*s) < 1e-9:  # a straight angle: the bisector is the perpendicular
        return (-u[1], u[0])
    return unit(s)


def _inscribed_circle(a: Point, b: Point, theta: float) -> Circle:
    """The circle of points x with directed angle (line xa -> line xb) = theta (mod pi)."""
    s = math.sin(theta)
    if abs(s) < 1e-9:
        raise SketchFailed("a zero inscribed angle gives the line ab, not a circle")
    m = midpoint(a, b)
    half = dist(a, b) / 2.0
    n = unit(rotate(sub(b, a), math.pi / 2))
    c = add(m, scale(n, half * math.cos(theta) / s))
    return Circle(c[0], c[1], half / abs(s))


# --- sketches that give a shape the new point lies on ---


def _aline(args: Args) -> list[Shape]:
    # aline e d c b a: the ray from a with angle (ab -> ax) matching (de -> dc), reversed.
    e, d, c, b, a = args
    angle = angle_of(sub(b, a)) + angle_of(sub(c, d)) - angle_of(sub(e, d))
    return [Ray(a[0], a[1], math.cos(angle), math.sin(angle))]


def _aline2(args: Args) -> list[Shape]:
    # aline2 e d c b a: x with angle (xa -> xb) equal to angle (dc -> de).
    e, d, c, b, a = args
    return [_inscribed_circle(a, b, angle_of(sub(e, d)) - angle_of(sub(c, d)))]


def _eqangle3(args: Args) -> list[Shape]:
    # eqangle3 a b d e f: x with angle (xa -> xb) equal to angle (de -> df).
    a, b, d, e, f = args
    return [_inscribed_circle(a, b, angle_of(sub(f, d)) - angle_of(sub(e, d)))]


def _amirror(args: Args) -> list[Shape]:
    a, b, c = args
    angle = 2.0 * angle_of(sub(c, b)) - angle_of(sub(a, b))
    return [Ray(b[0], b[1], math.cos(angle), math.sin(angle))]


def _bisect(args: Args) -> list[Shape]:
    a, b, c = args
    return [line_dir(b, _bisector(a, b, c))]


def _exbisect(args: Args) -> list[Shape]:
    a, b, c = args
    d = _bisector(a, b, c)
    return [line_dir(b, (-d[1], d[0]))]


def _bline(args: Args) -> list[Shape]:
    a, b = args
    return [perpendicular_through(midpoint(a, b), a, b)]


def _circle(args: Args) -> list[Shape]:
    o, b, c = args
    return [Circle(o[0], o[1], dist(b, c))]


def _cyclic(args: Args) -> list[Shape]:
    a, b, c = args
    try:
        return [circle_through(a, b, c)]
    except ZeroDivisionError as exc:
        raise SketchFailed("collinear points have no circumcircle") from exc


def _dia(args: Args) -> list[Shape]:
    a, b = args
    m = midpoint(a, b)
    return [Circle(m[0], m[1], dist(a, b) / 2.0)]


def _line(args: Args) -> list[Shape]:
    a, b = args
    return [line_through(a, b)]


def _on_opline(args: Args) -> list[Shape]:
    a, b = args
    return [Ray(a[0], a[1], *unit(sub(a, b)))]


def _pline(args: Args) -> list[Shape]:
    a, b, c = args
    return [parallel_through(a, b, c)]


def _tline(args: Args) -> list[Shape]:
    a, b, c = args
    return [perpendicular_through(a, b, c)]


def _s_angle(args: Args) -> list[Shape]:
    a, b, degrees = args
    d = rotate(unit(sub(a, b)), math.radians(degrees))
    return [Ray(b[0], b[1], d[0], d[1])]


SHAPE_SKETCHES: dict[str, Callable[[Args], list[Shape]]] = {
    "aline": _aline,
    "aline2": _aline2,
    "amirror": _amirror,
    "bisect": _bisect,
    "bline": _bline,
    "circle": _circle,
    "cyclic": _cyclic,
    "dia": _dia,
    "eqangle3": _eqangle3,
    "exbisect": _exbisect,
    "line": _line,
    "on_opline": _on_opline,
    "pline": _pline,
    "s_angle": _s_angle,
    "tline": _tline,
}


# --- sketches that give the new points directly ---


def _midp(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b = args
    return (midpoint(a, b),)


def _pmirror(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b = args
    return (sub(scale(b, 2.0), a),)


def _reflect(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    m = foot(a, line_through(b, c))
    return (sub(scale(m, 2.0), a),)


def _rotaten90(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b = args
    return (add(a, rotate(sub(b, a), -math.pi / 2)),)


def _rotatep90(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b = args
    return (add(a, rotate(sub(b, a), math.pi / 2)),)


def _shift(args: Args, rng: Random) -> tuple[Point, ...]:
    d, c, b = args  # shift d c b: x = b + (c - d)
    return (add(b, sub(c, d)),)


def _square(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b = args
    x = add(b, rotate(sub(a, b), -math.pi / 2))
    y = add(a, rotate(sub(b, a), math.pi / 2))
    return (x, y)


def _trisegment(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b = args
    v = sub(b, a)
    return (add(a, scale(v, 1 / 3)), add(a, scale(v, 2 / 3)))


def _line_meet(l1: Shape, l2: Shape, what: str) -> Point:
    return _only(intersect(l1, l2), what)[0]


def _incenter_feet(i: Point, a: Point, b: Point, c: Point) -> tuple[Point, ...]:
    return (foot(i, line_through(b, c)), foot(i, line_through(c, a)), foot(i, line_through(a, b)))


def _incenter2(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    i = _line_meet(_bisect([b, a, c])[0], _bisect([a, b, c])[0], "bisectors meet")
    return _incenter_feet(i, a, b, c) + (i,)


def _excenter2(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    i = _line_meet(_bisect([b, a, c])[0], _exbisect([a, b, c])[0], "bisectors meet")
    return _incenter_feet(i, a, b, c) + (i,)


def _centroid(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    x, y, z = midpoint(b, c), midpoint(c, a), midpoint(a, b)
    i = _line_meet(line_through(a, x), line_through(b, y), "medians meet")
    return (x, y, z, i)


def _ninepoints(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    x, y, z = midpoint(b, c), midpoint(c, a), midpoint(a, b)
    circle = _cyclic([x, y, z])[0]
    return (x, y, z, (circle[0], circle[1]))


def _tangent(args: Args, rng: Random) -> tuple[Point, ...]:
    a, o, b = args
    points = intersect(Circle(o[0], o[1], dist(o, b)), _dia([a, o])[0])
    if len(points) != 2:
        raise SketchFailed("no tangent from a point inside the circle")
    # Which tangent point is x: intersect's order, unless a Brancher forces the other.
    x, y = points if branch(rng, 0, 2, (0, 1)) == 0 else points[::-1]
    return (x, y)


def _cc_tangent(args: Args, rng: Random) -> tuple[Point, ...]:
    """The two common external tangents of circles (o, |oa|) and (w, |wb|): x-y and z-i."""
    o, a, w, b = args
    ra, rb = dist(o, a), dist(w, b)
    if abs(ra - rb) < 1e-9 * (ra + rb):
        n = unit(rotate(sub(w, o), math.pi / 2))
        x, z = add(o, scale(n, ra)), add(o, scale(n, -ra))
        if branch(rng, 0, 2, (0, 1)) == 1:  # which tangent is x-y (see numeric/branches.py)
            x, z = z, x
        shift = sub(w, o)
        return (x, add(x, shift), z, add(z, shift))
    # Tangents from the external centre of similitude q touch both circles.
    q = add(o, scale(sub(w, o), ra / (ra - rb)))
    touch = intersect(Circle(o[0], o[1], ra), _dia([o, q])[0])
    if len(touch) != 2:
        raise SketchFailed("one circle inside the other has no common external tangent")
    x, z = touch if branch(rng, 0, 2, (0, 1)) == 0 else touch[::-1]
    return (x, foot(w, line_through(x, q)), z, foot(w, line_through(z, q)))


def _cc_tangent0(args: Args, rng: Random) -> tuple[Point, ...]:
    return _cc_tangent(args, rng)[:2]


def _2l1c(args: Args, rng: Random) -> tuple[Point, ...]:
    """A circle (centre i) touching lines ca (at x), cb (at y) and circle (o, |oa|) (at z).

    i = c + t*u on the bisector of angle a-c-b, radius t*s (s = sin of the half angle); inner
    tangency |oi| = R - t*s gives t^2 (1 - s^2) + 2t (u.(c-o) + R s) + |c-o|^2 - R^2 = 0.
    """
    a, b, c, o = args
    u = _bisector(a, c, b)
    s = abs(math.sin(angle_of(sub(a, c)) - angle_of(u)))
    radius = dist(o, a)
    co = sub(c, o)
    qa, qb = 1.0 - s * s, 2.0 * (u[0] * co[0] + u[1] * co[1] + radius * s)
    qc = co[0] ** 2 + co[1] ** 2 - radius * radius
    disc = qb * qb - 4.0 * qa * qc
    if qa < 1e-12 or disc < 0.0:
        raise SketchFailed("no circle touches both lines and the circle")
    roots = [(-qb + math.sqrt(disc)) / (2 * qa), (-qb - math.sqrt(disc)) / (2 * qa)]
    viable = [k for k, t in enumerate(roots) if t > 1e-9 and t * s < radius]
    if not viable:
        raise SketchFailed("no circle inside the angle touches the circle")
    i = add(c, scale(u, roots[branch(rng, rng.choice(viable), 2, viable)]))
    z = add(o, scale(unit(sub(i, o)), radius))
    return (foot(i, line_through(a, c)), foot(i, line_through(b, c)), z, i)


def _e5128(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c, d = args
    g = midpoint(a, b)
    e, f = _only(intersect(line_through(d, g), _circle([c, c, b])[0]), "line misses circle")
    if dist(e, d) < dist(f, d):
        e = f
    return (e, g)


def _3peq(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    z = add(b, scale(sub(c, b), rng.uniform(-0.5, 1.5)))
    far = sub(scale(z, 2.0), c)
    x = _line_meet(parallel_through(far, c, a), line_through(a, b), "parallel to ca")
    return (x, sub(scale(z, 2.0), x), z)


def _trisect(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    start = angle_of(sub(a, b))
    turn = math.remainder(angle_of(sub(c, b)) - start, 2 * math.pi)
    ac = line_through(a, c)
    out = []
    for k in (1, 2):
        angle = start + turn * k / 3
        out.append(_line_meet(line_dir(b, (math.cos(angle), math.sin(angle))), ac, "trisector"))
    return tuple(out)


def _eqangle2(args: Args, rng: Random) -> tuple[Point, ...]:
    a, b, c = args
    ba, bc = dist(b, a), dist(b, c)
    length = ba * ba / bc
    if branch(rng, 0 if rng.random() < 0.5 else 1, 2, (0, 1)) == 0:  # inside the segment bc
        be = min(length, bc)
        be = rng.uniform(be * 0.1, be * 0.9)
    else:
        be = max(length, bc)
        be = rng.uniform(be * 1.1, be * 1.5)
    e = add(b, scale(sub(c, b), be / bc))
    y = add(b, scale(sub(a, b), be / length))
    return (_line_meet(line_through(c, y), line_through(a, e), "eqangle2"),)


POINT_SKETCHES: dict[str, Callable[[Args, Random], tuple[Point, ...]]] = {
    **FIGURES,
    "2l1c": _2l1c,
    "3peq": _3peq,
    "cc_tangent": _cc_tangent,
    "cc_tangent0": _cc_tangent0,
    "centroid": _centroid,
    "e5128": _e5128,
    "eqangle2": _eqangle2,
    "excenter2": _excenter2,
    "incenter2": _incenter2,
    "midp": _midp,
    "ninepoints": _ninepoints,
    "pmirror": _pmirror,
    "reflect": _reflect,
    "rotaten90": _rotaten90,
    "rotatep90": _rotatep90,
    "shift": _shift,
    "square": _square,
    "tangent": _tangent,
    "trisect": _trisect,
    "trisegment": _trisegment,
}
