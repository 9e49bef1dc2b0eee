"""Theorems of one premise set: figure-read facts dropped, auxiliary points necessary."""

from collections import Counter

import pytest

from deduction import Statement, holds, parse_problem, realise
from deduction.engine import solve_problem
from generate.geometry.records import build_record
from generate.geometry.sampler import Sampled
from generate.geometry.theorems import Limits, PremiseSet, restated, trivial


def premise_set(text: str, seed: int, **limits) -> tuple[PremiseSet, Counter]:
    problem = parse_problem(text)
    counts: Counter = Counter()
    ps = PremiseSet(
        Sampled(problem, realise(problem, seed=seed).points), seed, Limits(**limits), counts
    )
    assert ps.close()
    return ps, counts


def test_a_fact_true_on_one_branch_only_is_dropped():
    # the issue's example: c has two mirror places; cd is parallel to ae on one side only
    text = (
        "a b = segment a b; c = on_tline c a a b, on_circle c a b; "
        "d = s_angle b a d 30, on_circle d a b; e = s_angle b a e 60"
    )
    goal = Statement("para", ("c", "d", "a", "e"))
    seed = next(s for s in range(50) if holds(goal, realise(parse_problem(text), seed=s).points))
    ps, counts = premise_set(text, seed)
    assert ps.engine.holds(goal)  # the engine reads it off this figure...
    found = list(ps.theorems(lambda key: True))
    assert goal not in {f.goal for f in found}  # ...and the generator does not keep it
    assert counts["dropped_figure_dependent"] > 0
    for f in found:  # every kept theorem holds in every configuration of its clauses
        assert all(figure(f.goal) for figure in ps.figures(f.statement | f.aux))


# JGEX L053-1 with its auxiliary foot h. (A rectangle with its centre served here until AR
# carried ratio-table lengths into distance chasing: its theorems no longer need the centre.)
FEET = (
    "b c d = triangle b c d; e = foot e b c d; a = free a; f = foot f a c d;"
    " g = midpoint g b a; h = foot h g c d"
)


def test_auxiliary_points_are_each_necessary_and_the_statement_alone_fails():
    ps, _ = premise_set(FEET, 3, max_subclosures=50)
    records = [
        build_record(f, ps.graph, ps.sampled.points, 3, 0)
        for f in ps.theorems(lambda key: True)
        if f.aux
    ]
    assert records, "this premise set has a theorem that needs an auxiliary point"
    for record in records:
        statement = parse_problem(record.problem)
        with_aux = parse_problem(record.problem_with_aux)
        assert solve_problem(statement, timeout=30, auxiliary=False).status == "unsolved"
        assert solve_problem(with_aux, timeout=30, auxiliary=False).status == "solved"
        n = len(statement.clauses)
        for i in range(n, len(with_aux.clauses)):
            dropped = with_aux.clauses[i].points
            rest = [c for j, c in enumerate(with_aux.clauses) if j != i]
            if any(p in call.args for c in rest for call in c.constructions for p in dropped):
                continue  # another auxiliary clause is built on this one
            text = "; ".join(str(c) for c in rest) + f" ? {with_aux.goal}"
            result = solve_problem(parse_problem(text), timeout=30, auxiliary=False)
            assert result.status == "unsolved", (record.problem_with_aux, i)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("coll a b a", True),
        ("cong a b b a", True),
        ("para a b a b", True),
        ("eqangle a b c d a b c d", True),
        ("simtri a b c b c a", True),
        ("simtri a b c d e f", False),
        ("cong a b c d", False),
        ("eqangle a b c d e f g h", False),
    ],
)
def test_trivial_statements(text, expected):
    assert trivial(Statement.parse(text)) is expected


