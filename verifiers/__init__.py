"""Binary rewards: math answer equivalence, code test cases, geometry proof checking."""

from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.types import Status, Verdict

__all__ = ["Status", "Verdict", "VerifierConfigError", "VerifierError"]
