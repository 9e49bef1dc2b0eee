"""The auxiliary-point search: when DD+AR stops short of the goal, add points and close again.

HAGeo (Duan et al., arXiv 2512.00097) showed that a CPU-only search solves most of IMO-AG-30
when its candidates are filtered by the figure: `deduction.aux_candidates` proposes midpoints,
reflections, feet, intersections and centres that land on a line or circle their construction
does not put them on. This module spends a time budget on *attempts*, each a deterministic
function of (seed, attempt number) and of the base fixpoint:

- a *single* attempt adds the k-th ranked candidate (two singles, then one random attempt, until
  the first SINGLES candidates are tried: single points are cheap, and most solutions need
  only one);
- a *random* attempt runs up to ROUNDS rounds; each round draws a few candidates (SIZES, more
  in later attempts) from the top of the current figure's list, weighted by rank, adds them
  all, and closes again. Later rounds see the points of earlier ones, so a point built on an
  auxiliary point (the foot from a midpoint) is reachable.

Every closure continues from the fixpoint before it (the engine's `known=` replay, matched
semi-naively), never from scratch. A proved attempt is pruned: clauses whose points the proof
never mentions go, then each remaining one is dropped in turn if the goal still follows without
it, so a solution names only needed points. Attempts can run in `workers` forked processes
(each inherits the base fixpoint); results are taken in attempt order, so the same seed gives
the same answer for any number of workers, as long as no attempt is cut by the deadline.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing as mp
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from deduction.aux_candidates import Candidate, candidates, fresh_name
from deduction.errors import DeductionError
from deduction.numeric import extend
from deduction.problem import with_clauses
from deduction.types import Clause, Problem, ProofStep, Statement

logger = logging.getLogger(__name__)

Points = dict[str, tuple[float, float]]

# Rounds of a random attempt, and the ranked prefix its draws come from.
ROUNDS = 2
POOL = 30
# Ranked single-candidate attempts, interleaved with the random ones.
SINGLES = 40
# How many candidates a random round adds (one more per 40 attempts): few, so a round closes in
# a few times the base closure (a 0.3 s closure took 25-50 s with five more points).
SIZES = (1, 2, 2, 3)


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """How the search spends its budget (see the module docstring)."""

    seed: int = 0
    singles: int = SINGLES
    rounds: int = ROUNDS
    pool: int = POOL
    cap: float = 10.0  # seconds one attempt may take (the caller scales it to the problem)

    def __post_init__(self) -> None:
        if self.cap <= 0 or self.rounds < 1 or self.pool < 1 or self.singles < 0:
            raise ValueError(f"bad search config {self}")


class Trial(Protocol):
    """What the search needs of an engine (`deduction.engine.solver.Engine`)."""

    problem: Problem
    points: Points

    def run(self, goal: Statement | None = None, timeout: float | None = None) -> bool: ...

    def known_steps(self) -> list[ProofStep]: ...

    @property
    def fixpoint(self) -> bool: ...

    def used_points(self, goal: Statement) -> set[str]: ...


MakeEngine = Callable[[Problem, Points, Sequence[ProofStep]], Trial]


def with_clause(problem: Problem, clause: Clause) -> Problem:
    return with_clauses(problem, (clause,))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt found: the pruned clauses that prove the goal, or None."""

    index: int
    clauses: tuple[Clause, ...] | None
    seconds: float
    added: int  # points added before the goal fell (or the attempt gave up)


