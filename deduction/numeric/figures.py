"""Free figures: the sketches that draw new points from nothing (triangle, square, ...).

Each shape is drawn in a canonical frame with a few random proportions, then moved by a random
similarity (rotation, scale 0.5-2, shift in the unit box, reflection half the time) the way
AlphaGeometry's sketches do, so no figure has axis-aligned coincidences. `free` and `segment`
are uniform in [-1, 1]^2. The point order is the construction's argument order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from random import Random
from typing import Any

from deduction.numeric.branches import branch
from deduction.numeric.geometry import Circle, Point, add, angle_of, intersect, rotate, scale, sub

Args = Sequence[Any]


def _place(points: list[Point], rng: Random) -> tuple[Point, ...]:
    """A random similarity of a point cloud (rotate, scale, shift, maybe reflect)."""
    n = len(points)
    cx = sum(p[0] for p in points) / n
    cy = sum(p[1] for p in points) / n
    angle = rng.uniform(0.0, 2.0 * math.pi)
    k = rng.uniform(0.5, 2.0)
    shift = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0))
    flip = branch(rng, 1 if rng.random() < 0.5 else 0, 2, (0, 1)) == 1  # mirrored
    out = []
    for p in points:
        q = rotate((p[0] - cx, p[1] - cy), angle)
        q = (q[0] * k + shift[0], q[1] * k + shift[1])
        out.append((q[0], -q[1]) if flip else q)
    return tuple(out)


def _free(args: Args, rng: Random) -> tuple[Point, ...]:
    return ((rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)),)


def _segment(args: Args, rng: Random) -> tuple[Point, ...]:
    return _free(args, rng) + _free(args, rng)


def _triangle(args: Args, rng: Random) -> tuple[Point, ...]:
    angle = rng.uniform(0.2, 0.8) * math.pi
    c = scale((math.cos(angle), math.sin(angle)), rng.uniform(0.5, 2.0))
    return _place([(0.0, 0.0), (1.0, 0.0), c], rng)


def _isos(args: Args, rng: Random) -> tuple[Point, ...]:
    base, height = rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.5)
    return _place([(0.0, height), (-base / 2, 0.0), (base / 2, 0.0)], rng)


def _ieq_triangle(args: Args, rng: Random) -> tuple[Point, ...]:
    return _place([(0.0, 0.0), (1.0, 0.0), (0.5, math.sqrt(3.0) / 2.0)], rng)


def _r_triangle(args: Args, rng: Random) -> tuple[Point, ...]:
    return _place([(0.0, 0.0), (0.0, rng.uniform(0.5, 2.0)), (rng.uniform(0.5, 2.0), 0.0)], rng)


def _risos(args: Args, rng: Random) -> tuple[Point, ...]:
    return _place([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)], rng)


def _triangle12(args: Args, rng: Random) -> tuple[Point, ...]:
    b, c = (0.0, 0.0), (rng.uniform(1.5, 2.5), 0.0)
    a = intersect(Circle(0.0, 0.0, 1.0), Circle(c[0], 0.0, 2.0))[0]
    return _place([a, b, c], rng)


def _quadrangle(args: Args, rng: Random) -> tuple[Point, ...]:
    m = rng.uniform(0.3, 0.7)
    turn = rng.uniform(-0.25 * math.pi, 0.25 * math.pi)
    b = rotate((0.0, -rng.uniform(0.25, 0.75)), turn)
    d = rotate((0.0, rng.uniform(0.25, 0.75)), turn)
    return _place([(-m, 0.0), b, (1.0 - m, 0.0), d], rng)


def _eqdia_quadrangle(args: Args, rng: Random) -> tuple[Point, ...]:
    m, n = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    turn = rng.uniform(-0.25 * math.pi, 0.25 * math.pi)
    b, d = rotate((0.0, -n), turn), rotate((0.0, 1.0 - n), turn)
    return _place([(-m, 0.0), b, (1.0 - m, 0.0), d], rng)


def _eq_quadrangle(args: Args, rng: Random) -> tuple[Point, ...]:
    length = rng.uniform(0.5, 2.0)
    tilt = rng.uniform(math.pi / 3, 2 * math.pi / 3)
    d = scale((math.cos(tilt), math.sin(tilt)), length)
    turn = angle_of(sub(d, (1.0, 0.0)))
    turn = rng.uniform(turn / 10, turn / 9)
    c = add((1.0, 0.0), scale((math.cos(turn), math.sin(turn)), length))
    return _place([(0.0, 0.0), (1.0, 0.0), c, d], rng)


def _eq_trapezoid(args: Args, rng: Random) -> tuple[Point, ...]:
    top, height = rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0)
    c, d = (0.5 + top / 2, height), (0.5 - top / 2, height)
    return _place([(0.0, 0.0), (1.0, 0.0), c, d], rng)


def _trapezoid(args: Args, rng: Random) -> tuple[Point, ...]:
    base, height = rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0)
    a = (rng.uniform(0.2, 0.5), height)
    return _place([a, (a[0] + base, height), (1.0, 0.0), (0.0, 0.0)], rng)


def _r_trapezoid(args: Args, rng: Random) -> tuple[Point, ...]:
    b, c = (rng.uniform(0.5, 1.5), 1.0), (rng.uniform(0.5, 1.5), 0.0)
    return _place([(0.0, 1.0), b, c, (0.0, 0.0)], rng)


def _rectangle(args: Args, rng: Random) -> tuple[Point, ...]:
    w = rng.uniform(0.5, 2.0)
    return _place([(0.0, 0.0), (0.0, 1.0), (w, 1.0), (w, 0.0)], rng)


def _isquare(args: Args, rng: Random) -> tuple[Point, ...]:
    return _place([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)], rng)


def _pentagon(args: Args, rng: Random) -> tuple[Point, ...]:
    points, angle = [(1.0, 0.0)], 0.0
    for i in range(4):
        angle += (2 * math.pi - angle) / (5 - i) * rng.uniform(0.5, 1.5)
        points.append((math.cos(angle), math.sin(angle)))
    return _place(points, rng)


FIGURES: dict[str, Callable[[Args, Random], tuple[Point, ...]]] = {
    "eq_quadrangle": _eq_quadrangle,
    "eq_trapezoid": _eq_trapezoid,
    "eqdia_quadrangle": _eqdia_quadrangle,
    "free": _free,
    "ieq_triangle": _ieq_triangle,
    "isos": _isos,
    "isquare": _isquare,
    "pentagon": _pentagon,
    "quadrangle": _quadrangle,
    "r_trapezoid": _r_trapezoid,
    "r_triangle": _r_triangle,
    "rectangle": _rectangle,
    "risos": _risos,
    "segment": _segment,
    "trapezoid": _trapezoid,
    "triangle": _triangle,
    "triangle12": _triangle12,
}
