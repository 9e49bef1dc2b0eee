"""The DD+AR engine: fact base, generic rule matcher, fixpoint closure, per-problem solver, and
the step-by-step re-check of a proof. `Engine` (see its docstring for the surface callers use)
and `solve_problem` are the package's API to the rest of the repository; the other names here
serve the engine's own modules and tests."""

from deduction.engine.chasing import Chasing
from deduction.engine.closure import Closure, ClosureStats
from deduction.engine.factbase import NUMERIC_PREDICATES, FactBase
from deduction.engine.implied import implied_facts
from deduction.engine.matcher import match
from deduction.engine.recheck import recheck
from deduction.engine.solver import Engine, Proposer, SolveResult, solve_problem

__all__ = [
    "Chasing",
    "Closure",
    "ClosureStats",
    "Engine",
    "FactBase",
    "NUMERIC_PREDICATES",
    "Proposer",
    "SolveResult",
    "implied_facts",
    "match",
    "recheck",
    "solve_problem",
]
