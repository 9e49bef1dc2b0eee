"""Errors of the algebra sub-package, part of the package's one tree (`deduction.errors`).

    DeductionError
    └── InconsistentError   the equations added contradict each other (e.g. 0 = 1/2 mod 1)

Caller mistakes (a constant that is not rational, an unknown variable in a fact) raise ValueError
or TypeError naming the value, as everywhere in the house.
"""

from __future__ import annotations

from collections.abc import Hashable

from deduction.errors import DeductionError


class InconsistentError(DeductionError):
    """The added equation contradicts earlier ones; `why` holds a minimal contradicting tag set."""

    def __init__(self, message: str, why: frozenset[Hashable] = frozenset()) -> None:
        super().__init__(message)
        self.why = why
