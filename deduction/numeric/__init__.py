"""Numeric geometry: realise a problem's points as coordinates and check statements on them.

realise(problem, seed) -> Realisation      coordinates for every point (DegenerateError)
configurations(problem, seed) -> Configurations   figures over every discrete choice (branch)
extend(points, clause, seed) -> points     one more (auxiliary) clause on a fixed figure
holds(statement, points, tol=TOL) -> bool  numeric truth of any predicate
checker(points) / Figure(points)           the same as a callable, cached for one figure
SHAPE_SKETCHES                             sketches that give a shape (line, circle) to meet
direction(p, q), length(p, q)              line direction mod pi, segment length
"""

from deduction.numeric.configurations import Choice, Configurations, configurations
from deduction.numeric.figure import Figure
from deduction.numeric.predicates import (
    EPS_POINT,
    TOL,
    Points,
    angle_diff_zero,
    direction,
    holds,
    length,
)
from deduction.numeric.realise import MAX_SPREAD, MIN_SEPARATION, extend, realise
from deduction.numeric.sketches import SHAPE_SKETCHES
from deduction.types import Realisation


def checker(points: Points, tol: float = TOL) -> Figure:
    """A callable `statement -> bool` for one figure: `holds`, cached (see `Figure`)."""
    return Figure(points, tol)


__all__ = [
    "Choice",
    "Configurations",
    "EPS_POINT",
    "Figure",
    "MAX_SPREAD",
    "MIN_SEPARATION",
    "Realisation",
    "SHAPE_SKETCHES",
    "TOL",
    "angle_diff_zero",
    "checker",
    "configurations",
    "direction",
    "extend",
    "holds",
    "length",
    "realise",
]
