"""The geometry reward: does the completion's auxiliary construction let DD+AR prove the goal?

    verify(completion, task, seed=0) -> Verdict

A completion is one or more auxiliary clauses in AlphaGeometry's language, separated by ';' or
newlines (`e = midpoint e a b; f = on_line f a c, on_circle f o a`). It is paid (CORRECT) only
when every step below passes; the first that fails makes it WRONG, with a one-line reason:

1. it has a clause, and no '?' (a completion adds constructions; it never restates the goal);
2. every clause introduces only new points, never one of the problem's or an earlier clause's,
   and no more than `task.max_new_points` in all;
3. the problem with the clauses parses (the parser's message is the reason);
4. the figure draws at `seed`, without degeneracy (`deduction.realise`: shapes that meet, no
   point on top of another, preconditions such as a non-degenerate triangle);
5. DD+AR, with no auxiliary search of its own, proves the goal within `task.timeout_s`, and the
   proof re-checks step by step on the figure and on fresh figures (`deduction.solve_problem`
   with `check=True`). The reason then says which new points the proof's premises name: a
   problem DD+AR proves alone pays any drawable completion, so a data set for the reward should
   hold problems it does not.

Failures of ours are Status.ERROR, never WRONG: an unexpected exception, or a problem that
does not draw at this seed even without the completion. Nothing raises on model output.

Time: the closure checks its deadline every few hundred rule matches and between its DD and
AR phases, so one AR pass can run past it; drawing, the engine's
set-up (it grows with the figure, hence `max_new_points`) and the re-check come on top. On
IMO-AG-30 problems with a useless auxiliary midpoint (2 shared cores), verify took at most
2.9 s with `timeout_s=2`, and 6.8 s with `timeout_s=5`: IMO 2015 P4, proved near the limit,
then its 151-step proof re-checked on three figures; unproved ones stopped within 1.1 s of the
limit. Callers that need a hard wall bound run verify in a process they can kill, as the
service does.
"""

from __future__ import annotations

import logging
import re
import time

from deduction import DeductionError, parse_problem, realise, solve_problem
from verifiers.errors import VerifierError
from verifiers.geometry.types import GeometryTask, unnamed
from verifiers.types import Status, Verdict

logger = logging.getLogger(__name__)

_SEPARATORS = re.compile(r"[;\n]")
_SHOWN = 80  # characters of a clause quoted in a reason


def split_clauses(completion: str) -> list[str]:
    """The clauses of a completion: pieces between ';' or newlines, stripped, empty ones
    dropped (a trailing ';' or a blank line is no clause)."""
    return [piece.strip() for piece in _SEPARATORS.split(completion) if piece.strip()]


def verify(
    completion: str, task: GeometryTask, *, seed: int = 0, raise_on_error: bool = False
) -> Verdict:
    """Judge `completion` (auxiliary clauses) on `task`; see the module docstring.

    `seed` draws the figure (the same seed gives the same verdict, unless the time limit cuts
    the closure short). `raise_on_error=True` turns an ERROR verdict into a VerifierError, for
    debugging.

    >>> task = GeometryTask("a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b"
    ...                     " ? perp a d b c", rules="ag1")
    >>> verify("e = on_line e a c, on_line e b d", task).reward
    1
    """
    if not isinstance(task, GeometryTask):
        raise TypeError(f"task must be a GeometryTask, got {type(task).__name__}")
    started = time.monotonic()
    try:
        status, reason = _judge(completion, task, seed, started)
    except Exception as exc:  # noqa: BLE001 -- a checker bug is ERROR, never WRONG
        if raise_on_error:
            raise VerifierError(f"geometry verifier failed: {exc!r}") from exc
        logger.debug("geometry verifier error", exc_info=True)
        status, reason = Status.ERROR, repr(exc)[:200]
    if status is Status.ERROR and raise_on_error:
        raise VerifierError(reason)
    return Verdict(status, reason, time.monotonic() - started)


def _judge(completion: str, task: GeometryTask, seed: int, started: float) -> tuple[Status, str]:
    if not isinstance(completion, str):
        return Status.WRONG, f"completion is {type(completion).__name__}, not text"
    clauses = split_clauses(completion)
    if not clauses:
        return Status.WRONG, "empty completion: no auxiliary clause"
    if "?" in completion:
        return Status.WRONG, "a '?' in the completion: it adds clauses, it states no goal"
    taken = set(task.parsed.points)
    for clause in clauses:
        new = _new_points(clause)
        if any("@" in p for p in new):
            # the figure is ours to draw: a pinned position would move it
            return Status.WRONG, f"pinned position in {_quote(clause)}: name@x_y is not allowed"
        clash = [p for p in new if p in taken]
        if clash:
            return Status.WRONG, f"{_quote(clause)} names existing point {clash[0]!r}"
        taken.update(new)
    added = len(taken) - len(task.parsed.points)
    if added > task.max_new_points:
        return Status.WRONG, f"{added} new points: at most {task.max_new_points} are judged"

    text = f"{task.premises}; {'; '.join(clauses)} ? {task.goal}"
    try:
        extended = parse_problem(text)
    except DeductionError as exc:
        return Status.WRONG, f"unparsable: {unnamed(str(exc))}"
    try:
        realise(extended, seed)
    except DeductionError as exc:
        try:
            realise(task.parsed, seed)
        except DeductionError as base:  # the problem itself: not the completion's fault
            return Status.ERROR, f"the problem does not draw at seed {seed}: {unnamed(str(base))}"
        return Status.WRONG, f"degenerate figure: {unnamed(str(exc))}"

    budget = task.timeout_s - (time.monotonic() - started)
    if budget <= 0:
        return Status.WRONG, f"not proved within {task.timeout_s:g} s (drawing took it all)"
    result = solve_problem(
        extended, timeout=budget, rules=task.rules, seed=seed, auxiliary=False, check=True
    )
    if result.status == "solved":
        if result.proof is None:
            return Status.ERROR, "the solver reported a proof it did not return"
        # said, not judged: on a problem DD+AR proves alone any drawable completion is paid,
        # and a caller can tell those from the constructions the proof rests on
        fresh = set(extended.points) - set(task.parsed.points)
        used = sorted(fresh & {p for st in result.proof.premises for p in st.args})
        uses = f"uses {' '.join(used)}" if used else "uses none of the new points"
        return Status.CORRECT, f"proved in {len(result.proof.steps)} steps, re-checked; {uses}"
    if result.status == "error":
        if result.message.startswith("proof failed re-check"):
            return Status.WRONG, result.message
        # the figure drew above, so the solver's error is not the completion's
        return Status.ERROR, f"solver error: {unnamed(result.message)}"
    if result.message:  # "goal is false on the figure"
        return Status.WRONG, result.message
    if result.stats.get("fixpoint"):
        return Status.WRONG, "DD+AR reached its fixpoint without proving the goal"
    return Status.WRONG, f"not proved within {task.timeout_s:g} s"


def _new_points(clause: str) -> list[str]:
    """The names left of a clause's '=' (the parser reports a clause without one)."""
    left, eq, _ = clause.partition("=")
    return left.split() if eq else []


def _quote(clause: str) -> str:
    return repr(clause if len(clause) <= _SHOWN else clause[: _SHOWN - 3] + "...")
