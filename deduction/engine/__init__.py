"""The DD+AR engine: fact base, generic rule matcher, fixpoint closure, per-problem solver."""

from deduction.engine.chasing import Chasing
from deduction.engine.closure import Closure, ClosureStats
from deduction.engine.factbase import NUMERIC_PREDICATES, FactBase
from deduction.engine.implied import implied_facts
from deduction.engine.matcher import match
from deduction.engine.solver import Engine, SolveResult, solve_problem

__all__ = [
    "Chasing",
    "Closure",
    "ClosureStats",
    "Engine",
    "FactBase",
    "NUMERIC_PREDICATES",
    "SolveResult",
    "implied_facts",
    "match",
    "solve_problem",
]
