"""Untrusted code execution behind one seam: `Runner.run(RunRequest) -> RunResult`."""

from sandbox.errors import SandboxConfigError, SandboxError, SandboxUnavailable
from sandbox.types import Limits, Runner, RunRequest, RunResult, RunStatus

__all__ = [
    "Limits",
    "RunRequest",
    "RunResult",
    "RunStatus",
    "Runner",
    "SandboxConfigError",
    "SandboxError",
    "SandboxUnavailable",
]
