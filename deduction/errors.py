"""Exceptions of the deduction package.

DeductionError
├── ParseError          malformed problem/definition/rule text (names the problem and token)
├── ConstructionError   an unknown construction, wrong arity, or undefined point
└── DegenerateError     numeric realisation failed after its bounded retries
"""


class DeductionError(Exception):
    pass


class ParseError(DeductionError):
    pass


class ConstructionError(DeductionError):
    pass


class DegenerateError(DeductionError):
    pass
