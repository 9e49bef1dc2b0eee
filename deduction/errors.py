"""Exceptions of the deduction package.

DeductionError
├── ParseError          malformed problem/definition/rule text (names the problem and token)
├── ConstructionError   an unknown construction, wrong arity, or undefined point
├── DegenerateError     numeric realisation failed after its bounded retries
└── UsageError          a command-line mistake of `python -m deduction.solve` (one line, exit 2)
"""


class DeductionError(Exception):
    pass


class ParseError(DeductionError):
    pass


class ConstructionError(DeductionError):
    pass


class DegenerateError(DeductionError):
    pass


class UsageError(DeductionError):
    pass
