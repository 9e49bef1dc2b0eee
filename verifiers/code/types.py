"""Test specifications and judging outcomes of the code verifier.

A problem's tests are one `CodeTests`: either stdio cases (stdin -> expected stdout) or call cases
(arguments -> expected return value, or no expected value and a reference solution to compute it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from verifiers.errors import VerifierConfigError
from verifiers.types import Verdict


class TestKind(StrEnum):
    STDIO = "stdio"
    FUNCTION = "function"


class Failure(StrEnum):
    """Why a test failed; the attack corpus' statuses, minus `pass`."""

    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"


class _Missing:
    """`CallCase.expected` when the reference solution must compute it."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True, slots=True, eq=False)
class StdioCase:
    stdin: str
    stdout: str


@dataclass(frozen=True, slots=True, eq=False)
class CallCase:
    """One call `entry_point(*args)`. Values are plain Python data (see harness.encode)."""

    args: tuple
    expected: object = MISSING


@dataclass(frozen=True, slots=True, eq=False)
class CodeTests:
    """All tests of one problem.

    `atol`: absolute tolerance for floats (function: evalplus's per-task atol, 0 means exact but
    floats still get 1e-6 as evalplus does; stdio: per-token tolerance, 0 means exact text).
    `oracle`: name in `compare.ORACLES` (evalplus's special oracles); "equal" by default.
    `reference`: a correct solution; run once in the sandbox to fill MISSING expected values.
    `per_test_s`: wall limit of one call inside the batch run (function tests only).
    """

    kind: TestKind
    cases: tuple[Any, ...]  # all StdioCase or all CallCase, as `kind` says (checked)
    entry_point: str = ""
    reference: str | None = None
    atol: float = 0.0
    oracle: str = "equal"
    per_test_s: float = 4.0
    name: str = ""

    def __post_init__(self) -> None:
        """A malformed spec raises VerifierConfigError (a ValueError) naming what is wrong."""
        try:
            kind = TestKind(self.kind)
        except ValueError:
            kinds = ", ".join(repr(k.value) for k in TestKind)
            raise VerifierConfigError(f"kind={self.kind!r} must be one of {kinds}") from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "cases", tuple(self.cases))
        want = StdioCase if kind is TestKind.STDIO else CallCase
        what = f"tests {self.name!r}" if self.name else f"{kind.value} tests"
        bad = [c for c in self.cases if not isinstance(c, want)]
        if bad:
            got = type(bad[0]).__name__
            raise VerifierConfigError(f"{what} take {want.__name__} cases, got {got}")
        if not self.cases:
            raise VerifierConfigError(f"{what} have no cases: give at least one {want.__name__}")
        if kind is TestKind.FUNCTION:
            if not self.entry_point.isidentifier():
                raise VerifierConfigError(
                    f"{what}: entry_point={self.entry_point!r} is not an identifier"
                )
            if self.reference is None and any(c.expected is MISSING for c in self.cases):
                raise VerifierConfigError(
                    f"{what}: call cases without expected values need a reference solution"
                )
        if not (math.isfinite(self.atol) and self.atol >= 0):
            raise VerifierConfigError(f"{what}: atol={self.atol} must be a finite number >= 0")
        if not (math.isfinite(self.per_test_s) and self.per_test_s > 0):
            raise VerifierConfigError(
                f"{what}: per_test_s={self.per_test_s} must be a finite number > 0"
            )


@dataclass(frozen=True, slots=True, eq=False)
class CodeProblem:
    """A problem of a code data set: what to show the model and how to judge its program.

    `reference` is a complete correct program (for HumanEval: prompt + canonical body); a
    HumanEval-style completion is judged as `prompt + completion`.
    """

    task_id: str
    prompt: str
    tests: CodeTests
    reference: str | None = None
    entry_point: str = ""


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The judgement of one test case (None failure = passed)."""

    index: int
    failure: Failure | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CodeReport:
    """`verify`'s verdict plus what the verdict was made of; `failure` is None when CORRECT."""

    verdict: Verdict
    failure: Failure | None
    cases: tuple[CaseResult, ...] = field(default_factory=tuple)
    runs: int = 0  # sandbox runs made, retries included
    stdout: str = ""  # of the last run (bounded by the run's limits), for inspection
    stderr: str = ""
    max_run_wall_s: float = 0.0  # the longest single sandbox run, as the runner measured it
