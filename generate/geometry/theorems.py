"""From one closed premise set to its theorems: candidates, statements, auxiliary points, checks.

A premise set closed under DD+AR holds far more than its derived nodes: every pair of
segments in a length class is a `cong`, every two keys of an angle class an `eqangle`, every
three points of a line a `coll`. `candidate_goals` lists the nodes and those class facts
(`Engine.derived` and `Engine.implied`, each class spelled by up to SPELLINGS of its lines or
segments). Each candidate then becomes a theorem:

1. its proof is traced back (`Engine.proof`); fewer than `min_steps` steps is a restatement
   and dropped;
2. its statement keeps the clauses its goal's points are built from; the clauses the proof
   needs beyond those are its auxiliary construction (AlphaGeometry's definition);
3. the statement is canonised and looked up in the dedup filter before any costly work;
4. auxiliary clauses are pruned greedily in reverse construction order (AlphaGeometry2): a
   clause goes when DD+AR still proves the goal without it, each test a closure of the smaller
   premise set on the same figure (goal-directed, resumed per goal, cached by clause mask,
   `max_subclosures` a premise set); when the statement alone proves the goal, the theorem has
   no auxiliary point after all. Only candidates shaped like a true auxiliary theorem get
   this far (see `theorems`);
5. every step of the final proof must hold on `checks` fresh realisations of the premise set
   (a proof that read a branch or an orientation off the one figure is dropped), and the
   proof must re-check step by step against the premises of its own clauses.

Counters name every reason a candidate is dropped; the shard's stats sum them. Only the
public surface of `deduction` is used: the names of its `__all__` and `Engine`'s methods.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from deduction import DeductionError, Engine, Proof, Statement, checker, realise
from generate.geometry.canon import PremiseForm, digest, premise_form
from generate.geometry.sampler import Sampled
from generate.geometry.subproblem import ClauseGraph, Mask, point_args

logger = logging.getLogger(__name__)

TRIANGLES = frozenset({"simtri", "simtri2", "contri", "contri2"})
# Spellings of one direction or length class in the class facts: 1 gave 208 theorems per
# CPU-second on 30 premise sets, 2 gave 332, 3 gave 366 (each spelling a different statement).
SPELLINGS = 3


@dataclass(frozen=True, slots=True)
class Found:
    """A theorem of one premise set, checked, in the premise set's own point names."""

    key: bytes  # digest of the canonical statement
    goal: Statement
    statement: Mask  # the clauses the goal's points need
    aux: Mask  # the auxiliary clauses the proof needs beyond them (0: none)
    proof: Proof


@dataclass(frozen=True, slots=True)
class Limits:
    """What a premise set may cost (from the generator's config)."""

    min_steps: int = 2
    aux_only: bool = False
    checks: int = 3
    max_subclosures: int = 8
    closure_timeout: float = 20.0


def trivial(st: Statement) -> bool:
    """True by its spelling alone: a repeated point where two are needed, a pair equal to
    itself, a triangle similar to itself. Such facts are proof steps, never theorems."""
    pred, args = st.predicate, point_args(st)
    if pred in ("coll", "ncoll"):  # canonical: a set, so a repeat shows as too few points
        return len(set(args)) < 3
    if pred == "cyclic":
        return len(set(args)) < 4
    if pred in TRIANGLES:
        return set(args[:3]) == set(args[3:]) or len(set(args[:3])) < 3 or len(set(args[3:])) < 3
    if pred in ("para", "perp", "cong", "eqangle", "eqratio"):
        pairs = [tuple(sorted(args[i : i + 2])) for i in range(0, len(args), 2)]
        if any(a == b for a, b in pairs):
            return True
        if len(pairs) == 2:
            return pairs[0] == pairs[1]
        p1, p2, p3, p4 = pairs
        return p1 == p2 or p3 == p4 or (p1 == p3 and p2 == p4)
    return False


def candidate_goals(engine: Engine) -> list[Statement]:
    """Derived nodes (in derivation order), then the facts their classes imply (sorted); no
    numeric side condition, nothing trivial. The class facts are every congruent pair of a
    length class, every parallel pair of lines, and every two keys of an angle or ratio class
    (or a key and its constant: perp, aconst, rconst), each class spelled by a few of its
    lines or segments (SPELLINGS), plus three points of a line and four of a circle."""
    goals = engine.derived() + engine.implied(SPELLINGS)
    return [st for st in goals if not trivial(st)]


