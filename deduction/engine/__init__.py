"""The DD+AR engine: fact base, generic rule matcher, fixpoint closure, per-problem solver."""

from deduction.engine.chasing import Chasing
from deduction.engine.closure import Closure, ClosureStats
from deduction.engine.factbase import FactBase
from deduction.engine.matcher import match
from deduction.engine.solver import Engine, SolveResult, solve_problem

__all__ = [
    "Chasing",
    "Closure",
    "ClosureStats",
    "Engine",
    "FactBase",
    "SolveResult",
    "match",
    "solve_problem",
]
