"""Prove one problem: realise it, close its premises under DD+AR, trace and re-check the proof.

`Engine` is the reusable unit (the generator of a later issue runs `Engine(...).close()` on
random premise sets and reads every proved fact); `solve_problem` is what the CLI runs per
problem, with the auxiliary-point search (`deduction.engine.auxiliary`) when DD+AR stops short
of the goal. Some rules are not matched because their every instance is already known:

- r02, r08, r30, r31 by the fact base itself: it stores each eqangle/eqratio in both of its
  spellings (d2 - d1 = d4 - d3 and d3 - d1 = d4 - d2) with para as angle 0, perp as 1/2 and cong
  as ratio 1, so their conclusions hold the moment their premises do
  (tests/deduction/test_engine_rules.py checks each on an instance);
- r09, r10 (transitivity of eqangle / eqratio) by angle and ratio chasing, when AR runs.

Matching them anyway costs time (r31 enumerates every pair of congruent segments) and adds
nothing. With `use_ar=False` only the first group is skipped. `rules=` names a bundled set
(`deduction.rules.RULE_SETS`; None is the default set), which is skipped the same way, or is
a sequence of rules used as is (the per-rule tests load one rule at a time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from deduction.engine import auxiliary
from deduction.engine.chasing import Chasing
from deduction.engine.closure import Closure, ClosureStats
from deduction.engine.factbase import NUMERIC_PREDICATES, FactBase
from deduction.engine.implied import implied_facts
from deduction.engine.recheck import recheck
from deduction.engine.triangles import TriangleMatcher
from deduction.errors import DeductionError
from deduction.numeric import checker, holds, realise
from deduction.problem import parse_problem, premise_statements
from deduction.proof import PREMISE, Proof, proof_text, traceback
from deduction.rules import Rule, load_rules
from deduction.types import Clause, Problem, ProofStep, Statement

logger = logging.getLogger(__name__)

# Something that suggests auxiliary clauses for a problem (a policy model): clause texts in
# AlphaGeometry's syntax, best first; several clauses of one proposal joined by "; ".
Proposer = Callable[[Problem], Sequence[str]]

SUBSUMED_BY_TABLES = frozenset({"r02", "r08", "r30", "r31"})
SUBSUMED_BY_AR = frozenset({"r09", "r10"})
# An auxiliary try gets this many times the base closure's time, and at least this long.
AUX_SLOWDOWN = 10.0
AUX_MIN_SECONDS = 10.0
# A found proof must also re-check on FRESH_FIGURES new figures, of at most FRESH_DRAWS drawn
# (see _recheck_fresh for why not on every one).
FRESH_FIGURES = 2
FRESH_DRAWS = 10


class Engine:
    """A fact base for one problem's premises, ready to be closed under the rules.

    Callers outside `deduction.engine` use only this surface:

        .problem, .points, .premises               what it was built on (read only)
        .run(goal=None, timeout=None) -> bool      close until `goal` holds (None: the fixpoint)
        .close(timeout=None, levels=None) -> bool  close to the fixpoint; False if stopped short
        .fixpoint -> bool                          has the closure reached its fixpoint?
        .holds(st) -> bool                         proved so far (a node or by the classes)
        .holds_on_figure(st) -> bool               numerically true on the engine's figure
        .derived() -> list[Statement]              proved nodes beyond the premises, in order
        .implied(spellings=3) -> list[Statement]   facts the classes imply that are not nodes
        .proof(goal) -> Proof                      the traced proof of a proved statement
        .recheck(proof, allowed=None, cache=None)  problems re-checking it step by step

    `fb`, `numeric`, `rules`, `closure` and `stats` are its working parts, for the solver and
    the auxiliary search in this package."""

    def __init__(
        self,
        problem: Problem,
        rules: Sequence[Rule] | str | None = None,
        seed: int = 0,
        use_ar: bool = True,
        premises: Sequence[Statement] | None = None,
        points: dict[str, tuple[float, float]] | None = None,
        known: Sequence[ProofStep] = (),
        triangles: bool = True,
        without: Collection[str] = (),
    ) -> None:
        """`known`: the log of a fixpoint reached on a subset of these premises with the same
        rules (`Engine.known_steps()`); it is replayed, and the closure then matches only what
        the other premises change (semi-naive), which an auxiliary try relies on.
        `triangles`: match the triangle rules from the figure's similar triangles
        (`deduction.engine.triangles`); False uses the generic join for them too.
        `without`: names of rules left out (a rule's cost measured A/B). Pass these rather
        than a filtered sequence: a sequence is used as is, subsumed rules included, which
        made closures 10-80x slower in such a benchmark."""
        self.problem = problem
        skip: frozenset[str] = frozenset()
        if rules is None or isinstance(rules, str):
            self.rules = load_rules(rules)
            skip = SUBSUMED_BY_TABLES | (SUBSUMED_BY_AR if use_ar else frozenset())
        else:
            self.rules = tuple(rules)
        self.points = realise(problem, seed).points if points is None else points
        points = self.points
        self.numeric = lambda st: holds(st, points)
        self.premises = (
            [st for st, _ in premise_statements(problem)] if premises is None else list(premises)
        )
        self.fb = FactBase(self.numeric)
        for step in known:
            self.fb.restore(step)
        since = -1
        if known:
            self.fb.tick += 1
            since = self.fb.tick
        for st in self.premises:
            self.fb.add(ProofStep(st, PREMISE, ()))
        skip = skip | frozenset(without)
        dd_rules = [r for r in self.rules if r.name not in skip]
        algebra = Chasing(points, self.numeric) if use_ar else None
        matcher = TriangleMatcher(points) if triangles else None
        self.closure = Closure(self.fb, dd_rules, self.numeric, algebra, since, matcher)

    def known_steps(self) -> list[ProofStep]:
        """Every node's step in the order the base learnt them (what `known=` replays)."""
        return [self.fb.steps[st] for st in self.fb.log]

    @property
    def stats(self) -> ClosureStats:
        return self.closure.stats

    @property
    def fixpoint(self) -> bool:
        """Did the last run reach the fixpoint (nothing more to derive)?"""
        return self.closure.stats.fixpoint

    def used_points(self, goal: Statement) -> set[str]:
        """The points the goal's proof mentions (in any step or premise)."""
        proof = self.proof(goal)
        out = set(goal.args)
        for st in proof.premises:
            out.update(st.args)
        for step in proof.steps:
            out.update(step.conclusion.args)
            for st in step.premises:
                out.update(st.args)
        return out

    def run(self, goal: Statement | None = None, timeout: float | None = None) -> bool:
        """Close until `goal` is proved (True) or the fixpoint or `timeout` is reached; a
        later call resumes where this one stopped. With no goal: True at the fixpoint."""
        return self.closure.run(goal, timeout)

    def close(self, timeout: float | None = None, levels: int | None = None) -> bool:
        """Every fact DD+AR derives from the premises (the generator's workload); False when
        `timeout` (or `levels` more levels, a budget that does not depend on the machine)
        stopped it short of the fixpoint."""
        self.closure.run(None, timeout, levels)
        return self.fixpoint

    def holds(self, st: Statement) -> bool:
        """Is `st` proved so far, as a node or by the fact base's classes?"""
        return self.fb.holds(st)

    def holds_on_figure(self, st: Statement) -> bool:
        """Is `st` true on the engine's coordinates (no proof involved)?"""
        return self.numeric(st)

    def derived(self) -> list[Statement]:
        """The nodes proved beyond the premises, in the order they were learnt. Side-condition
        predicates (ncoll, npara, ...: read off the figure, never proved) are left out."""
        return [
            st
            for st in self.fb.log
            if self.fb.steps[st].rule != PREMISE and st.predicate not in NUMERIC_PREDICATES
        ]

    def implied(self, spellings: int = 3) -> list[Statement]:
        """The facts the classes imply that are not nodes (`deduction.engine.implied`), each
        class spelled by up to `spellings` of its lines or segments; sorted by text."""
        return sorted(implied_facts(self.fb, spellings), key=str)

    def proof(self, goal: Statement) -> Proof:
        """The traced proof of `goal`, which must hold (else ValueError)."""
        self.fb.justify(goal)
        return traceback(self.fb.steps, goal)

    def recheck(
        self,
        proof: Proof,
        allowed: Sequence[Statement] | None = None,
        cache: dict[ProofStep, str | None] | None = None,
    ) -> list[str]:
        """Problems re-checking `proof` step by step on this figure with these rules (empty when
        sound); its premises must be among `allowed` (default: the engine's premises). `cache`
        (see `deduction.recheck`) carries step verdicts across calls on this figure."""
        allowed = self.premises if allowed is None else allowed
        return recheck(proof, self.points, self.numeric, self.rules, allowed, cache)


@dataclass(slots=True)
class SolveResult:
    name: str
    status: str  # "solved" | "unsolved" | "error"
    seconds: float
    goal: str = ""
    message: str = ""
    proof: Proof | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    auxiliary: tuple[str, ...] = ()  # clauses added to the problem before the proof was found
    solution: str = ""  # the problem as proved: its clauses, the auxiliary ones, the goal
    proposed: bool = False  # the auxiliary clauses came from the proposer, not the search

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 4),
            "goal": self.goal,
            "message": self.message,
            "stats": self.stats,
        }
        if self.auxiliary:
            out["auxiliary"] = list(self.auxiliary)
            out["solution"] = self.solution
            out["proposed"] = self.proposed
        if self.proof is not None:
            out["proof"] = self.proof.to_json()
            out["proof_text"] = proof_text(self.proof)
        return out


