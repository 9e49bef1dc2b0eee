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
from deduction.engine.folds import fold_circles, fold_midpoints
from deduction.engine.matcher import instantiate, match
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


class Closure:
    """Runs DD levels (and AR between them, when given) on one fact base."""

    def __init__(
        self,
        fb: FactBase,
        rules: Sequence[Rule],
        numeric: Callable[[Statement], bool],
        algebra: Callable[[FactBase], int] | None = None,
        since: int = -1,
    ) -> None:
        self.fb = fb
        self.rules = tuple(v for rule in rules for v in orientation_variants(rule))
        # semi-naive: the first level matches everything, unless the base was restored from a
        # fixpoint (then only what changed since tick `since`)
        self._since = since
        self.numeric = numeric
        self.algebra = algebra
        self.stats = ClosureStats()

    def dd_level(self, deadline: float | None = None) -> list[ProofStep]:
        """Match every rule; instances must use something changed since the last level."""
        fb, numeric = self.fb, self.numeric
        since = self._since
        # everything the base learns from here on is stamped newer than this matching
        fb.tick += 1
        self._since = fb.tick
        found: dict[Statement, ProofStep] = {}
        for rule in self.rules:
            for binding in match(rule, fb, numeric, since=since):
                st = conclusion_of(rule, binding, numeric)
                if st is None or st in found or fb.holds(st):
                    continue
                premises = tuple(fb.justify(instantiate(p, binding)) for p in rule.premises)
                found[st] = ProofStep(st, rule.name, premises)
                if deadline is not None and time.monotonic() > deadline:
                    return list(found.values())
        return list(found.values())

    def run(self, goal: Statement | None = None, timeout: float | None = None) -> bool:
        """Iterate to the fixpoint (or the goal, or the timeout); True if the goal is proved."""
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        fb = self.fb
        try:
            fold_midpoints(fb)
            fold_circles(fb)
            if self.algebra is not None:
                self.stats.ar_facts += self.algebra(fb)
            while True:
                if goal is not None and fb.holds(goal):
                    return True
                if deadline is not None and time.monotonic() > deadline:
                    return False
                steps = self.dd_level(deadline)
                added = 0
                for step in steps:
                    if fb.add(step):
                        added += 1
                        self.stats.per_rule[step.rule] = self.stats.per_rule.get(step.rule, 0) + 1
                added += fold_midpoints(fb) + fold_circles(fb)
                self.stats.dd_facts += added
                if self.algebra is not None:
                    ar = self.algebra(fb)
                    self.stats.ar_facts += ar
                    added += ar
                    prove = getattr(self.algebra, "prove", None)
                    if goal is not None and prove is not None and not fb.holds(goal):
                        prove(fb, goal)
                    last_resort = getattr(self.algebra, "last_resort", None)
                    if added == 0 and last_resort is not None:
                        added = last_resort(fb)  # too costly for every level
                        self.stats.ar_facts += added
                self.stats.levels += 1
                logger.debug("level %d: %d new facts", self.stats.levels, added)
                if added == 0:
                    self.stats.fixpoint = True
                    return goal is not None and fb.holds(goal)
        finally:
            self.stats.seconds = time.monotonic() - start
