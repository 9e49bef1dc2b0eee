"""Plain-float plane geometry: points, lines, rays, circles and their intersections.

Points are `(x, y)` tuples of floats. Everything here is scalar Python arithmetic: for 2-D work
it is several times faster than numpy on tiny arrays, and the generator realises millions of
configurations. Intersections return lists of candidate points (empty when the objects miss);
callers decide which candidate to keep.
"""

from __future__ import annotations

import math
from typing import NamedTuple

Point = tuple[float, float]

# Two directions whose unit cross product is below this are treated as parallel when solving
# for an intersection: the intersection would sit ~1/EPS_PARALLEL away, far outside the figure.
EPS_PARALLEL = 1e-9
# A circle and a line (or two circles) whose discriminant is below -EPS_TOUCH (relative to the
# radius squared) miss each other; between -EPS_TOUCH and 0 they touch in one point.
EPS_TOUCH = 1e-12


class Line(NamedTuple):
    """The line through (px, py) with unit direction (dx, dy)."""

    px: float
    py: float
    dx: float
    dy: float


class Ray(NamedTuple):
    """The half-line from (px, py) in unit direction (dx, dy), its start excluded."""

    px: float
    py: float
    dx: float
    dy: float


class Circle(NamedTuple):
    cx: float
    cy: float
    r: float


Shape = Line | Ray | Circle


def add(p: Point, q: Point) -> Point:
    return (p[0] + q[0], p[1] + q[1])


def sub(p: Point, q: Point) -> Point:
    return (p[0] - q[0], p[1] - q[1])


def scale(p: Point, k: float) -> Point:
    return (p[0] * k, p[1] * k)


def midpoint(p: Point, q: Point) -> Point:
    return ((p[0] + q[0]) * 0.5, (p[1] + q[1]) * 0.5)


def dist(p: Point, q: Point) -> float:
    return math.hypot(p[0] - q[0], p[1] - q[1])


def rotate(v: Point, angle: float) -> Point:
    """v turned counter-clockwise by `angle` radians."""
    c, s = math.cos(angle), math.sin(angle)
    return (v[0] * c - v[1] * s, v[0] * s + v[1] * c)


def unit(v: Point) -> Point:
    n = math.hypot(v[0], v[1])
    if n == 0.0:
        raise ZeroDivisionError("zero vector has no direction")
    return (v[0] / n, v[1] / n)


def angle_of(v: Point) -> float:
    return math.atan2(v[1], v[0])


def line_through(p: Point, q: Point) -> Line:
    d = unit(sub(q, p))
    return Line(p[0], p[1], d[0], d[1])


def line_dir(p: Point, d: Point) -> Line:
    d = unit(d)
    return Line(p[0], p[1], d[0], d[1])


def ray_through(p: Point, q: Point) -> Ray:
    d = unit(sub(q, p))
    return Ray(p[0], p[1], d[0], d[1])


def parallel_through(p: Point, a: Point, b: Point) -> Line:
    return line_dir(p, sub(b, a))


def perpendicular_through(p: Point, a: Point, b: Point) -> Line:
    d = sub(b, a)
    return line_dir(p, (-d[1], d[0]))


def circle_through(a: Point, b: Point, c: Point) -> Circle:
    """The circumcircle; raises ZeroDivisionError for collinear points."""
    bx, by = b[0] - a[0], b[1] - a[1]
    cx, cy = c[0] - a[0], c[1] - a[1]
    d = 2.0 * (bx * cy - by * cx)
    if abs(d) <= EPS_PARALLEL * (bx * bx + by * by + cx * cx + cy * cy):
        raise ZeroDivisionError("collinear points have no circumcircle")
    b2, c2 = bx * bx + by * by, cx * cx + cy * cy
    ux = (cy * b2 - by * c2) / d
    uy = (bx * c2 - cx * b2) / d
    return Circle(a[0] + ux, a[1] + uy, math.hypot(ux, uy))


def foot(p: Point, line: Line | Ray) -> Point:
    t = (p[0] - line.px) * line.dx + (p[1] - line.py) * line.dy
    return (line.px + t * line.dx, line.py + t * line.dy)


def _line_line(a: Line | Ray, b: Line | Ray) -> list[Point]:
    cross = a.dx * b.dy - a.dy * b.dx
    if abs(cross) < EPS_PARALLEL:
        return []
    t = ((b.px - a.px) * b.dy - (b.py - a.py) * b.dx) / cross
    return [(a.px + t * a.dx, a.py + t * a.dy)]


def _line_circle(a: Line | Ray, c: Circle) -> list[Point]:
    fx, fy = foot((c.cx, c.cy), a)
    h2 = c.r * c.r - ((fx - c.cx) ** 2 + (fy - c.cy) ** 2)
    if h2 < -EPS_TOUCH * c.r * c.r:
        return []
    h = math.sqrt(max(h2, 0.0))
    return [(fx + h * a.dx, fy + h * a.dy), (fx - h * a.dx, fy - h * a.dy)]


def _circle_circle(a: Circle, b: Circle) -> list[Point]:
    dx, dy = b.cx - a.cx, b.cy - a.cy
    d = math.hypot(dx, dy)
    if d < EPS_PARALLEL * (a.r + b.r):
        return []  # concentric: no or infinitely many common points
    along = (d * d + a.r * a.r - b.r * b.r) / (2.0 * d)
    h2 = a.r * a.r - along * along
    if h2 < -EPS_TOUCH * a.r * a.r:
        return []
    h = math.sqrt(max(h2, 0.0))
    ux, uy = dx / d, dy / d
    mx, my = a.cx + along * ux, a.cy + along * uy
    return [(mx - h * uy, my + h * ux), (mx + h * uy, my - h * ux)]


def on_ray(p: Point, ray: Ray) -> bool:
    # The start itself is excluded: a ray sketch always means "a new point along this ray".
    return (p[0] - ray.px) * ray.dx + (p[1] - ray.py) * ray.dy > EPS_PARALLEL


def intersect(a: Shape, b: Shape) -> list[Point]:
    """Common points of two shapes.

    A ray keeps only its half against a circle (choosing between the two crossings, as
    AlphaGeometry's HalfLine does) but meets a line or another ray as a full line: its defining
    statements are about lines (angles mod pi), and AlphaGeometry intersects it that way too.

    The order is a branch's name (numeric/branches.py), stable as the shapes move: a line (or
    ray) and a circle give first the crossing farther along the line's direction; two circles
    give first the point left of the line from a's centre to b's.
    """
    if isinstance(a, Circle):
        if isinstance(b, Circle):
            return _circle_circle(a, b)
        a, b = b, a
    assert not isinstance(a, Circle)
    if isinstance(b, Circle):
        out = _line_circle(a, b)
        return [p for p in out if on_ray(p, a)] if isinstance(a, Ray) else out
    return _line_line(a, b)


def contains(shape: Shape, p: Point, tol: float) -> bool:
    """Whether p lies on the shape, within `tol` (absolute distance)."""
    if isinstance(shape, Circle):
        return abs(math.hypot(p[0] - shape.cx, p[1] - shape.cy) - shape.r) <= tol
    f = foot(p, shape)
    if abs(f[0] - p[0]) + abs(f[1] - p[1]) > tol:
        return False
    return not isinstance(shape, Ray) or on_ray(p, shape)
