"""Every construction of defs.txt, realised numerically, satisfies its defining statements."""

import random

import pytest

from deduction.constructions import CONSTRUCTIONS
from deduction.numeric import holds, realise
from deduction.numeric.realise import sketch_clause
from deduction.numeric.sketches import SketchFailed
from deduction.problem import clause_statements, parse_problem

# Base figures for constructions whose preconditions free points would not satisfy.
BASES = {
    # The two lines cross at c on a chord, inside the circle, as in the JGEX problems.
    "2l1c": "o a = segment o a; b = on_circle b o a; d = on_circle d o a; c = on_line c b d",
    "e5128": "c b = segment c b; d = on_circle d c b; a = on_tline a b b c",
}
VALUES = {"y": "40"}  # s_angle's degrees


def _problem_text(name: str) -> str:
    cdef = CONSTRUCTIONS[name]
    args = [VALUES.get(a, a) if a in cdef.values else a for a in cdef.args]
    clause = f"{' '.join(cdef.points)} = {name} {' '.join(args)}"
    base = BASES.get(name)
    if base is None:
        given = [a for a in cdef.args if a not in cdef.points and a not in cdef.values]
        base = "; ".join(f"{p} = free {p}" for p in given)
    return f"{base}; {clause}" if base else clause


@pytest.mark.parametrize("name", sorted(CONSTRUCTIONS))
def test_realised_construction_satisfies_its_statements(name):
    problem = parse_problem(_problem_text(name), name)
    for seed in range(3):
        points = realise(problem, seed=seed).points
        for clause in problem.clauses:
            for statement in clause_statements(clause):
                assert holds(statement, points), (name, seed, str(statement))


@pytest.mark.parametrize("name", sorted(CONSTRUCTIONS))
def test_raw_sketches_satisfy_statements_without_any_filtering(name):
    # realise() redraws a figure whose statements fail; here nothing is redrawn, so a wrong
    # recipe cannot hide behind the retries.
    problem = parse_problem(_problem_text(name), name)
    *base, last = problem.clauses
    statements = clause_statements(last)
    points = realise(problem, seed=1).points
    existing = {p: points[p] for c in base for p in c.points}
    rng = random.Random(7)
    drawn = 0
    for _ in range(30):
        try:
            new = sketch_clause(last, existing, rng)
        except SketchFailed:
            continue
        drawn += 1
        trial = {**existing, **new}
        for statement in statements:
            assert holds(statement, trial), (name, str(statement), new)
    assert drawn >= 10


@pytest.mark.parametrize("name", sorted(CONSTRUCTIONS))
def test_perturbed_points_break_the_statements(name):
    problem = parse_problem(_problem_text(name), name)
    points = realise(problem, seed=2).points
    rng = random.Random(3)
    last = problem.clauses[-1]
    for moved in last.points:
        shaken = dict(points)
        x, y = points[moved]
        shaken[moved] = (x + rng.uniform(-1e-4, 1e-4), y + rng.uniform(-1e-4, 1e-4))
        for statement in clause_statements(last):
            if moved in statement.args:
                assert not holds(statement, shaken), (name, moved, str(statement))
