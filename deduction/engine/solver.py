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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from deduction.engine import auxiliary
from deduction.engine.chasing import Chasing
from deduction.engine.closure import Closure, ClosureStats
from deduction.engine.factbase import FactBase
from deduction.engine.triangles import TriangleMatcher
from deduction.errors import DeductionError
from deduction.numeric import holds, realise
from deduction.problem import premise_statements
from deduction.proof import PREMISE, Proof, proof_text, recheck, traceback
from deduction.rules import Rule, load_rules
from deduction.types import Clause, Problem, ProofStep, Statement

logger = logging.getLogger(__name__)

SUBSUMED_BY_TABLES = frozenset({"r02", "r08", "r30", "r31"})
SUBSUMED_BY_AR = frozenset({"r09", "r10"})
# An auxiliary try gets this many times the base closure's time, and at least this long.
AUX_SLOWDOWN = 10.0
AUX_MIN_SECONDS = 2.0


class Engine:
    """A fact base for one problem's premises, ready to be closed under the rules."""

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
    ) -> None:
        """`known`: the log of a fixpoint reached on a subset of these premises with the same
        rules (`Engine.known_steps()`); it is replayed, and the closure then matches only what
        the other premises change (semi-naive), which an auxiliary try relies on.
        `triangles`: match the triangle rules from the figure's similar triangles
        (`deduction.engine.triangles`); False uses the generic join for them too."""
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

    def run(self, goal: Statement | None = None, timeout: float | None = None) -> bool:
        return self.closure.run(goal, timeout)

    def close(self, timeout: float | None = None) -> FactBase:
        """Every fact DD+AR derives from the premises (the generator's workload)."""
        self.closure.run(None, timeout)
        return self.fb

    def proof(self, goal: Statement) -> Proof:
        self.fb.justify(goal)
        return traceback(self.fb.steps, goal)

    def recheck(self, proof: Proof) -> list[str]:
        return recheck(proof, self.points, self.numeric, self.rules, self.premises)


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
) -> SolveResult:
    """Solve one problem; never raises for a bad problem (status "error" with the reason).

    When DD+AR reaches its fixpoint without the goal and `auxiliary` is on, auxiliary points
    from `deduction.engine.auxiliary` are tried (one, then two) until the goal is proved or the
    time is up; the clauses that made the proof are reported in `SolveResult.auxiliary`.
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
                found = _search_auxiliary(engine, rules, use_ar, deadline, result.stats)
                if found is not None:
                    engine, clauses = found
                    result.auxiliary = tuple(str(c) for c in clauses)
                    solved = True
            if solved:
                _finish(result, engine, goal, check)
    except DeductionError as exc:
        result.status, result.message = "error", str(exc)
    except (ValueError, KeyError) as exc:  # malformed input that slipped past the parser
        result.status, result.message = "error", f"{type(exc).__name__}: {exc}"
    result.seconds = time.monotonic() - start
    return result


def _finish(result: SolveResult, engine: Engine, goal: Statement, check: bool) -> None:
    proof = engine.proof(goal)
    problems = engine.recheck(proof) if check else []
    if problems:
        result.status = "error"
        result.message = "proof failed re-check: " + "; ".join(problems[:3])
    else:
        result.status = "solved"
    result.proof = proof


def _search_auxiliary(
    engine: Engine,
    rules: Sequence[Rule] | str | None,
    use_ar: bool,
    deadline: float | None,
    stats: dict[str, Any],
) -> tuple[Engine, tuple[Clause, ...]] | None:
    """The auxiliary search (`auxiliary.search`) on `engine`'s fixpoint, each try on a new
    engine replaying it; the engine that proves the goal, with the clauses it added."""

    def make(problem: Problem, points: dict, known: Sequence[ProofStep]) -> Engine:
        return Engine(problem, rules, use_ar=use_ar, points=points, known=known)

    # a try may take a few times the base closure (one more point), never the whole budget
    cap = max(AUX_MIN_SECONDS, AUX_SLOWDOWN * engine.stats.seconds)
    found, tried = auxiliary.search(engine, make, deadline, cap)
    stats["auxiliary_tried"] = tried
    if found is None:
        return None
    trial, clauses = found
    logger.info("%s: proved with auxiliary %s (%d tried)", engine.problem.name, clauses, tried)
    return trial, clauses
