"""`GeometryTask`: a geometry problem whose reward is an auxiliary construction DD+AR can use."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from deduction import RULE_SETS as BUNDLED
from deduction import DeductionError, parse_problem
from deduction import Problem as Figure
from verifiers.errors import VerifierConfigError

# The bundled rule sets of `deduction.load_rules`, by name. A file path, which load_rules also
# takes, is refused: a task must mean the same everywhere.
RULE_SETS = tuple(BUNDLED)


@dataclass(frozen=True, slots=True)
class GeometryTask:
    """One problem in AlphaGeometry's language, `clauses ? goal`, stated without the auxiliary
    clauses a proof needs: those are what a completion supplies.

    `timeout_s` bounds the DD+AR closure of the problem with the completion's clauses (see
    `verifiers.geometry.verify` for how closely); `rules` names the rule set ("proofloom",
    the default, or "ag1", AlphaGeometry's 43). A completion may add at most `max_new_points`
    points: the engine's set-up, which its time limit does not bound, grows about as the cube
    of the figure's points (12 s for 80 free points on a 7-point problem), and AlphaGeometry's
    solutions of IMO problems add a handful. Construction parses the problem once and
    raises VerifierConfigError (a ValueError) with a one-line reason when it does not parse or
    has no goal: a configuration mistake, never a model's.
    """

    problem: str
    timeout_s: float = 20.0
    rules: str = "proofloom"
    max_new_points: int = 8
    parsed: Figure = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.problem, str):
            raise VerifierConfigError(f"problem must be str, got {type(self.problem).__name__}")
        if not (
            isinstance(self.timeout_s, int | float)
            and math.isfinite(self.timeout_s)
            and self.timeout_s > 0
        ):
            raise VerifierConfigError(f"timeout_s={self.timeout_s!r} must be a finite number > 0")
        if not (isinstance(self.max_new_points, int) and self.max_new_points >= 1):
            raise VerifierConfigError(f"max_new_points={self.max_new_points!r} must be >= 1")
        if self.rules not in RULE_SETS:
            raise VerifierConfigError(f"rules={self.rules!r} must be one of {', '.join(RULE_SETS)}")
        try:
            parsed = parse_problem(self.problem)
        except DeductionError as exc:
            raise VerifierConfigError(f"problem does not parse: {unnamed(str(exc))}") from None
        if parsed.goal is None:
            raise VerifierConfigError("problem has no goal ('clauses ? goal')")
        object.__setattr__(self, "parsed", parsed)

    @property
    def premises(self) -> str:
        """The problem's clauses as written, without the goal."""
        return self.problem.partition("?")[0].strip()

    @property
    def goal(self) -> str:
        return self.problem.partition("?")[2].strip()


def unnamed(message: str) -> str:
    """A deduction error without its "problem '': " prefix (our problems carry no name)."""
    return message.removeprefix("problem '': ")
