"""Numeric geometry: realise a problem's points as coordinates and check statements on them.

realise(problem, seed) -> Realisation      coordinates for every point (DegenerateError)
holds(statement, points, tol=TOL) -> bool  numeric truth of any predicate
checker(points) -> (Statement -> bool)     the same, memoised for one figure
direction(p, q), length(p, q)              line direction mod pi, segment length
"""

from deduction.numeric.predicates import (
    EPS_POINT,
    TOL,
    angle_diff_zero,
    checker,
    direction,
    holds,
    length,
)
from deduction.numeric.realise import MAX_SPREAD, MIN_SEPARATION, realise
from deduction.types import Realisation

__all__ = [
    "EPS_POINT",
    "MAX_SPREAD",
    "MIN_SEPARATION",
    "Realisation",
    "TOL",
    "angle_diff_zero",
    "checker",
    "direction",
    "holds",
    "length",
    "realise",
]