def solve_problem(
    problem: Problem,
    timeout: float | None = 60.0,
    rules: Sequence[Rule] | str | None = None,
    seed: int = 0,
    use_ar: bool = True,
    check: bool = True,
    auxiliary: bool = True,
    workers: int = 1,
    proposer: Proposer | None = None,
    search: bool = True,
) -> SolveResult:
    """Solve one problem; never raises for a bad problem (status "error" with the reason).

    When DD+AR reaches its fixpoint without the goal and `auxiliary` is on, the auxiliary
    search (`deduction.engine.auxiliary`) runs until the goal is proved or the time is up, its
    attempts in `workers` processes; the clauses that made the proof are reported in
    `SolveResult.auxiliary`. `proposer` (a policy model, say) is asked for auxiliary clauses
    for the problem (text in, clause texts out, `;` between the clauses of one proposal); its
    proposals that parse are tried first, in its order (`SolveResult.proposed` says whether one
    of them made the proof); `search=False` tries them only, without the heuristic search
    after them. With `check`, the proof is re-checked
    step by step on the figure it was found on and on new figures of the problem with its
    auxiliary clauses (`_recheck_fresh`).
    """
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    goal = problem.goal
    result = SolveResult(problem.name, "unsolved", 0.0, "" if goal is None else str(goal))
    try:
        if goal is None:
            raise DeductionError(f"problem {problem.name!r} has no goal")
        engine = Engine(problem, rules, seed, use_ar)
        if not engine.numeric(goal):
            result.message = "goal is false on the figure"
        else:
            solved = engine.run(goal, timeout)
            stats = engine.stats
            result.stats = {
                "levels": stats.levels,
                "dd_facts": stats.dd_facts,
                "ar_facts": stats.ar_facts,
                "nodes": len(engine.fb.steps),
                "fixpoint": stats.fixpoint,
            }
            if not solved and auxiliary and stats.fixpoint:
                proposals = _proposals(problem, proposer, result.stats)
                found = _search_auxiliary(
                    engine, rules, use_ar, deadline, result.stats, workers, seed, proposals, search
                )
                if found is not None:
                    engine, clauses = found
                    result.auxiliary = tuple(str(c) for c in clauses)
                    result.solution = engine.problem.text
                    result.proposed = result.stats["auxiliary_attempt"] < len(proposals)
                    solved = True
            if solved:
                _finish(result, engine, goal, check, seed)
    except DeductionError as exc:
        result.status, result.message = "error", str(exc)
    except (ValueError, KeyError) as exc:  # malformed input that slipped past the parser
        result.status, result.message = "error", f"{type(exc).__name__}: {exc}"
    result.seconds = time.monotonic() - start
    return result


