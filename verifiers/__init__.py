"""Binary rewards: math answer equivalence, code test cases, geometry proof checking."""

from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.math import verify as verify_math
from verifiers.math import verify_many as verify_math_many
from verifiers.types import Status, Verdict

__all__ = [
    "Status",
    "Verdict",
    "VerifierConfigError",
    "VerifierError",
    "verify_math",
    "verify_math_many",
]