class Search:
    """Attempts on one base fixpoint. `attempt(i)` is pure given the base and the config."""

    def __init__(
        self,
        base: Trial,
        make: MakeEngine,
        config: SearchConfig,
        proposals: Sequence[tuple[Clause, ...]] = (),
    ) -> None:
        """`proposals`: clause groups from elsewhere (a policy model), tried first, in order,
        each as one attempt."""
        if base.problem.goal is None:
            raise DeductionError(f"problem {base.problem.name!r} has no goal")
        self.base = base
        self.goal: Statement = base.problem.goal
        self.make = make
        self.config = config
        self.known = base.known_steps()
        self.ranked = candidates(base.problem, base.points)
        self.proposals = list(proposals)

    def kind(self, index: int) -> tuple[str, int]:
        """("proposal", k) for the k-th proposal, ("single", k) for the k-th ranked candidate,
        else ("random", n)."""
        if index < len(self.proposals):
            return "proposal", index
        index -= len(self.proposals)
        singles = min(self.config.singles, len(self.ranked))
        head: list[tuple[str, int]] = []  # two singles, then one random attempt
        for k in range(singles):
            head.append(("single", k))
            if k % 2 == 1:
                head.append(("random", k // 2))
        if index < len(head):
            return head[index]
        return "random", singles // 2 + index - len(head)

    def attempt(self, index: int, deadline: float | None) -> Outcome:
        start = time.monotonic()
        stop = start + self.config.cap
        if deadline is not None:
            stop = min(stop, deadline)
        kind, n = self.kind(index)
        problem, points, known = self.base.problem, dict(self.base.points), self.known
        added: list[Clause] = []
        rng = random.Random(f"{self.config.seed}:{index}")
        rounds = self.config.rounds if kind == "random" else 1
        for r in range(rounds):
            if kind == "single":
                new = [self.ranked[n].clause]
            elif kind == "proposal":
                new = list(self.proposals[n])
            else:
                ranked = self.ranked if r == 0 else candidates(problem, points)
                new = self._draw(ranked, rng, n, problem.points)
            placed = []
            for clause in new:
                try:
                    points.update(extend(points, clause))
                except DeductionError:  # degenerate, or built on a point that did not draw
                    continue
                placed.append(clause)
            if not placed:
                break
            added += placed
            problem = with_clauses(problem, placed)
            left = stop - time.monotonic()
            if left <= 0:
                break
            engine = self.make(problem, points, known)
            if engine.run(self.goal, left):
                # pruning gets a budget of its own: a proof found late should still come out
                # with only the points it needs
                until = time.monotonic() + self.config.cap
                pruned = self._prune(
                    engine, added, until if deadline is None else min(until, deadline)
                )
                return Outcome(index, pruned, time.monotonic() - start, len(added))
            if not engine.fixpoint:
                break
            known = engine.known_steps()
        return Outcome(index, None, time.monotonic() - start, len(added))

    def _draw(
        self, ranked: Sequence[Candidate], rng: random.Random, n: int, used: Sequence[str]
    ) -> list[Clause]:
        """A few candidates from the top of `ranked`, weighted towards the top, renamed to
        fresh names."""
        pool = list(ranked[: self.config.pool])
        if not pool:
            return []
        size = min(len(pool), rng.choice(SIZES) + min(n // 40, 3))
        weights = [1.0 / (k + 2) for k in range(len(pool))]
        chosen: list[Candidate] = []
        while len(chosen) < size:
            k = rng.choices(range(len(pool)), weights)[0]
            chosen.append(pool.pop(k))
            weights.pop(k)
        names = list(used)
        out = []
        for cand in chosen:
            name = fresh_name(names)
            names.append(name)
            out.append(_renamed(cand.clause, name))
        return out

    def _prune(self, engine: Trial, added: list[Clause], stop: float) -> tuple[Clause, ...]:
        """The added clauses the proof needs: first those whose points it mentions (and the
        clauses they are built on), then each dropped in turn while the goal still follows."""
        used = engine.used_points(self.goal)
        keep = _closed_under_parents([c for c in added if used & set(c.points)], added)
        for clause in reversed(list(keep)):
            if time.monotonic() >= stop or len(keep) == 1:
                break
            trial = [c for c in keep if c is not clause]
            if any(set(clause.points) & _args(c) for c in trial):
                continue  # a kept clause is built on it
            if self.prove(trial, stop) is not None:
                keep = trial
        return tuple(keep)

    def prove(self, clauses: Sequence[Clause], stop: float | None) -> Trial | None:
        """The engine that proves the goal from the problem with `clauses` added, continuing
        from the base fixpoint, by the monotonic time `stop` (None: no limit); None if it
        does not (or a clause does not draw on the base figure)."""
        points = dict(self.base.points)
        try:
            for clause in clauses:
                points.update(extend(points, clause))
        except DeductionError:
            return None
        engine = self.make(with_clauses(self.base.problem, clauses), points, self.known)
        left = None if stop is None else stop - time.monotonic()
        if left is not None and left <= 0:
            return None
        return engine if engine.run(self.goal, left) else None


def _args(clause: Clause) -> set[str]:
    return {a for call in clause.constructions for a in call.args}


def _closed_under_parents(chosen: list[Clause], added: list[Clause]) -> list[Clause]:
    """`chosen` plus every added clause a chosen one is built on, in `added`'s order."""
    need = set(id(c) for c in chosen)
    for clause in reversed(added):
        if id(clause) in need:
            for other in added:
                if set(other.points) & (_args(clause) - set(clause.points)):
                    need.add(id(other))
    return [c for c in added if id(c) in need]


def _renamed(clause: Clause, name: str) -> Clause:
    old = clause.points[0]
    calls = tuple(
        type(call)(call.name, tuple(name if a == old else a for a in call.args))
        for call in clause.constructions
    )
    return Clause((name,), calls)


# ---------------------------------------------------------------- running attempts
_ACTIVE: tuple[Search, float | None] | None = None  # the search a forked worker serves


def _attempt_in_worker(index: int) -> Outcome:
    assert _ACTIVE is not None, "worker started without a search"
    search, deadline = _ACTIVE
    if deadline is not None and time.monotonic() >= deadline:
        return Outcome(index, None, 0.0, 0)
    try:
        return search.attempt(index, deadline)
    except DeductionError:
        return Outcome(index, None, 0.0, 0)


def run_search(
    search: Search, deadline: float | None, workers: int = 1, limit: int | None = None
) -> tuple[Outcome | None, int]:
    """Attempts in order until one proves the goal, the deadline passes or `limit` attempts
    ran; the first proving attempt (in attempt order) and the number of attempts made.

    With `workers` > 1 the attempts run in forked processes that inherit the search (the base
    fixpoint is not sent anywhere); results are read in attempt order."""
    if not search.ranked and not search.proposals:
        return None, 0  # nothing passed the filter: every attempt would add nothing
    indices = itertools.count() if limit is None else iter(range(limit))
    tried = 0
    if workers <= 1:
        for i in indices:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                outcome = search.attempt(i, deadline)
            except DeductionError:
                continue
            tried += 1
            if outcome.clauses is not None:
                return outcome, tried
        return None, tried
    global _ACTIVE
    _ACTIVE = (search, deadline)
    pool = mp.get_context("fork").Pool(workers)
    try:
        # a bounded window of attempts in flight, taken back in order
        window: list[tuple[int, mp.pool.AsyncResult]] = []
        indices = iter(indices)
        exhausted = False
        while True:
            while not exhausted and len(window) < 2 * workers:
                if deadline is not None and time.monotonic() >= deadline:
                    exhausted = True
                    break
                nxt = next(indices, None)
                if nxt is None:
                    exhausted = True
                    break
                window.append((nxt, pool.apply_async(_attempt_in_worker, (nxt,))))
            if not window:
                return None, tried
            _, pending = window.pop(0)
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic()) + 2
            try:
                outcome = pending.get(timeout)
            except mp.TimeoutError:
                return None, tried
            tried += 1
            if outcome.clauses is not None:
                return outcome, tried
    finally:
        pool.terminate()
        pool.join()
        _ACTIVE = None
