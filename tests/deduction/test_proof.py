"""The proof DAG, traceback order, proof text, and the re-check catching bad proofs."""

import dataclasses

import networkx as nx
import pytest

from deduction.engine import Engine
from deduction.problem import parse_problem
from deduction.proof import Proof, proof_graph, proof_text, traceback
from deduction.types import ProofStep, Statement

TEXT = (
    "a b c = triangle a b c; o = circle o a b c; h = midpoint h c b;"
    " d = on_line d o h, on_line d a b; e = on_tline e c c o, on_tline e a a o ? cyclic a o e d"
)


@pytest.fixture(scope="module")
def solved():
    problem = parse_problem(TEXT, "cyclic")
    engine = Engine(problem)
    assert engine.run(problem.goal, timeout=30)
    return engine, engine.proof(problem.goal)


def test_graph_is_a_dag_of_hyper_edges(solved):
    engine, _ = solved
    graph = proof_graph(engine.fb.steps)
    assert nx.is_directed_acyclic_graph(graph)
    for st, data in graph.nodes(data=True):
        step = data["step"]
        assert step.conclusion == st
        assert set(graph.predecessors(st)) == set(step.premises)


def test_traceback_orders_steps_after_their_premises(solved):
    engine, proof = solved
    known = set(proof.premises)
    assert known <= set(engine.premises)
    for step in proof.steps:
        assert set(step.premises) <= known
        known.add(step.conclusion)
    assert proof.steps[-1].conclusion == proof.goal
    rules = {s.rule for s in proof.steps}
    assert any(r.startswith("r") for r in rules)


def test_traceback_keeps_only_what_the_goal_uses(solved):
    engine, proof = solved
    assert len(proof.steps) < len(engine.fb.steps)
    again = traceback(engine.fb.steps, proof.goal)
    assert again == proof


def test_proof_text_numbers_steps_and_cites_premises(solved):
    _, proof = solved
    lines = proof_text(proof).splitlines()
    assert lines[0].startswith("  1. ") and "[premise]" in lines[0]
    assert lines[-1].startswith(f"goal: {proof.goal}")
    last = lines[-2]
    assert str(proof.goal) in last and "; " in last


def test_recheck_accepts_the_traced_proof(solved):
    engine, proof = solved
    assert engine.recheck(proof) == []


def _replace_step(proof: Proof, index: int, step: ProofStep) -> Proof:
    steps = list(proof.steps)
    steps[index] = step
    return dataclasses.replace(proof, steps=tuple(steps))


def test_recheck_rejects_a_step_missing_a_premise(solved):
    engine, proof = solved
    i = next(i for i, s in enumerate(proof.steps) if s.rule.startswith("r") and len(s.premises) > 1)
    step = proof.steps[i]
    broken = _replace_step(proof, i, dataclasses.replace(step, premises=step.premises[1:]))
    assert any(step.rule in p for p in engine.recheck(broken))


def test_recheck_rejects_a_wrong_rule_label(solved):
    engine, proof = solved
    i = next(i for i, s in enumerate(proof.steps) if s.rule.startswith("r"))
    step = proof.steps[i]
    other = "r06" if step.rule != "r06" else "r00"
    broken = _replace_step(proof, i, dataclasses.replace(step, rule=other))
    assert engine.recheck(broken)


def test_recheck_rejects_a_false_conclusion(solved):
    engine, proof = solved
    false = Statement.parse("perp a b a c")
    assert not engine.numeric(false)
    broken = _replace_step(proof, 0, ProofStep(false, "AR:angle", proof.steps[0].premises))
    assert any("false on the figure" in p for p in engine.recheck(broken))


def test_recheck_rejects_a_premise_the_problem_does_not_have(solved):
    engine, proof = solved
    extra = Statement.parse("cong a b a c")
    broken = dataclasses.replace(proof, premises=proof.premises + (extra,))
    assert any("not a premise" in p for p in engine.recheck(broken))
