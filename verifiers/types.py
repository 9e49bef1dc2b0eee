"""The verdict every verifier returns, for math, code and geometry alike, and the problem and
sample it judges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """CORRECT and WRONG judge the answer; TIMEOUT and ERROR say the checker could not.

    A TIMEOUT or ERROR is never a silent 0 to the caller: ReST-EM drops such samples instead of
    learning from them (SandboxFusion keeps `Failed` apart from `SandboxError` for the same reason).
    """

    CORRECT = "correct"
    WRONG = "wrong"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str = ""
    elapsed_s: float = 0.0
    passed: int | None = None  # tests passed, for verifiers that run tests
    total: int | None = None
    first_failure: str | None = None  # a readable description of the first failing test

    @property
    def reward(self) -> int:
        return 1 if self.status is Status.CORRECT else 0

    @property
    def ok(self) -> bool:
        """True when the checker reached a judgement (CORRECT or WRONG)."""
        return self.status in (Status.CORRECT, Status.WRONG)

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "reward": self.reward,
            "reason": self.reason,
            "elapsed_s": self.elapsed_s,
            "passed": self.passed,
            "total": self.total,
            "first_failure": self.first_failure,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Verdict:
        return cls(
            status=Status(str(data["status"])),
            reason=str(data.get("reason", "")),
            elapsed_s=float(data.get("elapsed_s", 0.0)),  # type: ignore[arg-type]
            passed=data.get("passed"),  # type: ignore[arg-type]
            total=data.get("total"),  # type: ignore[arg-type]
            first_failure=data.get("first_failure"),  # type: ignore[arg-type]
        )


DOMAINS = ("math", "code", "geometry")


@dataclass(frozen=True, slots=True)
class Problem:
    """One verifiable problem: what a model is shown and what judges its answer.

    `domain` names the verifier. Math: `answer` is the reference the completion's final answer
    must equal. Code: `tests` is a `verifiers.code.CodeTests`, and `prefix` is prepended to the
    completion to make the program (a model that continues a function header writes only its
    body). Geometry: `tests` is a `verifiers.geometry.GeometryTask` (the problem in
    AlphaGeometry's language without its auxiliary clauses, the time limit, the rule set), and a
    completion is auxiliary clauses that DD+AR must prove the goal with. `meta` holds what a
    generator knows besides (a reference solution, a family, a difficulty); it takes no part in
    equality.
    """

    id: str
    domain: str
    prompt: str
    answer: str = ""
    tests: Any = None
    prefix: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ValueError(f"domain={self.domain!r} must be one of {', '.join(DOMAINS)}")
        if not self.id:
            raise ValueError("a problem needs an id")
        if self.domain == "math" and not self.answer:
            raise ValueError(f"math problem {self.id!r} has no reference answer")
        if self.domain == "code" and self.tests is None:
            raise ValueError(f"code problem {self.id!r} has no tests")
        if self.domain == "geometry":
            # imported here: `deduction` is not worth loading for math and code problems
            from verifiers.geometry import GeometryTask

            if not isinstance(self.tests, GeometryTask):
                raise ValueError(
                    f"geometry problem {self.id!r} needs a GeometryTask in tests, "
                    f"got {type(self.tests).__name__}"
                )


@dataclass(frozen=True, slots=True)
class Sample:
    """One completion a policy wrote for a problem."""

    problem_id: str
    completion: str
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