FALSE_IN_ANOTHER_CONFIGURATION = [
    (  # d is one of two intersections; the proof reads an internal/external bisector off it
        "a b c = r_triangle a b c; d = on_circle d b a, on_tline d c c a; e = nsquare e a d; "
        "f = incenter f c d a",
        "eqangle a c a d c f d e",
    ),
    (
        "a b c = risos a b c; d = foot d a c b; e = on_circle e d a; "
        "f = intersection_lp f c a b e a; g = on_line g c f; h = on_line h b g, on_bline h c g; "
        "i = orthocenter i f c h",
        "aconst a d h i 3/4",
    ),
]


@pytest.mark.parametrize("text,goal", FALSE_IN_ANOTHER_CONFIGURATION)
def test_the_issues_false_theorems_are_dropped(text, goal):
    problem = parse_problem(f"{text} ? {goal}")
    goal_st = problem.goal
    seed = next(s for s in range(40) if holds(goal_st, realise(problem, seed=s).points))
    ps, counts = premise_set(text, seed)
    mask = ps.graph.needs(goal_st.args[:-1] if goal_st.predicate == "aconst" else goal_st.args)
    figures = ps.figures(mask)
    assert any(figure(goal_st) for figure in figures)
    assert not all(figure(goal_st) for figure in figures)  # another configuration breaks it
    found = list(ps.theorems(lambda key: True))
    assert goal_st not in {f.goal for f in found}
    for f in found:
        assert all(figure(f.goal) for figure in ps.figures(f.statement | f.aux))


@pytest.mark.parametrize(
    "text,goal,expected",
    [  # a right angle spelled as an angle equal to its reverse
        ("a b c = r_triangle a b c", "eqangle a b a c a c a b", "perp a b a c"),
        # a parallel spelled as equal angles with one pair on one line
        (
            "a b c = triangle a b c; d = midpoint d a b; e = parallelogram a c b e",
            "eqangle a d a b b c a e",
            "para b c a e",
        ),
        # two parallels make equal (zero) angles: nothing of its own
        ("a b c = triangle a b c; d = parallelogram a b c d", "eqangle a b c d b c a d", None),
        ("a b c = triangle a b c; d = parallelogram a b c d", "eqangle a b b c c d a d", None),
        # base angles of an isosceles triangle: a statement of its own
        ("a b c = iso_triangle a b c", "eqangle b a b c c b c a", "eqangle b a b c c b c a"),
        # a ratio with one segment spelled twice: the other pair is equal
        ("a b c = iso_triangle a b c", "eqratio a b a c b c b c", "cong a b a c"),
    ],
)
def test_goals_are_stated_simply(text, goal, expected):
    problem = parse_problem(f"{text} ? {goal}")
    points = realise(problem, seed=1, check_goal=False).points
    got = restated(problem.goal, points)
    want = None if expected is None else parse_problem(f"{text} ? {expected}").goal
    assert got == want


def test_an_equation_of_two_proved_constants_is_dropped():
    # two midpoints of unrelated segments: ab/am = 2 = cd/cn says nothing the rconsts do not
    ps, counts = premise_set(
        "a b = segment a b; m = midpoint m a b; c d = segment c d; n = midpoint n c d", 0
    )
    goals = list(ps.theorems(lambda key: True))
    assert counts["dropped_constants"] > 0
    parts = ({"a", "b", "m"}, {"c", "d", "n"})
    for found in goals:  # no equation joins the two parts any more
        points = set(found.goal.args[:8])
        assert not all(points & part for part in parts), found.goal


def test_a_goal_one_clause_implies_is_dropped():
    # the midpoint's own consequences (ab = 2 am, m on ab) come from its clause alone; the
    # circumcentre's equal radii likewise: no theorem may rest on a single clause's statements
    ps, counts = premise_set("a b c = triangle a b c; m = midpoint m a b; o = circle o a b c", 0)
    goals = list(ps.theorems(lambda key: True))
    assert counts["dropped_one_clause"] > 0
    for found in goals:
        owners = {ps.graph.premise_clause[p] for p in found.proof.premises}
        assert len(owners) >= 2, found.goal
