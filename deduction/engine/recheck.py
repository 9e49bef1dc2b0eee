"""Re-check a traced proof step by step from scratch, sharing nothing with the run that found it.

A rule step must be an instance of its rule (matched again on a fresh fact base holding only
the step's premises, side conditions checked on the coordinates), an AR or structural step
must follow from its premises alone on a fresh base with fresh chasers, and every conclusion
must hold on the coordinates. It lives in the engine package because it runs the engine's
parts (fact base, matcher, chasers, folds) on each step; `deduction.proof` stays data, traceback
and text, so the engine can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from deduction.engine.chasing import Chasing
from deduction.engine.closure import conclusion_of
from deduction.engine.factbase import FactBase
from deduction.engine.folds import fold_circles
from deduction.engine.matcher import match
from deduction.proof import PREMISE, Proof
from deduction.rules import Rule, orientation_variants
from deduction.types import ProofStep, Statement


def _fresh_base(premises: Iterable[Statement], numeric: Callable[[Statement], bool]) -> FactBase:
    fb = FactBase(numeric)
    for st in premises:
        fb.add(ProofStep(st, PREMISE, ()))
    return fb


def check_step(
    step: ProofStep,
    points: Mapping[str, Any],
    numeric: Callable[[Statement], bool],
    rules: Mapping[str, Sequence[Rule]],
) -> str | None:
    """None if the step is sound, else the reason it is not."""
    if not numeric(step.conclusion):
        return "conclusion is false on the figure"
    fb = _fresh_base(step.premises, numeric)
    if step.rule in rules:
        for rule in rules[step.rule]:
            # since=0 makes every premise the driver in turn, as in the engine's semi-naive
            # levels, so instances whose variables share points are found in the same way
            for binding in match(rule, fb, numeric, collapse_lines=False, since=0):
                if conclusion_of(rule, binding, numeric) == step.conclusion:
                    return None
        return f"not an instance of {rules[step.rule][0]}"
    if step.rule.startswith("AR:"):
        chasing = Chasing(points, numeric)
        chasing(fb)
        if step.rule == "AR:angle" and not fb.holds(step.conclusion):
            chasing.last_resort(fb)
        if not fb.holds(step.conclusion):
            # derive() reports facts between class representatives, which on this smaller
            # system may be other segments than the step names: ask for the step itself
            chasing.prove(fb, step.conclusion)
    if step.rule == "circle":
        fold_circles(fb)
    if fb.holds(step.conclusion):
        return None
    return f"does not follow from its premises by {step.rule}"


def recheck(
    proof: Proof,
    points: Mapping[str, Any],
    numeric: Callable[[Statement], bool],
    rules: Sequence[Rule],
    allowed_premises: Iterable[Statement] | None = None,
    cache: dict[ProofStep, str | None] | None = None,
) -> list[str]:
    """Problems found re-checking every step (empty when the proof is sound).

    `cache` remembers each step's verdict across calls on the same figure: the theorems of one
    closure share most of their steps, and a generator re-checks every one of them."""
    by_name: dict[str, list[Rule]] = {}
    for rule in rules:
        by_name.setdefault(rule.name, []).extend(orientation_variants(rule))
    problems = []
    if allowed_premises is not None:
        allowed = set(allowed_premises)
        problems += [
            f"{p}: not a premise of the problem" for p in proof.premises if p not in allowed
        ]
    known = set(proof.premises)
    for step in proof.steps:
        missing = [p for p in step.premises if p not in known]
        if missing:
            problems.append(f"{step.conclusion}: uses {missing[0]} before it is derived")
        if cache is not None and step in cache:
            reason = cache[step]
        else:
            reason = check_step(step, points, numeric, by_name)
            if cache is not None:
                cache[step] = reason
        if reason is not None:
            problems.append(f"{step.conclusion} [{step.rule}]: {reason}")
        known.add(step.conclusion)
    if proof.goal not in known:
        problems.append(f"goal {proof.goal} is not derived")
    return problems
