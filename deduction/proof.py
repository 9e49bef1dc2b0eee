"""Proofs: the derivation DAG, traceback to a minimal proof, readable text, and a re-check.

Every statement the engine proves is a node with one `ProofStep` (its first derivation), a
hyper-edge from its premises labelled with a rule: r00..r42, "AR:angle"/"AR:ratio"/"AR:distance"
(algebraic chasing, including the transitive chains of the fact base's classes), "line"/"circle"
(points put on one line/circle by earlier coll/cyclic facts), "def:<pred>" (a definition unfolded
or folded: midp = coll + cong, circle = two congs, simtri = its angles, ...) or "premise".

`traceback(steps, goal)` walks the hyper-edges back from the goal: the steps it reaches are the
proof, the "premise" nodes among them its premise set. Since each node has exactly one
derivation, the traced proof uses each premise for a reason; `minimise_premises` goes further and
drops any premise whose removal still lets the closure prove the goal (deletion, one closure per
premise), so that removing any remaining premise breaks every proof the engine can find.

`recheck` verifies a proof step by step from scratch: a rule step must be an instance of its rule
(matched again on a fresh fact base holding only the step's premises, side conditions checked on
the coordinates), an AR or structural step must follow from its premises alone on a fresh base
with fresh chasers, and every conclusion must hold on the coordinates.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deduction.engine.chasing import Chasing
from deduction.engine.closure import conclusion_of
from deduction.engine.factbase import FactBase
from deduction.engine.folds import fold_circles
from deduction.engine.matcher import match
from deduction.rules import Rule, orientation_variants, rule_label
from deduction.types import ProofStep, Statement

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

PREMISE = "premise"


@dataclass(frozen=True, slots=True)
class Proof:
    """A traced proof: the goal, the premises it uses, its steps in dependency order."""

    goal: Statement
    premises: tuple[Statement, ...]
    steps: tuple[ProofStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "goal": str(self.goal),
            "premises": [str(p) for p in self.premises],
            "steps": [
                {
                    "conclusion": str(s.conclusion),
                    "rule": s.rule,
                    "premises": [str(p) for p in s.premises],
                }
                for s in self.steps
            ],
        }


def proof_graph(steps: Mapping[Statement, ProofStep]) -> nx.DiGraph:
    """The derivation DAG: statement nodes (attribute `step`), an edge from each premise to the
    conclusion it helps derive (attribute `rule`)."""
    import networkx as nx  # here, not at import: it is a third of the solver's start-up

    graph = nx.DiGraph()
    for st, step in steps.items():
        graph.add_node(st, step=step)
        for premise in step.premises:
            graph.add_edge(premise, st, rule=step.rule)
    return graph


def traceback(steps: Mapping[Statement, ProofStep], goal: Statement) -> Proof:
    """The steps the goal depends on (its ancestors in the proof DAG), premises first, each after
    the steps it uses; ties go by the statements' text, so a proof always reads the same."""
    if goal not in steps:
        raise KeyError(f"{goal} was not derived")
    needed: dict[Statement, ProofStep] = {}
    todo = [goal]
    while todo:
        st = todo.pop()
        if st in needed:
            continue
        needed[st] = steps[st]
        todo.extend(p for p in needed[st].premises if p not in needed)
    # Kahn's algorithm with a heap keyed by text: the lexicographic topological order
    waiting = {st: len(set(step.premises)) for st, step in needed.items()}
    users: dict[Statement, list[Statement]] = {}
    for st, step in needed.items():
        for premise in set(step.premises):
            users.setdefault(premise, []).append(st)
    ready = [(str(st), st) for st, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[ProofStep] = []
    while ready:
        _, st = heapq.heappop(ready)
        ordered.append(needed[st])
        for user in users.get(st, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (str(user), user))
    if len(ordered) != len(needed):
        raise ValueError(f"the derivation of {goal} has a cycle")
    premises = tuple(s.conclusion for s in ordered if s.rule == PREMISE)
    derived = tuple(s for s in ordered if s.rule != PREMISE)
    return Proof(goal, premises, derived)


def proof_text(proof: Proof) -> str:
    """Numbered lines: premises first, then each step with its rule (named: `r13 (isosceles
    triangle: equal base angles)`) and the numbers of the lines it uses."""
    number: dict[Statement, int] = {}
    lines = []
    for st in proof.premises:
        number[st] = len(number) + 1
        lines.append(f"{number[st]:3d}. {st}  [premise]")
    for step in proof.steps:
        number[step.conclusion] = len(number) + 1
        refs = ", ".join(str(number[p]) for p in step.premises)
        rule = rule_label(step.rule)
        lines.append(f"{number[step.conclusion]:3d}. {step.conclusion}  [{rule}; {refs}]")
    lines.append(f"goal: {proof.goal} (step {number[proof.goal]})")
    return "\n".join(lines)


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


def minimise_premises(
    premises: Sequence[Statement], proves: Callable[[Sequence[Statement]], bool]
) -> tuple[Statement, ...]:
    """Drop premises one at a time while `proves` (a closure run) still succeeds."""
    kept = list(premises)
    for st in list(premises):
        trial = [p for p in kept if p != st]
        if proves(trial):
            kept = trial
    return tuple(kept)
