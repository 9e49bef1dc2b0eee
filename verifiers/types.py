"""The verdict every verifier returns, for math, code and geometry alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
