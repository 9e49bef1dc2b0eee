"""One generic matcher for every rule of rules.txt.

A rule is matched by a backtracking join over its premises: at each step the premise with the
most bound variables is taken next, and a per-predicate generator (`deduction.engine.generators`)
extends the binding with every assignment that makes the premise a proved fact. The join order
depends only on the rule, the driver and the variables bound, so it is compiled once (`_plan`).
Side conditions (`ncoll`, `npara`, `sameside`, ...) are checked on the coordinates as soon as
their variables are bound.

Semi-naive matching: with `since`, one premise (the driver, each in turn) is restricted to
objects that changed at or after tick `since`; an instance whose premises all lie in unchanged
objects was already found at an earlier level. So a level costs what changed, not what is known.

Line-only pairs: a variable pair that only ever names a line (see `line_only_pairs`) is bound
to one representative pair per line, since any other choice states the same facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from deduction.engine.factbase import FactBase
from deduction.engine.generators import GENERATORS, LINE_SLOTS, Binding, LineOnly, var_pairs
from deduction.rules import Pattern, Rule
from deduction.types import Statement

# Cheap, selective generators first when two premises are equally bound.
_COST = {"coll": 0, "midp": 0, "cyclic": 1, "circle": 2, "cong": 2, "para": 3, "perp": 3}


def instantiate(pattern: Pattern, binding: Binding) -> Statement:
    return Statement(pattern.predicate, tuple(binding[v] for v in pattern.args))


def line_only_pairs(rule: Rule) -> LineOnly:
    """Variable pairs that only ever stand for a line: each of their variables occurs only in
    that pair, in line slots (para/perp/eqangle) of premises and conclusion."""
    patterns = rule.premises + (rule.conclusion,)
    uses: dict[str, int] = {}
    for pattern in patterns:
        for v in pattern.args:
            uses[v] = uses.get(v, 0) + 1
    slots: dict[tuple[str, str], int] = {}
    for pattern in patterns:
        if pattern.predicate in LINE_SLOTS:
            for vp in var_pairs(pattern.args):
                slots[vp] = slots.get(vp, 0) + 1
    return frozenset(
        (x, y) for (x, y), n in slots.items() if x != y and uses[x] == n and uses[y] == n
    )


def match(
    rule: Rule,
    fb: FactBase,
    numeric: Callable[[Statement], bool],
    binding: Binding | None = None,
    collapse_lines: bool = True,
    since: int = -1,
) -> Iterator[Binding]:
    """Every binding of the rule's variables under which all premises are proved facts and all
    side conditions hold numerically. With `collapse_lines`, line-only pairs take one
    representative per line; with `since` >= 0, only instances with a premise in an object
    changed at or after that tick (each premise is the driver in turn; repeats are possible)."""
    lo = line_only_pairs(rule) if collapse_lines else frozenset()
    start = dict(binding or {})
    if since < 0:
        first, steps = _plan(rule, None, frozenset(start))
        if _sides_hold(fb, first, start):
            yield from _run(steps, 0, fb, start, lo)
        return
    for i, driver in enumerate(rule.premises):
        first, steps = _plan(rule, i, frozenset(start))
        for nb in GENERATORS[driver.predicate](fb, driver.args, start, lo, since):
            if _sides_hold(fb, first, nb):
                yield from _run(steps, 0, fb, nb, lo)


class _Step(NamedTuple):
    """One premise of a join plan: `bound` if all its variables are bound when it is reached (a
    membership test, not a generator), `sides` the side conditions it completes."""

    pattern: Pattern
    bound: bool
    sides: tuple[Pattern, ...]


Plan = tuple[tuple[Pattern, ...], tuple[_Step, ...]]
_PLANS: dict[tuple[int, int | None, frozenset[str]], tuple[Rule, Plan]] = {}
# Plans are keyed by rule identity (hashing a rule on every match costs more than planning).
# The bundled rules and their variants are made once per process, so the table stays small; a
# caller that builds rules afresh for every engine would fill it, hence the bound.
_MAX_PLANS = 20_000


def _plan(rule: Rule, driver: int | None, bound: frozenset[str]) -> Plan:
    """The join order for a rule, a driver premise (matched first) and the variables bound
    before it: the side conditions to check once the driver is matched, then the premises in
    order, each the most bound of those left, then the cheapest. Every generator binds all of
    its premise's variables, so the order depends only on these three and is computed once."""
    key = (id(rule), driver, bound)
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is rule:
        return cached[1]
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    todo = list(rule.premises)
    known = set(bound)
    if driver is not None:
        known.update(todo.pop(driver).args)
    sides = list(rule.side_conditions)

    def ready() -> tuple[Pattern, ...]:
        done = tuple(s for s in sides if all(v in known for v in s.args))
        for s in done:
            sides.remove(s)
        return done

    first = ready()
    steps = []
    while todo:
        best = max(
            range(len(todo)),
            key=lambda i: (
                sum(v in known for v in todo[i].args) / len(todo[i].args),
                -_COST.get(todo[i].predicate, 5),
            ),
        )
        pattern = todo.pop(best)
        full = all(v in known for v in pattern.args)
        known.update(pattern.args)
        steps.append(_Step(pattern, full, ready()))
    plan = (first, tuple(steps))
    _PLANS[key] = (rule, plan)
    return plan


def _sides_hold(fb: FactBase, sides: tuple[Pattern, ...], binding: Binding) -> bool:
    for side in sides:
        if not fb.numeric_raw(side.predicate, tuple(binding[v] for v in side.args)):
            return False
    return True


def _run(
    steps: tuple[_Step, ...], k: int, fb: FactBase, binding: Binding, lo: LineOnly
) -> Iterator[Binding]:
    if k == len(steps):
        yield binding
        return
    step = steps[k]
    pattern = step.pattern
    if step.bound:
        if fb.holds_raw(pattern.predicate, tuple(binding[v] for v in pattern.args)):
            yield from _run(steps, k + 1, fb, binding, lo)
        return
    sides = step.sides
    for nb in GENERATORS[pattern.predicate](fb, pattern.args, binding, lo, -1):
        if not sides or _sides_hold(fb, sides, nb):
            yield from _run(steps, k + 1, fb, nb, lo)
