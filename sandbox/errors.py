"""Exceptions of the sandbox package.

    SandboxError
    ├── SandboxUnavailable   the backend cannot run here (no bwrap, no Docker daemon)
    └── SandboxConfigError   a request or backend setting the sandbox refuses
        └── InvalidRequest   a RunRequest or Limits that breaks a rule (a file name, a size, a
                             limit), raised by its constructor with a one-line reason; also a
                             ValueError

A program that crashes, loops or overflows a limit is not an exception: it is a RunResult status.
"""


class SandboxError(Exception):
    pass


class SandboxUnavailable(SandboxError):
    pass


class SandboxConfigError(SandboxError):
    pass


class InvalidRequest(SandboxConfigError, ValueError):
    # a ValueError too: a caller mistake is one (the house's rule, as VerifierConfigError), and
    # pydantic turns a ValueError raised while validating into its own error for the service
    pass
