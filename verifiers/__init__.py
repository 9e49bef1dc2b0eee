"""Binary rewards: math answer equivalence, code test cases, geometry proof checking."""

from verifiers.code import CallCase, CodeTests, StdioCase
from verifiers.code import verify as verify_code
from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.math import verify as verify_math
from verifiers.math import verify_many as verify_math_many
from verifiers.types import Status, Verdict

__all__ = [
    "CallCase",
    "CodeTests",
    "Status",
    "StdioCase",
    "Verdict",
    "VerifierConfigError",
    "VerifierError",
    "verify_code",
    "verify_math",
    "verify_math_many",
]