class PremiseSet:
    """One sampled premise set, closed, and everything its theorems share: the clause graph,
    canonical forms by statement mask, sub-closures by clause mask, fresh figures, re-checks."""

    def __init__(self, sampled: Sampled, seed: int, limits: Limits, counts: Counter) -> None:
        self.sampled = sampled
        self.seed = seed
        self.limits = limits
        self.counts = counts
        self.graph = ClauseGraph(sampled.problem)
        self.engine = Engine(sampled.problem, points=sampled.points)
        self.forms: dict[Mask, PremiseForm] = {}
        self.closures: dict[Mask, Engine | None] = {}
        self._fresh: list[Callable[[Statement], bool]] | None = None
        self._rechecked: dict = {}
        self._spent: dict[Mask, float] = {}

    def close(self) -> bool:
        """Close under DD+AR; False (and counted) when the closure ran out of time."""
        if not self.engine.close(timeout=self.limits.closure_timeout):
            self.counts["closure_timeouts"] += 1
            return False
        return True

    def theorems(self, unseen: Callable[[bytes], bool]) -> Iterator[Found]:
        """Every checked theorem whose key `unseen` accepts (it is asked before costly work).

        Candidates whose traced proof stays inside their statement come first. The others
        wait, grouped by statement, because each group costs a sub-closure. Only groups where
        an auxiliary point appears in the conclusion of a rule step are worth one: on 40
        premise sets every auxiliary theorem that survived pruning had that shape, while
        groups without it all turned out provable from the statement alone, at ~70 theorems
        per CPU-second against ~160 for the rest of the pipeline; they are dropped
        (`dropped_aux_unlikely`). Groups with most candidates for the fewest points go first,
        while the sub-closure budget lasts."""
        goals = candidate_goals(self.engine)
        self.counts["candidates"] += len(goals)
        waiting: dict[Mask, list[tuple[Statement, bytes, Mask, Proof]]] = {}
        for goal in goals:
            proof = self.engine.proof(goal)
            if len(proof.steps) < self.limits.min_steps:
                self.counts["dropped_short"] += 1
                continue
            statement = self.graph.needs(point_args(goal))
            aux = self.graph.needs_premises(proof.premises) & ~statement
            if self.limits.aux_only and not aux:
                self.counts["dropped_not_aux"] += 1
                continue
            key = digest(self.form(statement).key(goal))
            if not unseen(key):
                self.counts["dropped_duplicate"] += 1
                continue
            if aux:
                waiting.setdefault(statement, []).append((goal, key, aux, proof))
                continue
            found = self._checked(Found(key, goal, statement, 0, proof))
            if found is not None:
                yield found
        likely = {m: g for m, g in waiting.items() if self._likely(g)}
        self.counts["dropped_aux_unlikely"] += sum(
            len(g) for m, g in waiting.items() if m not in likely
        )
        by_yield = sorted(likely, key=lambda m: (-len(likely[m]) / len(self.graph.points(m)), m))
        for statement in by_yield:
            for goal, key, aux, proof in likely[statement]:
                pruned = self._prune(goal, statement, aux, proof)
                if pruned is None:
                    continue
                aux, proof = pruned
                if self.limits.aux_only and not aux:
                    self.counts["dropped_not_aux"] += 1
                    continue
                if len(proof.steps) < self.limits.min_steps:
                    self.counts["dropped_short"] += 1
                    continue
                found = self._checked(Found(key, goal, statement, aux, proof))
                if found is not None:
                    yield found

    def _likely(self, group: list[tuple[Statement, bytes, Mask, Proof]]) -> bool:
        """Does an auxiliary point of some candidate appear in a rule step's conclusion?"""
        for _, _, aux, proof in group:
            points = set(self.graph.points(aux))
            for step in proof.steps:
                if step.rule.startswith("r") and not points.isdisjoint(point_args(step.conclusion)):
                    return True
        return False

    def _checked(self, found: Found) -> Found | None:
        """The theorem if its proof holds on fresh figures and re-checks, else None (counted)."""
        if not self._holds_everywhere(found.proof):
            self.counts["dropped_figure_dependent"] += 1
            return None
        if not self._rechecks(found.proof, found.statement | found.aux):
            self.counts["dropped_recheck"] += 1
            logger.warning("proof of %s failed re-check in %s", found.goal, self.sampled.problem)
            return None
        return found

    def form(self, mask: Mask) -> PremiseForm:
        form = self.forms.get(mask)
        if form is None:
            form = premise_form(self.graph.points(mask), self.graph.premises_of(mask))
            self.counts["canon_capped"] += form.capped
            self.forms[mask] = form
        return form

    # ---------------------------------------------------------------- auxiliary points
    def closure(self, mask: Mask) -> Engine | None:
        """An engine on the masked clauses and the same figure, closed only as far as the
        goals asked of it so far needed (`_verdict`); None past the budget."""
        if mask in self.closures:
            return self.closures[mask]
        engine: Engine | None = None
        if len(self.closures) >= self.limits.max_subclosures:
            self.counts["subclosure_budget"] += 1
        else:
            sub = self.graph.sub(mask).original
            points = {p: self.sampled.points[p] for p in sub.points}
            engine = Engine(sub, points=points)
            self.counts["subclosures"] += 1
        self.closures[mask] = engine
        return engine

    def _verdict(self, mask: Mask, goal: Statement) -> tuple[bool | None, Engine | None]:
        """(True, its engine) if the masked clauses prove the goal under DD+AR, (False, None)
        if their fixpoint does not hold it, (None, None) past the budget or out of time.

        The engine runs goal-directed and is resumed for the next goal (the closure keeps its
        semi-naive clocks), so a sub-problem whose goals all fall early never pays for its
        whole fixpoint; a "no" is only said at the fixpoint."""
        engine = self.closure(mask)
        if engine is None:
            return None, None
        if engine.holds(goal):
            return True, engine
        if not engine.fixpoint:
            spent = self._spent.get(mask, 0.0)
            left = self.limits.closure_timeout - spent
            start = time.monotonic()  # the engine's deadlines are wall-clock too
            proved = left > 0 and engine.run(goal, timeout=left)
            used = time.monotonic() - start
            self._spent[mask] = spent + used
            self.counts["subclosure_ms"] += int(1000 * used)
            if proved:
                return True, engine
            if not engine.fixpoint:
                self.counts["subclosure_timeouts"] += 1
                self.closures[mask] = None
                return None, None
        return False, None

    def _prune(
        self, goal: Statement, statement: Mask, aux: Mask, proof: Proof
    ) -> tuple[Mask, Proof] | None:
        """Greedy pruning of the auxiliary clauses in reverse construction order; None (and
        counted) when a needed closure is past the budget or out of time."""
        proves, prover = self._verdict(statement, goal)
        if proves is None:
            self.counts["dropped_aux_budget"] += 1
            return None
        if prover is not None:
            return 0, prover.proof(goal)
        kept = statement | aux
        for i in reversed(self.graph.indices(aux)):
            trial = kept & ~(1 << i)
            if any(self.graph.ancestors[j] >> i & 1 for j in self.graph.indices(trial)):
                continue  # a kept clause is built on this one
            proves, engine = self._verdict(trial, goal)
            if proves is None:
                self.counts["dropped_aux_budget"] += 1
                return None
            if engine is not None:
                kept, prover = trial, engine
        if prover is not None:
            proof = prover.proof(goal)
        return kept & ~statement, proof

    # ---------------------------------------------------------------- checks
    def fresh(self) -> list[Callable[[Statement], bool]] | None:
        """Numeric checkers on `checks` fresh realisations of the premise set (None if it could
        not be drawn again: then no theorem of it can be vouched for)."""
        if self._fresh is None:
            figures: list[Callable[[Statement], bool]] = []
            for k in range(self.limits.checks):
                try:
                    points = realise(self.sampled.problem, self.seed * 7919 + k + 1, 50).points
                except DeductionError:
                    self.counts["dropped_redraw_failed"] += 1
                    return None
                figures.append(checker(points))
            self._fresh = figures
        return self._fresh

    def _holds_everywhere(self, proof: Proof) -> bool:
        figures = self.fresh()
        if figures is None:
            return False
        facts = [proof.goal] + [step.conclusion for step in proof.steps]
        return all(figure(st) for figure in figures for st in facts)

    def _rechecks(self, proof: Proof, mask: Mask) -> bool:
        allowed = self.graph.premises_of(mask)
        return not self.engine.recheck(proof, allowed, cache=self._rechecked)