def _proposals(
    problem: Problem, proposer: Proposer | None, stats: dict[str, Any]
) -> list[tuple[Clause, ...]]:
    """The proposer's clause groups that parse as new clauses of the problem (others are
    counted and skipped: a policy's bad guess is not the solver's error)."""
    if proposer is None:
        return []
    premises = "; ".join(str(c) for c in problem.clauses)
    out, bad = [], 0
    for text in proposer(problem):
        try:
            extended = parse_problem(f"{premises}; {text}", problem.name)
        except DeductionError:
            bad += 1
            continue
        out.append(extended.clauses[len(problem.clauses) :])
    stats["proposals"], stats["proposals_unparsed"] = len(out), bad
    return out


def _finish(result: SolveResult, engine: Engine, goal: Statement, check: bool, seed: int) -> None:
    proof = engine.proof(goal)
    problems = engine.recheck(proof) if check else []
    if check and not problems:
        problems = _recheck_fresh(engine, proof, seed, result.stats)
    if problems:
        result.status = "error"
        result.message = "proof failed re-check: " + "; ".join(problems[:3])
    else:
        result.status = "solved"
    result.proof = proof


def _recheck_fresh(
    engine: Engine, proof: Proof, seed: int, stats: dict[str, Any] | None = None
) -> list[str]:
    """Re-check the proof on new figures of the problem as solved (auxiliary clauses
    included), drawn as a stated problem is drawn: where its goal holds.

    A stated problem can hold in more than one configuration: IMO 2002 P2 takes e and f as the
    two points where a line meets a circle, and its goal holds whichever is which, but a proof
    states directed angles (aconst c e c f 2/3) of the configuration it was found in, which the
    mirror image reads as 1/3. So a proof passes when it re-checks on FRESH_FIGURES of up to
    FRESH_DRAWS fresh figures: not a coincidence of one figure, true on a family of them. The
    figures it fails on are counted (`fresh_failed`); generated theorems are held to every
    configuration (generate.geometry), not this."""
    problems: list[str] = []
    passed = failed = 0
    for k in range(1, FRESH_DRAWS + 1):
        try:
            points = realise(engine.problem, seed + 7919 * k).points
        except DeductionError:
            continue  # this seed did not draw; the others still check
        found = recheck(proof, points, checker(points), engine.rules)
        if found:
            failed += 1
            problems = problems or [f"on a fresh figure: {p}" for p in found]
        else:
            passed += 1
            if passed >= FRESH_FIGURES:
                break
    if stats is not None:
        stats["fresh_passed"], stats["fresh_failed"] = passed, failed
    return [] if passed >= FRESH_FIGURES else problems or ["no fresh figure could be drawn"]


