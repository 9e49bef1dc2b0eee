"""Auxiliary theorems by construction: needed points, statements DD+AR alone cannot prove."""

from collections import Counter

from deduction import Engine, Statement, candidates, parse_problem, realise
from generate.geometry.construct import constructed, open_facts, pick
from generate.geometry.sampler import Sampled
from generate.geometry.subproblem import point_args
from generate.geometry.theorems import GoalCap, Limits, PremiseSet

# found by the generator (points 6-9, seed 126): the circumcentre e of abd sees more than DD+AR
TEXT = (
    "a b c = triangle12 a b c; d = on_circle d a c, angle_mirror d c b a; "
    "e = circumcenter e a b d; f = on_circle f c b"
)


def closed(text: str, seed: int = 0) -> PremiseSet:
    problem = parse_problem(text)
    ps = PremiseSet(
        Sampled(problem, realise(problem, seed=seed).points), seed, Limits(aux_only=True), Counter()
    )
    assert ps.close()
    return ps


def proves(clauses, points, goal: Statement) -> bool:
    problem = parse_problem("; ".join(str(c) for c in clauses))
    engine = Engine(problem, points={p: points[p] for p in problem.points})
    engine.close(timeout=60)
    return engine.holds(goal)


def test_open_facts_are_true_and_unproved():
    ps = closed(TEXT)
    facts = open_facts(ps.engine, list(ps.sampled.points))
    assert facts
    for st in facts:
        assert ps.engine.holds_on_figure(st) and not ps.engine.holds(st)


def test_a_constructed_theorem_needs_each_auxiliary_clause_and_its_statement_alone_fails():
    ps = closed(TEXT)
    made = list(constructed(ps, lambda key: True, k=4, levels=3))
    assert len(made) >= 5
    for ext, found in made[:5]:
        graph, points = ext.graph, ext.sampled.points
        assert found.aux and set(point_args(found.goal)) <= set(ps.sampled.points)
        statement = [graph.clauses[i] for i in graph.indices(found.statement)]
        aux = [graph.clauses[i] for i in graph.indices(found.aux)]
        assert not proves(statement, points, found.goal)
        assert proves(statement + aux, points, found.goal)
        for drop in aux:
            rest = [c for c in aux if c is not drop and not set(drop.points) & _uses(c)]
            assert not proves(statement + rest, points, found.goal), drop


def _uses(clause) -> set[str]:
    return {a for call in clause.constructions for a in call.args}


def test_the_best_of_each_kind_comes_first():
    ps = closed(TEXT)
    ranked = candidates(ps.sampled.problem, ps.sampled.points, limit=60)
    chosen = pick(ranked, 4)
    kinds = [c.kind for c in chosen]
    assert len(set(kinds)) == min(4, len({c.kind for c in ranked}))
    assert chosen[0] == ranked[0]


def test_constructions_are_deterministic():
    first = [str(f.goal) for _, f in constructed(closed(TEXT), lambda key: True, k=2, levels=3)]
    again = [str(f.goal) for _, f in constructed(closed(TEXT), lambda key: True, k=2, levels=3)]
    assert first == again and first


def test_one_cap_bounds_the_auxiliary_theorems_of_a_premise_set_across_statements():
    ps = closed(TEXT)
    free = [f for _, f in constructed(ps, lambda key: True, k=4, levels=3)]
    cap = GoalCap(3)
    capped = [f for _, f in constructed(closed(TEXT), lambda key: True, k=4, levels=3, cap=cap)]
    assert len(free) > 3 and len(capped) == 3 and cap.left == 0
    # taken one statement at a time: the capped theorems come from as many statements as can
    assert len({f.statement for f in capped}) == min(3, len({f.statement for f in free}))
