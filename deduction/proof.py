"""Proofs: the derivation DAG, traceback to a minimal proof, readable text.

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

This module is data and text only: it imports nothing of the engine, which imports it. The
step-by-step re-check of a proof runs the engine's parts and lives with them
(`deduction.engine.recheck`, exported as `deduction.recheck`).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deduction.rules import rule_label
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
