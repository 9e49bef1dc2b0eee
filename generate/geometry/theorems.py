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
5. every step of the final proof must hold on every configuration of its statement and
   auxiliary clauses (`deduction.configurations`: each combination of which intersection,
   which side, the figure or its mirror image, at least `checks` figures; a proof that read a
   branch or an orientation off the one figure is dropped), and the
   proof must re-check step by step against the premises of its own clauses.

Counters name every reason a candidate is dropped; the shard's stats sum them. Only the
public surface of `deduction` is used: the names of its `__all__` and `Engine`'s methods.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from deduction import Engine, Proof, Statement, checker, configurations
from generate.geometry.canon import PremiseForm, digest, premise_form
from generate.geometry.sampler import Sampled
from generate.geometry.subproblem import ClauseGraph, Mask, point_args

logger = logging.getLogger(__name__)

# Relative tolerance of a numeric coincidence on the engine's figure (the realiser keeps
# points 1% of the figure apart, so true coincidences sit at rounding error).
TOLERANCE = 1e-7
TRIANGLES = frozenset({"simtri", "simtri2", "contri", "contri2"})
# Spellings of one direction or length class in the class facts: 1 gave 208 theorems per
# CPU-second on 30 premise sets, 2 gave 332, 3 gave 366 (each spelling a different statement).
SPELLINGS = 3
# Largest denominator of an angle (in multiples of pi) or a length ratio read as a constant.
CONSTANT_DENOMINATOR = 72
K = TypeVar("K")
T = TypeVar("T")


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
    max_goals: int = 1_000_000


class GoalCap:
    """How many more theorems one premise set may give (`Limits.max_goals`). One cap is shared
    by the premise set and its extensions, auxiliary theorems first, so a figure rich in
    constructions does not crowd out the others (one gave 178 auxiliary theorems from 7
    statements before the cap covered them)."""

    def __init__(self, n: int) -> None:
        self.left = n

    def take(self) -> None:
        self.left -= 1


def in_turn(groups: Mapping[K, Sequence[T]], order: Sequence[K]) -> Iterator[tuple[K, T]]:
    """The groups' items one group at a time in `order`, first items first: a capped premise
    set then still gives theorems of many statements."""
    for rank in range(max((len(g) for g in groups.values()), default=0)):
        for key in order:
            if rank < len(groups[key]):
                yield key, groups[key][rank]


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


