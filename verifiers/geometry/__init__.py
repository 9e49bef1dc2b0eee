"""Geometry proof checking: an auxiliary construction is paid when DD+AR proves the goal with it.

    GeometryTask(problem, timeout_s=20.0, rules="proofloom")   `clauses ? goal`, parsed once
    verify(completion, task, seed=0) -> Verdict                the reward of one completion
    split_clauses(completion) -> list[str]                     the clauses a completion holds

The reward of the ReST-EM loop's geometry domain: a policy proposes auxiliary points, and
`deduction` (DD+AR, its proof re-checked) decides whether they make the problem provable.
"""

from verifiers.geometry.types import RULE_SETS, GeometryTask
from verifiers.geometry.verifier import split_clauses, verify

__all__ = ["RULE_SETS", "GeometryTask", "split_clauses", "verify"]
