"""Exceptions of the generate package; a CLI prints any of them as one line.

GenerateError                 a run failed (exit status 1)
├── UsageError                a bad flag or setting (exit status 2)
│   └── ConfigMismatch        --out holds another run, is not a run directory, or is in use
├── SamplerError              a policy sampler cannot answer (a server down, no vLLM)
├── VerifierUnavailable       the verifier or its sandbox cannot judge on this machine
└── RunInterrupted            the run stopped early: Ctrl-C, a worker died (exit status 130)
"""


class GenerateError(Exception):
    pass


class UsageError(GenerateError):
    pass


class ConfigMismatch(UsageError):
    pass


class RunInterrupted(GenerateError):
    pass


class SamplerError(GenerateError):
    pass


class VerifierUnavailable(GenerateError):
    pass
