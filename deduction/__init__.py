"""The geometry deduction engine: AlphaGeometry's language, DD+AR to a fixpoint, proof DAG."""

from deduction.constructions import CONSTRUCTIONS, make_statement
from deduction.errors import ConstructionError, DeductionError, DegenerateError, ParseError
from deduction.numeric import holds, realise
from deduction.problem import (
    DEFAULT_PROBLEMS,
    load_problems,
    parse_problem,
    parse_problems,
    premise_statements,
)
from deduction.types import (
    Clause,
    ConstructionCall,
    ConstructionDef,
    Problem,
    ProblemLoadError,
    ProofStep,
    Realisation,
    Statement,
    Theorem,
)

__all__ = [
    "CONSTRUCTIONS",
    "Clause",
    "ConstructionCall",
    "ConstructionDef",
    "ConstructionError",
    "DEFAULT_PROBLEMS",
    "DeductionError",
    "DegenerateError",
    "ParseError",
    "Problem",
    "ProblemLoadError",
    "ProofStep",
    "Realisation",
    "Statement",
    "Theorem",
    "holds",
    "load_problems",
    "make_statement",
    "parse_problem",
    "parse_problems",
    "premise_statements",
    "realise",
]