def _search_auxiliary(
    engine: Engine,
    rules: Sequence[Rule] | str | None,
    use_ar: bool,
    deadline: float | None,
    stats: dict[str, Any],
    workers: int,
    seed: int,
    proposals: Sequence[tuple[Clause, ...]] = (),
    search: bool = True,
) -> tuple[Engine, tuple[Clause, ...]] | None:
    """The auxiliary search on `engine`'s fixpoint; the engine that proves the goal from the
    problem with the clauses found, and those clauses. Without `search`, the proposals only
    (the attempts before the heuristic ones, `auxiliary.Search.kind`)."""

    def make(problem: Problem, points: dict, known: Sequence[ProofStep]) -> Engine:
        return Engine(problem, rules, use_ar=use_ar, points=points, known=known)

    if not search and not proposals:
        return None  # nothing to try: skip ranking the candidates
    # an attempt adds several points: it may take many times the base closure, never the
    # whole budget
    cap = max(AUX_MIN_SECONDS, AUX_SLOWDOWN * engine.stats.seconds)
    config = auxiliary.SearchConfig(seed=seed, cap=cap)
    attempts = auxiliary.Search(engine, make, config, proposals)
    stats["auxiliary_candidates"] = len(attempts.ranked)
    limit = None if search else len(proposals)
    found, tried = auxiliary.run_search(attempts, deadline, workers, limit)
    stats["auxiliary_tried"] = tried
    if found is None or found.clauses is None:
        return None
    clauses = found.clauses
    # the proof again, in this process (a worker's engine cannot be sent back), from the
    # problem with the pruned clauses only
    now = time.monotonic()
    final = attempts.prove(
        clauses, None if deadline is None else now + max(AUX_MIN_SECONDS, deadline - now)
    )
    if not isinstance(final, Engine):  # None: it did not prove the goal again
        logger.warning(
            "%s: auxiliary %s did not prove the goal again", engine.problem.name, clauses
        )
        return None
    stats["auxiliary_attempt"] = found.index
    logger.info(
        "%s: proved with auxiliary %s (attempt %d, %d tried)",
        engine.problem.name,
        [str(c) for c in clauses],
        found.index,
        tried,
    )
    return final, clauses
