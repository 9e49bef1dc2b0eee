"""The geometry deduction engine: AlphaGeometry's language, DD+AR to a fixpoint, proof DAG."""

from deduction.aux_candidates import Candidate, candidates
from deduction.constructions import CONSTRUCTIONS, instantiate, make_statement
from deduction.engine import Engine, FactBase, SolveResult, solve_problem
from deduction.errors import ConstructionError, DeductionError, DegenerateError, ParseError
from deduction.numeric import holds, realise
from deduction.problem import (
    DEFAULT_PROBLEMS,
    clause_statements,
    load_problems,
    parse_problem,
    parse_problems,
    premise_statements,
)
from deduction.proof import Proof, proof_graph, proof_text, recheck, traceback
from deduction.rules import Rule, load_rules
from deduction.types import (
    Clause,
    ConstructionCall,
    ConstructionDef,
    Problem,
    ProblemLoadError,
    ProofStep,
    Realisation,
    Statement,
    Template,
    Theorem,
)

__all__ = [
    "CONSTRUCTIONS",
    "Candidate",
    "Clause",
    "ConstructionCall",
    "ConstructionDef",
    "ConstructionError",
    "DEFAULT_PROBLEMS",
    "DeductionError",
    "DegenerateError",
    "Engine",
    "FactBase",
    "ParseError",
    "Problem",
    "ProblemLoadError",
    "Proof",
    "ProofStep",
    "Realisation",
    "Rule",
    "SolveResult",
    "Statement",
    "Template",
    "Theorem",
    "candidates",
    "clause_statements",
    "holds",
    "instantiate",
    "load_problems",
    "load_rules",
    "make_statement",
    "parse_problem",
    "parse_problems",
    "premise_statements",
    "proof_graph",
    "proof_text",
    "realise",
    "recheck",
    "solve_problem",
    "traceback",
]
