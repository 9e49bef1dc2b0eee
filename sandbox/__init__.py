"""Untrusted code execution behind one seam: `Runner.run(RunRequest) -> RunResult`.

Backends (all return the same statuses; an infrastructure failure is SANDBOX_ERROR, never a
program error):

- `BwrapRunner`: one fresh bubblewrap sandbox per run, started as an unprivileged slot uid
  (`sandbox.slots`), every namespace unshared, read-only minimal root, tmpfs scratch, rlimits,
  seccomp; Python, C, C++, JavaScript (`LANGUAGES`).
- `ZygoteRunner`: the fast path for Python: pre-forked, already-isolated workers (`sandbox.zygote`
  states exactly what is and is not shared between runs); other languages go to a `BwrapRunner`.
- `DockerRunner`: one container per run, for hosts with a Docker daemon.
- `HttpRunner`: a remote sandbox verification service's `POST /run` (`python -m service`).

`preload_module(name, source)` has every zygote started from then on import a module once, before
its first run (the code verifier's harness).

`default_runner()` is the shared runner the rest of the project uses: the zygote fast path when it
starts here, else per-run bubblewrap.
"""

from sandbox.bwrap import BwrapRunner
from sandbox.client import HttpRunner
from sandbox.docker import DockerRunner
from sandbox.errors import InvalidRequest, SandboxConfigError, SandboxError, SandboxUnavailable
from sandbox.languages import LANGUAGES, get_language
from sandbox.runner import default_runner
from sandbox.types import Limits, Runner, RunRequest, RunResult, RunStatus
from sandbox.zygote import ZygoteRunner, preload_module

__all__ = [
    "BwrapRunner",
    "DockerRunner",
    "HttpRunner",
    "InvalidRequest",
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
    "preload_module",
]
