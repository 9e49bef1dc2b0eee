"""Exceptions of the generate package; a CLI prints any of them as one line and exits 2.

GenerateError
├── ConfigMismatch   --out holds a run made with other settings (or is not a run directory)
└── RunInterrupted   the run stopped before it had --n records (Ctrl-C, a worker crash)
"""


class GenerateError(Exception):
    pass


class ConfigMismatch(GenerateError):
    pass


class RunInterrupted(GenerateError):
    pass
