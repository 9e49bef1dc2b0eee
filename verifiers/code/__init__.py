"""The code verifier: untrusted programs judged on stdio or function-call tests in the sandbox."""

from verifiers.code.compare import ORACLES, stdio_matches, values_equal
from verifiers.code.judge import judge, verify
from verifiers.code.types import (
    MISSING,
    CallCase,
    CaseResult,
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
    "CodeReport",
    "CodeTests",
    "Failure",
    "StdioCase",
    "TestKind",
    "judge",
    "stdio_matches",
    "values_equal",
    "verify",
]
