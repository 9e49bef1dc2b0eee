"""Auxiliary points: the menu, placing a clause on a fixed figure, and proofs that need one."""

import pytest

from deduction.engine import solve_problem
from deduction.engine.auxiliary import candidates, fresh_name, placed
from deduction.errors import ConstructionError, DegenerateError
from deduction.numeric import extend, holds, realise
from deduction.problem import clause_statements, load_problems, parse_problem

JGEX = {p.name.rsplit("/", 1)[-1]: p for p in load_problems() if not hasattr(p, "message")}
TRIANGLE = "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b ? perp a d b c"


def _clause(problem_text: str, clause_text: str):
    return parse_problem(problem_text.split("?")[0] + "; " + clause_text, "t").clauses[-1]


def test_fresh_name_skips_used_names():
    assert fresh_name(("a", "b")) == "c"
    assert fresh_name(tuple("abcdefghijklmnopqrstuvwxyz")) == "x1"
    assert fresh_name(tuple("abcdefghijklmnopqrstuvwxyz") + ("x1",)) == "x2"


def test_extend_places_a_clause_without_moving_the_figure():
    problem = parse_problem(TRIANGLE, "t")
    points = realise(problem).points
    before = dict(points)
    clause = _clause(TRIANGLE, "e = foot e a b c")
    new = extend(points, clause, seed=3)
    assert set(new) == {"e"} and points == before
    figure = {**points, **new}
    assert all(holds(st, figure) for st in clause_statements(clause))


def test_extend_rejects_existing_names_and_degenerate_clauses():
    problem = parse_problem(TRIANGLE, "t")
    points = realise(problem).points
    with pytest.raises(ConstructionError, match="already exists"):
        extend(points, _clause(TRIANGLE, "e = midpoint e a b").__class__(("a",), ()), 0)
    # the foot of a on a line through a fails its precondition ncoll
    with pytest.raises(DegenerateError):
        extend(points, _clause(TRIANGLE, "e = foot e a a b"), 0)


def test_menu_is_deterministic_and_goal_points_come_first():
    problem = parse_problem(TRIANGLE, "t")
    menu = candidates(problem)
    assert [str(c) for c in menu] == [str(c) for c in candidates(problem)]
    assert menu[0].relevance == max(c.relevance for c in menu)
    assert {c.kind for c in menu} >= {"midpoint", "foot", "center", "intersection", "mirror"}
    assert all("e" in c.clause.points for c in menu)


def test_placed_drops_points_that_are_already_there():
    # d is the midpoint of a b: `midpoint e a b` would put e on d
    text = "a b c = triangle a b c; d = midpoint d a b ? para a b a d"
    problem = parse_problem(text, "t")
    points = realise(problem).points
    menu = candidates(problem)
    drawn = list(placed(points, menu))
    assert "e = midpoint e a b" in [str(c) for c in menu]
    assert "e = midpoint e a b" not in [str(c) for c, _ in drawn]
    assert len(drawn) > 20
    spots = [figure["e"] for _, figure in drawn]
    for i, (x, y) in enumerate(spots):  # every drawn point is new, and no two coincide
        others = list(points.values()) + spots[:i]
        assert min(abs(x - u) + abs(y - v) for u, v in others) > 1e-6


@pytest.mark.parametrize(
    "name",
    [
        "complete_007_7_Book_LLL_L058-9.gex",  # a parallel through d meeting a c
        "complete_010_Other_Auxiliary_aux2_22.gex",  # where two lines meet
        "complete_008_7_Book_LLL_L053-1.gex",  # a foot
    ],
)
def test_jgex_problem_needing_an_aux_point(name):
    problem = JGEX[name]
    assert solve_problem(problem, timeout=30, auxiliary=False).status == "unsolved"
    result = solve_problem(problem, timeout=30)
    assert result.status == "solved", result.message
    assert len(result.auxiliary) == 1


def test_second_points_name_the_first_and_keep_the_figure():
    from deduction.engine.auxiliary import _second_points, with_clause

    problem = parse_problem(TRIANGLE, "t")
    points = realise(problem).points
    first, figure = next(placed(points, candidates(problem)))
    extended = with_clause(problem, first.clause)
    new = first.clause.points[0]
    seconds = list(_second_points(first, extended, figure, [], [], []))
    assert len(seconds) > 10
    for ext2, figure2, _known, (c1, c2) in seconds:
        assert c1 == first.clause and ext2.clauses[-2:] == (c1, c2)
        assert any(new in call.args[1:] for call in c2.constructions)
        (second,) = c2.points
        assert second not in figure and set(figure2) == set(figure) | {second}
        assert all(figure2[p] == figure[p] for p in figure)  # nothing moves


@pytest.mark.slow
def test_jgex_problem_needing_two_aux_points():
    # E069-8: a parallelogram and an angle copy; no single menu point proves it
    result = solve_problem(JGEX["complete_014_7_Book_00EE_09_E069-8.gex"], timeout=55)
    assert result.status == "solved", result.message
    assert len(result.auxiliary) == 2


def test_with_clause_text_spells_the_new_clause():
    from deduction.engine.auxiliary import with_clause

    problem = parse_problem(TRIANGLE, "t")
    clause = _clause(TRIANGLE, "e = foot e a b c")
    extended = with_clause(problem, clause)
    assert extended.clauses[-1] == clause and extended.goal == problem.goal
    assert parse_problem(extended.text, "t").clauses == extended.clauses
