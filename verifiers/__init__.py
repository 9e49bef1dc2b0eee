"""Binary rewards: math answer equivalence, code test cases, geometry proof checking.

Exports are lazy: `import verifiers.math` must not pay for the code verifier and the sandbox
(~0.3-0.9 s) or the geometry verifier and `deduction` (~0.6 s), because the math verifier's
sympy worker processes import it on every restart.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.types import DOMAINS, Problem, Sample, Status, Verdict

if TYPE_CHECKING:
    from verifiers.code import CallCase, CodeTests, StdioCase
    from verifiers.code import verify as verify_code
    from verifiers.geometry import GeometryTask
    from verifiers.geometry import verify as verify_geometry
    from verifiers.math import verify as verify_math
    from verifiers.math import verify_many as verify_math_many
    from verifiers.problems import verify_completion

_LAZY = {
    "CallCase": ("verifiers.code", "CallCase"),
    "CodeTests": ("verifiers.code", "CodeTests"),
    "StdioCase": ("verifiers.code", "StdioCase"),
    "verify_code": ("verifiers.code", "verify"),
    "GeometryTask": ("verifiers.geometry", "GeometryTask"),
    "verify_geometry": ("verifiers.geometry", "verify"),
    "verify_math": ("verifiers.math", "verify"),
    "verify_math_many": ("verifiers.math", "verify_many"),
    "verify_completion": ("verifiers.problems", "verify_completion"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'verifiers' has no attribute {name!r}")
    module, attr = _LAZY[name]
    return getattr(import_module(module), attr)


__all__ = [
    "CallCase",
    "CodeTests",
    "DOMAINS",
    "GeometryTask",
    "Problem",
    "Sample",
    "Status",
    "StdioCase",
    "Verdict",
    "VerifierConfigError",
    "VerifierError",
    "verify_code",
    "verify_completion",
    "verify_geometry",
    "verify_math",
    "verify_math_many",
]
