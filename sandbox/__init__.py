"""Untrusted code execution behind one seam: `Runner.run(RunRequest) -> RunResult`."""

from sandbox.bwrap import BwrapRunner
from sandbox.docker import DockerRunner
from sandbox.errors import SandboxConfigError, SandboxError, SandboxUnavailable
from sandbox.languages import LANGUAGES, get_language
from sandbox.runner import default_runner
from sandbox.types import Limits, Runner, RunRequest, RunResult, RunStatus
from sandbox.zygote import ZygoteRunner

__all__ = [
    "BwrapRunner",
    "DockerRunner",
    "LANGUAGES",
    "Limits",
    "RunRequest",
    "RunResult",
    "RunStatus",
    "Runner",
    "SandboxConfigError",
    "SandboxError",
    "SandboxUnavailable",
    "ZygoteRunner",
    "default_runner",
    "get_language",
]
