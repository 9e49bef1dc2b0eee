"""The code verifier: untrusted programs judged on stdio or function-call tests in the sandbox.

    >>> from verifiers.code import CallCase, CodeTests, StdioCase, verify
    >>> tests = CodeTests("stdio", [StdioCase("1 2\\n", "3\\n")])
    >>> verify("a, b = map(int, input().split())\\nprint(a + b)", tests).reward
    1
    >>> calls = CodeTests("function", [CallCase((1, 2)), CallCase((5, 5))], entry_point="add",
    ...                   reference="def add(a, b):\\n    return a + b")
    >>> verify("def add(a, b):\\n    return a * b", calls).status
    <Status.WRONG: 'wrong'>

`verify` returns a `Verdict`; `judge` returns a `CodeReport` with the failure kind and per-test
results. Data sets: `loaders` (HumanEval, HumanEval+, MBPP+, APPS).
Policies (what passes, timeouts, retries, errors) are stated in `judge`; the in-sandbox protocol
and why a cheat cannot forge a pass in `harness`; equality rules in `compare`; how a crashed
run's stderr becomes its reason ("SyntaxError: ... (main.py, line 1)") in `diagnose`.
"""

from verifiers.code.compare import ORACLES, stdio_matches, values_equal
from verifiers.code.judge import judge, verify
from verifiers.code.loaders import load_apps, load_evalplus, load_humaneval
from verifiers.code.types import (
    MISSING,
    CallCase,
    CaseResult,
    CodeProblem,
    CodeReport,
    CodeTests,
    Failure,
    StdioCase,
    TestKind,
)

__all__ = [
    "MISSING",
    "ORACLES",
    "CallCase",
    "CaseResult",
    "CodeProblem",
    "CodeReport",
    "CodeTests",
    "Failure",
    "StdioCase",
    "TestKind",
    "judge",
    "load_apps",
    "load_evalplus",
    "load_humaneval",
    "stdio_matches",
    "values_equal",
    "verify",
]
