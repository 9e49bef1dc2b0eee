"""The DD(+AR) fixpoint: apply every rule breadth-first until nothing new is proved.

One level matches every rule against the fact base as it stood at the start of the level,
collects the new conclusions (numerically checked: a conclusion false on the coordinates is
never derived), then adds them all; algebraic reasoning then runs on the enlarged base. Levels
repeat until a level adds nothing (the fixpoint), the goal is proved, or the deadline passes.
The fact base's classes make every level cost what the *proved* facts cost, not what all point
tuples would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from deduction.engine.factbase import FactBase
from deduction.engine.folds import fold_circles, fold_midpoints, fold_units
from deduction.engine.matcher import instantiate, match
from deduction.engine.triangles import TriangleMatcher
from deduction.rules import STARRED, Rule, orientation_variants
from deduction.types import ProofStep, Statement

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ClosureStats:
    levels: int = 0
    dd_facts: int = 0
    ar_facts: int = 0
    seconds: float = 0.0
    fixpoint: bool = False
    per_rule: dict[str, int] = field(default_factory=dict)


def conclusion_of(
    rule: Rule, binding: dict[str, str], numeric: Callable[[Statement], bool]
) -> Statement | None:
    """The rule's conclusion under a binding, with a starred orientation decided numerically;
    None if it is degenerate or false on the coordinates."""
    pattern = rule.conclusion
    names = STARRED.get(pattern.predicate, (pattern.predicate,))
    args = tuple(binding[v] for v in pattern.args)
    for name in names:
        try:
            st = Statement(name, args)
        except ValueError:
            return None
        if numeric(st):
            return st
    return None


# Conclusions of the triangle rules (r32-r40): the costliest to match by far (each joins two
# angle or ratio classes over six points), so each level tries them only after the other rules
# and algebra have had their say.
TRIANGLE_CONCLUSIONS = frozenset({"simtri", "simtri2", "contri", "contri2"})


class Closure:
    """Runs DD levels (and AR between them, when given) on one fact base.

    A level is two phases: the cheap rules, then (if the goal is still open) the triangle
    rules, each phase followed by the folds and algebra. Each phase is breadth-first and
    semi-naive on its own clock, so the fixpoint is the one a single phase would reach; a goal
    within reach of the cheap rules is proved without matching a triangle rule at that level.
    """

    def __init__(
        self,
        fb: FactBase,
        rules: Sequence[Rule],
        numeric: Callable[[Statement], bool],
        algebra: Callable[[FactBase], int] | None = None,
        since: int = -1,
        triangles: TriangleMatcher | None = None,
    ) -> None:
        """`triangles`: match the triangle rules from the figure's similar triangles
        (`deduction.engine.triangles`) instead of by the generic join."""
        self.fb = fb
        self.triangles = triangles
        variants = [v for rule in rules for v in orientation_variants(rule)]
        cheap = tuple(r for r in variants if r.conclusion.predicate not in TRIANGLE_CONCLUSIONS)
        costly = tuple(r for r in variants if r.conclusion.predicate in TRIANGLE_CONCLUSIONS)
        self.costly = costly
        self.phases = tuple(group for group in (cheap, costly) if group)
        # the phase the triangle matcher takes over (the last one, when there are such rules)
        self._triangle_phase = len(self.phases) - 1 if costly else None
        # semi-naive: the first level matches everything, unless the base was restored from a
        # fixpoint (then only what changed since tick `since`); one clock per phase
        self._since = [since] * len(self.phases)
        self.numeric = numeric
        self.algebra = algebra
        self.stats = ClosureStats()

    def dd_level(self, phase: int, deadline: float | None = None) -> list[ProofStep]:
        """Match one phase's rules; instances must use something changed since that phase
        last ran."""
        fb, numeric = self.fb, self.numeric
        since = self._since[phase]
        # everything the base learns from here on is stamped newer than this matching
        fb.tick += 1
        self._since[phase] = fb.tick
        found: dict[Statement, ProofStep] = {}
        rules = self.phases[phase]
        if self.triangles is not None and phase == self._triangle_phase:
            if not self._triangle_level(found, deadline):
                self._since[phase] = since
            return list(found.values())
        seen = 0
        for rule in rules:
            for binding in match(rule, fb, numeric, since=since):
                seen += 1
                # every few hundred bindings, found or not: a rule whose matches are all
                # known facts can run for seconds past the deadline between two new facts
                if deadline is not None and seen % 256 == 0 and time.monotonic() > deadline:
                    self._since[phase] = since  # unfinished: a later level matches it again
                    return list(found.values())
                st = conclusion_of(rule, binding, numeric)
                if st is None or st in found or fb.holds(st):
                    continue
                premises = tuple(fb.justify(instantiate(p, binding)) for p in rule.premises)
                found[st] = ProofStep(st, rule.name, premises)
        return list(found.values())

    def _triangle_level(self, found: dict[Statement, ProofStep], deadline: float | None) -> bool:
        """The triangle phase from the figure's similar pairs: a candidate whose conclusion is
        already known costs one lookup; the others, a check of the rule's premises. False when
        the deadline cut it short."""
        fb, numeric = self.fb, self.numeric
        assert self.triangles is not None
        seen = 0
        for rule in self.costly:
            for candidate in self.triangles.candidates(rule):
                seen += 1
                if deadline is not None and seen % 64 == 0 and time.monotonic() > deadline:
                    return False
                st = conclusion_of(rule, candidate, numeric)
                if st is None or st in found or fb.holds(st):
                    continue
                for binding in match(rule, fb, numeric, binding=candidate, collapse_lines=False):
                    premises = tuple(fb.justify(instantiate(p, binding)) for p in rule.premises)
                    found[st] = ProofStep(st, rule.name, premises)
                    break
        return True

    def _absorb(self, steps: list[ProofStep], goal: Statement | None) -> int:
        """Add a phase's conclusions, fold, chase; the number of new facts."""
        fb = self.fb
        added = 0
        for step in steps:
            if fb.add(step):
                added += 1
                self.stats.per_rule[step.rule] = self.stats.per_rule.get(step.rule, 0) + 1
        added += fold_units(fb) + fold_midpoints(fb) + fold_circles(fb)
        self.stats.dd_facts += added
        if self.algebra is not None:
            ar = self.algebra(fb)
            self.stats.ar_facts += ar
            added += ar
            prove = getattr(self.algebra, "prove", None)
            if goal is not None and prove is not None and not fb.holds(goal):
                prove(fb, goal)
        return added

    def run(
        self, goal: Statement | None = None, timeout: float | None = None, levels: int | None = None
    ) -> bool:
        """Iterate to the fixpoint (or the goal, the timeout, or `levels` more levels: a budget
        that, unlike a timeout, gives the same facts on any machine); True if the goal is
        proved."""
        start = time.monotonic()
        stop_level = None if levels is None else self.stats.levels + levels
        deadline = None if timeout is None else start + timeout
        fb = self.fb
        try:
            fold_units(fb)
            fold_midpoints(fb)
            fold_circles(fb)
            if self.algebra is not None:
                self.stats.ar_facts += self.algebra(fb)
            while True:
                added = 0
                for phase in range(len(self.phases)):
                    if goal is not None and fb.holds(goal):
                        return True
                    if deadline is not None and time.monotonic() > deadline:
                        return False
                    added += self._absorb(self.dd_level(phase, deadline), goal)
                last_resort = getattr(self.algebra, "last_resort", None)
                if added == 0 and last_resort is not None:
                    added = last_resort(fb)  # too costly for every level
                    self.stats.ar_facts += added
                self.stats.levels += 1
                logger.debug("level %d: %d new facts", self.stats.levels, added)
                if goal is not None and fb.holds(goal):
                    return True
                if added == 0:
                    self.stats.fixpoint = True
                    return False
                if stop_level is not None and self.stats.levels >= stop_level:
                    return False
        finally:
            self.stats.seconds = time.monotonic() - start
