"""The geometry deduction engine: AlphaGeometry's language, DD+AR to a fixpoint, proof DAG.

`__all__` is the package's API; callers outside `deduction` (the generator, the benchmarks)
import only these names from `deduction` itself, never a submodule. The pieces:

- the language: `parse_problem`, `Problem`, `Clause`, `Statement`, `CONSTRUCTIONS`, ...;
- the figure: `realise` (coordinates), `extend` (one more clause on a fixed figure), `holds` and
  `checker` (numeric truth), `SHAPE_SKETCHES`, `configurations` (figures over every discrete
  choice a problem leaves open: which intersection, which side, mirrored or not);
- proving: `Engine` (one premise set closed under DD+AR; its docstring lists the methods callers
  use: `close`, `fixpoint`, `holds`, `holds_on_figure`, `derived`, `implied`, `proof`,
  `recheck`) and `solve_problem` (one problem, with the auxiliary-point search);
- proofs: `Proof`, `traceback`, `proof_text`, `proof_graph`, and `recheck` (a proof re-checked
  step by step on given coordinates, as a reader of the data would).
"""

from deduction.aux_candidates import Candidate, candidates
from deduction.constructions import CONSTRUCTIONS, instantiate, make_statement
from deduction.engine import Engine, Proposer, SolveResult, recheck, solve_problem
from deduction.errors import (
    ConstructionError,
    DeductionError,
    DegenerateError,
    ParseError,
    UsageError,
)
from deduction.numeric import (
    SHAPE_SKETCHES,
    Choice,
    Configurations,
    checker,
    configurations,
    extend,
    holds,
    realise,
)
from deduction.problem import (
    DEFAULT_PROBLEMS,
    clause_statements,
    load_problems,
    parse_problem,
    parse_problems,
    premise_statements,
    with_clauses,
)
from deduction.proof import Proof, proof_graph, proof_text, traceback
from deduction.rules import RULE_SETS, Rule, load_rules
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
    "Choice",
    "Clause",
    "Configurations",
    "ConstructionCall",
    "ConstructionDef",
    "ConstructionError",
    "DEFAULT_PROBLEMS",
    "DeductionError",
    "DegenerateError",
    "Engine",
    "ParseError",
    "Problem",
    "ProblemLoadError",
    "Proof",
    "ProofStep",
    "Proposer",
    "Realisation",
    "RULE_SETS",
    "Rule",
    "SHAPE_SKETCHES",
    "SolveResult",
    "Statement",
    "Template",
    "Theorem",
    "UsageError",
    "candidates",
    "checker",
    "clause_statements",
    "configurations",
    "extend",
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
    "with_clauses",
]
