"""Exceptions of the sandbox package.

    SandboxError
    ├── SandboxUnavailable   the backend cannot run here (no bwrap, no Docker daemon)
    └── SandboxConfigError   a request or backend setting the sandbox refuses

A program that crashes, loops or overflows a limit is not an exception: it is a RunResult status.
"""


class SandboxError(Exception):
    pass


class SandboxUnavailable(SandboxError):
    pass


class SandboxConfigError(SandboxError):
    pass