def restated(goal: Statement, points: Mapping[str, tuple[float, float]]) -> Statement | None:
    """An `eqangle` or `eqratio` that says something simpler, stated simply; the goal itself
    when it does not; None when it says nothing of its own.

    `eqangle l1 l2 l3 l4` is l2 - l1 = l4 - l3 in directed angles, so it is also
    `eqangle l1 l3 l2 l4` (the canonical spelling may use either). When one pairing has both
    pairs parallel, it says one parallel follows from another: a pair on one line is no
    claim, a pair of distinct parallel lines is (`para`); two such pairs, or none, say nothing
    of their own. When l1 is parallel to l4 and l2 to l3, the angle equals its own reverse: a
    right angle (`perp l1 l2`). `eqratio` likewise with equal lengths (`cong`)."""
    if goal.predicate not in ("eqangle", "eqratio"):
        return goal
    seg = [goal.args[i : i + 2] for i in range(0, 8, 2)]
    xy = [(points[a], points[b]) for a, b in seg]
    angle = goal.predicate == "eqangle"
    if angle:
        d = [math.atan2(q[1] - p[1], q[0] - p[0]) % math.pi for p, q in xy]

        def alike(i: int, j: int) -> bool:
            turn = abs(d[i] - d[j]) % math.pi
            return min(turn, math.pi - turn) < TOLERANCE

        def claim(i: int, j: int) -> bool:  # distinct parallel lines, not one line
            (p, q), (r, _) = xy[i], xy[j]
            cross = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
            return abs(cross) > TOLERANCE * math.dist(p, q) * max(1.0, math.dist(p, r))

        simpler = "para"
    else:
        length = [math.dist(p, q) for p, q in xy]
        scale = max(length)

        def alike(i: int, j: int) -> bool:
            return abs(length[i] - length[j]) < TOLERANCE * scale

        def claim(i: int, j: int) -> bool:  # two segments, not one spelled twice
            return set(seg[i]) != set(seg[j])

        simpler = "cong"
    for (i, j), (k, m) in (((0, 1), (2, 3)), ((0, 2), (1, 3))):
        if alike(i, j) and alike(k, m):
            claims = [(x, y) for x, y in ((i, j), (k, m)) if claim(x, y)]
            if len(claims) != 1:
                return None
            x, y = claims[0]
            return Statement(simpler, seg[x] + seg[y])
    if alike(0, 3) and alike(1, 2):
        return Statement("perp" if angle else "cong", seg[0] + seg[1])
    return goal


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

    def __init__(
        self,
        sampled: Sampled,
        seed: int,
        limits: Limits,
        counts: Counter,
        base: PremiseSet | None = None,
    ) -> None:
        """`base`: the closed premise set this one extends by one last clause (an auxiliary
        construction, `generate.geometry.construct`). Its closure continues from the base's
        fixpoint, and only facts over the base's points that the base does not hold are
        candidates: each needs the new clause, and no clause set without it can prove one."""
        self.sampled = sampled
        self.seed = seed
        self.limits = limits
        self.counts = counts
        self.base = base
        self.graph = ClauseGraph(sampled.problem)
        known = base.engine.known_steps() if base is not None else ()
        self.engine: Engine = Engine(sampled.problem, points=sampled.points, known=known)
        self.forms: dict[Mask, PremiseForm] = {}
        self.closures: dict[Mask, Engine | None] = {}
        self._fresh: dict[Mask, list[Callable[[Statement], bool]] | None] = {}
        self._rechecked: dict = {}
        self._spent: dict[Mask, float] = {}

    def close(self) -> bool:
        """Close under DD+AR; False (and counted) when the closure ran out of time."""
        if not self.engine.close(timeout=self.limits.closure_timeout):
            self.counts["closure_timeouts"] += 1
            return False
        return True

    def theorems(
        self, unseen: Callable[[bytes], bool], cap: GoalCap | None = None
    ) -> Iterator[Found]:
        """Every checked theorem whose key `unseen` accepts (it is asked before costly work),
        while `cap` has room (a fresh `max_goals` cap when None; the generator shares one
        between a premise set and its extensions).

        Candidates whose traced proof stays inside their statement come first. The others
        wait, grouped by statement, because each group costs a sub-closure. Only groups where
        an auxiliary point appears in the conclusion of a rule step are worth one: on 40
        premise sets every auxiliary theorem that survived pruning had that shape, while
        groups without it all turned out provable from the statement alone, at ~70 theorems
        per CPU-second against ~160 for the rest of the pipeline; they are dropped
        (`dropped_aux_unlikely`). Groups with most candidates for the fewest points go first,
        while the sub-closure budget lasts."""
        goals = candidate_goals(self.engine)
        if self.base is not None:
            old, before = set(self.base.sampled.points), self.base.engine
            goals = [g for g in goals if old.issuperset(point_args(g)) and not before.holds(g)]
        self.counts["candidates"] += len(goals)
        waiting: dict[Mask, list[tuple[Statement, bytes, Mask, Proof]]] = {}
        plain: dict[Mask, list[tuple[Statement, bytes, Proof]]] = {}
        keys: set[bytes] = set()
        for goal in goals:
            goal = self._well_posed(goal)  # type: ignore[assignment]
            if goal is None:
                continue
            proof = self.engine.proof(goal)
            if len(proof.steps) < self.limits.min_steps:
                self.counts["dropped_short"] += 1
                continue
            if len({self.graph.premise_clause[p] for p in proof.premises}) < 2:
                # one construction's own consequence (a midpoint halves its segment, a
                # circumcentre is equidistant): the clause says it, whatever the proof's length
                self.counts["dropped_one_clause"] += 1
                continue
            statement = self.graph.needs(point_args(goal))
            aux = self.graph.needs_premises(proof.premises) & ~statement
            if self.limits.aux_only and not aux:
                self.counts["dropped_not_aux"] += 1
                continue
            key = digest(self.form(statement).key(goal))
            if key in keys:
                self.counts["dropped_duplicate"] += 1
                continue
            keys.add(key)
            if aux:
                waiting.setdefault(statement, []).append((goal, key, aux, proof))
            else:
                plain.setdefault(statement, []).append((goal, key, proof))
        cap = GoalCap(self.limits.max_goals) if cap is None else cap
        if self.base is not None:  # an extension gives only theorems its added point serves
            plain = {}
        for goal, key, proof, statement in self._spread(plain):
            if not cap.left:
                self.counts["dropped_goal_cap"] += 1
                continue
            if not unseen(key):
                self.counts["dropped_duplicate"] += 1
                continue
            found = self._checked(Found(key, goal, statement, 0, proof))
            if found is not None:
                cap.take()
                yield found
        for group in waiting.values():
            fresh = [item for item in group if unseen(item[1])]
            self.counts["dropped_duplicate"] += len(group) - len(fresh)
            group[:] = fresh
        likely = {m: g for m, g in waiting.items() if self.base is not None or self._likely(g)}
        self.counts["dropped_aux_unlikely"] += sum(
            len(g) for m, g in waiting.items() if m not in likely
        )
        by_yield = sorted(likely, key=lambda m: (-len(likely[m]) / len(self.graph.points(m)), m))
        for statement, (goal, key, aux, proof) in in_turn(likely, by_yield):
            if not cap.left:
                self.counts["dropped_goal_cap"] += 1
                continue
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
                cap.take()
                yield found

    @staticmethod
    def _spread(
        groups: dict[Mask, list[tuple[Statement, bytes, Proof]]],
    ) -> Iterator[tuple[Statement, bytes, Proof, Mask]]:
        """Candidates in the order the goal cap keeps them: one per statement in turn (the
        longest proof of each first), so a capped premise set still gives many figures."""
        queues = {
            m: sorted(g, key=lambda c: (-len(c[2].steps), str(c[0]))) for m, g in groups.items()
        }
        for mask, (goal, key, proof) in in_turn(queues, sorted(queues)):
            yield goal, key, proof, mask

    def _well_posed(self, goal: Statement) -> Statement | None:
        """The goal as a reader should see it, or None (counted) when it only restates a
        premise or a simpler fact: see `restated`."""
        if goal in self.graph.premise_clause:
            self.counts["dropped_definition"] += 1
            return None
        plain = restated(goal, self.engine.points)
        if plain is None:
            self.counts["dropped_restated"] += 1
            return None
        if plain != goal:
            if not self.engine.holds(plain) or plain in self.graph.premise_clause:
                self.counts["dropped_restated"] += 1
                return None
            self.counts["restated"] += 1
        if plain.predicate in ("eqangle", "eqratio") and self._two_constants(plain):
            self.counts["dropped_constants"] += 1
            return None
        return plain

    def _two_constants(self, goal: Statement) -> bool:
        """Does an `eqangle`/`eqratio` only equate two proved constants (AB/AI = 2 = FG/GH,
        often of two unrelated parts of the figure)? Those constants are theorems of their
        own; the equation adds nothing. Either pairing counts (see `restated`)."""
        seg = [goal.args[i : i + 2] for i in range(0, 8, 2)]
        xy = [(self.engine.points[a], self.engine.points[b]) for a, b in seg]
        angle = goal.predicate == "eqangle"

        def constant(i: int, j: int) -> bool:
            if angle:
                (p, q), (r, t) = xy[i], xy[j]
                turn = math.atan2(t[1] - r[1], t[0] - r[0]) - math.atan2(q[1] - p[1], q[0] - p[0])
                value = (turn / math.pi) % 1.0
            else:
                value = math.dist(*xy[i]) / math.dist(*xy[j])
            near = Fraction(value).limit_denominator(CONSTANT_DENOMINATOR)
            if near == 0 or abs(float(near) - value) > TOLERANCE * max(1.0, value):
                return False
            kind = "aconst" if angle else "rconst"
            return self.engine.holds(Statement.parse(f"{kind} {' '.join(seg[i] + seg[j])} {near}"))

        return any(
            constant(i, j) and constant(k, m)
            for (i, j), (k, m) in (((0, 1), (2, 3)), ((0, 2), (1, 3)))
        )

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
        if not self._holds_everywhere(found.proof, found.statement | found.aux):
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
        whole fixpoint; a "no" is only said at the fixpoint. On an extension, clauses without
        the added one are among the base's, whose fixpoint does not hold the goal: DD+AR is
        monotone in the premises on one figure, so their answer is "no" without a closure."""
        added = len(self.graph.clauses) - 1
        if self.base is not None and not mask >> added & 1:
            return False, None
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
    def figures(self, mask: Mask) -> list[Callable[[Statement], bool]] | None:
        """Numeric checkers on every configuration of the masked clauses
        (`deduction.configurations`: each combination of the choices they leave open, which
        of two intersections, which side, the figure or its mirror image, and at least
        `checks` figures in all); None when none could be drawn, so no theorem of it can be
        vouched for. Combinations that could not be drawn are counted."""
        if mask not in self._fresh:
            sub = self.graph.sub(mask).original
            found = configurations(sub, self.seed * 7919 + 1, draws=self.limits.checks)
            self.counts["configurations_unrealisable"] += len(found.unrealisable)
            if not found.figures:
                self._fresh[mask] = None
            else:
                self.counts["configurations"] += len(found.figures)
                self._fresh[mask] = [checker(points) for points in found.figures]
        return self._fresh[mask]

    def _holds_everywhere(self, proof: Proof, mask: Mask) -> bool:
        figures = self.figures(mask)
        if figures is None:
            self.counts["dropped_redraw_failed"] += 1
            return False
        facts = [proof.goal] + [step.conclusion for step in proof.steps]
        try:
            return all(figure(st) for figure in figures for st in facts)
        except KeyError:  # a step names a point outside its clauses: not a proof of them
            return False

    def _rechecks(self, proof: Proof, mask: Mask) -> bool:
        allowed = self.graph.premises_of(mask)
        return not self.engine.recheck(proof, allowed, cache=self._rechecked)
