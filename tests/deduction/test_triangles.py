"""The triangle rules matched from similar triangles agree with the generic join."""

import pytest

from deduction import load_problems, parse_problem, realise
from deduction.engine import Engine
from deduction.engine.triangles import similar_pairs

TRIANGLE_RULES = {f"r{i}" for i in range(32, 41)}
JGEX = [p for p in load_problems() if not hasattr(p, "message")]


def test_similar_pairs_finds_both_orientations():
    points = {"a": (0.0, 2.0), "b": (-1.0, 0.0), "c": (1.0, 0.0), "m": (0.0, 0.0), "x": (3.0, 1.7)}
    direct, mirrored = similar_pairs(points)
    assert (("a", "b", "m"), ("a", "c", "m")) in mirrored  # the isosceles halves, mirrored
    assert (("a", "b", "m"), ("a", "c", "m")) not in direct
    assert (("b", "a", "c"), ("c", "a", "b")) in mirrored
    assert all(s != t for s, t in direct + mirrored)
    assert not any("x" in s + t for s, t in direct + mirrored)  # x makes no similar triangle


def _goal_free(problem):
    return problem.__class__(problem.name, problem.clauses, None, problem.text)


# two closures of up to 30 s each: M021-64 takes 45-50 s of them on a loaded machine
@pytest.mark.timeout(150)
@pytest.mark.parametrize("problem", JGEX[:60:3], ids=lambda p: p.name.rsplit("/", 1)[-1])
def test_same_triangle_facts_as_the_generic_join(problem):
    problem = _goal_free(problem)
    points = realise(problem).points
    generic = Engine(problem, points=points, triangles=False)
    generic.close(timeout=30)
    figure = Engine(problem, points=points, triangles=True)
    figure.close(timeout=30)
    concluded = [st for st, s in generic.fb.steps.items() if s.rule in TRIANGLE_RULES]
    assert all(figure.fb.holds(st) for st in concluded)
    for st, step in figure.fb.steps.items():
        if step.rule in TRIANGLE_RULES:  # each new one is a sound instance of its rule
            assert figure.recheck(figure.proof(st)) == []


def test_a_generated_figure_needing_the_triangle_rules():
    problem = parse_problem("a b c = iso_triangle a b c; m = midpoint m b c")
    engine = Engine(problem, points=realise(problem).points)
    engine.close(timeout=30)
    facts = {str(st) for st, s in engine.fb.steps.items() if s.rule in TRIANGLE_RULES}
    assert "contri2 a b m a c m" in facts
