"""English statements: every construction and goal predicate has a template that names each of
its arguments, typical problems read as expected, and all of JGEX-AG-231 renders."""

from __future__ import annotations

from string import Formatter

import pytest

from deduction import (
    CONSTRUCTIONS,
    Clause,
    ConstructionCall,
    Problem,
    ProblemLoadError,
    Statement,
    load_problems,
    parse_problem,
)
from deduction.types import CANONICAL
from generate.geometry.language import (
    CONSTRUCTION_TEMPLATES,
    GOAL_TEMPLATES,
    describe,
    describe_goal,
)

SIDE_CONDITIONS = {"ncoll", "npara", "nperp", "diff", "sameside"}


def _signatures(table: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {key.split()[0]: tuple(key.split()[1:]) for key in table}


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field is not None}


def test_every_construction_has_a_template() -> None:
    names = _signatures(CONSTRUCTION_TEMPLATES)
    assert len(names) == len(CONSTRUCTION_TEMPLATES), "a construction is listed twice"
    assert set(names) == set(CONSTRUCTIONS)


@pytest.mark.parametrize("signature", sorted(CONSTRUCTION_TEMPLATES))
def test_construction_template_matches_defs(signature: str) -> None:
    # Same argument names as defs.txt, each one mentioned (so every point a clause introduces
    # appears in its sentence), and the "subject be description" shape that clauses rely on.
    name, *formals = signature.split()
    template = CONSTRUCTION_TEMPLATES[signature]
    assert tuple(formals) == CONSTRUCTIONS[name].args
    assert _placeholders(template) == set(formals)
    assert " be " in template


def test_every_goal_predicate_has_a_template() -> None:
    wanted = set(CANONICAL) - SIDE_CONDITIONS
    assert wanted <= set(_signatures(GOAL_TEMPLATES))


@pytest.mark.parametrize("signature", sorted(GOAL_TEMPLATES))
def test_goal_template_names_every_argument(signature: str) -> None:
    name, *formals = signature.split()
    arity, _ = CANONICAL[name]
    assert _placeholders(GOAL_TEMPLATES[signature]) == {f.lstrip("*") for f in formals}
    if arity is None:
        assert formals[-1].startswith("*")
    else:
        assert len(formals) == arity


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (
            "a b c = triangle a b c; d = midpoint d a b; e = on_line e a c, on_circle e d a"
            " ? cong d a d e",
            "Let ABC be a triangle. Let D be the midpoint of AB. Let E be a point on line AC and"
            " on the circle centred at D through A. Prove that AD = DE.",
        ),
        (
            "a b c = triangle a b c; h = orthocenter h a b c; a1 = foot a1 a b c ? coll a h a1",
            "Let ABC be a triangle. Let H be the orthocentre of triangle ABC. Let A1 be the foot"
            " of the perpendicular from A to line BC. Prove that A, A1 and H are collinear.",
        ),
        (
            "a b c = triangle a b c; o = circle o a b c; d = on_tline d a a o, on_line d b c"
            " ? perp o a a d",
            "Let ABC be a triangle. Let O be the centre of the circle through A, B and C. Let D be"
            " a point on the line through A perpendicular to AO and on line BC."
            " Prove that AD is perpendicular to AO.",
        ),
        (
            "a b = segment a b; c = s_angle b a c 60; d = s_angle b a d -15, on_circle d a b"
            " ? aconst a c a d 5/12",
            "Let AB be a segment. Let C be a point such that ∠BAC = 60°. Let D be a point on the"
            " circle centred at A through B such that ∠BAD = -15°. Prove that ∠(AC, AD) = 75°.",
        ),
        (
            "a b c = triangle a b c; d e = square a b d e; m = midpoint m a b",
            "Let ABC be a triangle. Let D and E be the points such that ABDE is a square."
            " Let M be the midpoint of AB.",
        ),
    ],
)
def test_typical_problems(problem: str, expected: str) -> None:
    assert describe(parse_problem(problem)) == expected


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        (
            "e = on_line e a c, on_circle e d a",
            "Let E be a point on line AC and on the circle centred at D through A.",
        ),
        (
            "e = on_pline e c a b, on_tline e b a d",
            "Let E be a point on the line through C parallel to AB and on the line through B"
            " perpendicular to AD.",
        ),
        (
            "e = angle_bisector e a b c, on_dia e a c",
            "Let E be a point on the bisector of angle ABC and on the circle with diameter AC.",
        ),
        # Conditions ("such that ...") come after places, under one "such that".
        (
            "e = s_angle a b e 30, on_line e a c",
            "Let E be a point on line AC such that ∠ABE = 30°.",
        ),
        (
            "e = s_angle a b e 30, s_angle b a e 45",
            "Let E be a point such that ∠ABE = 30° and ∠BAE = 45°.",
        ),
        # Not a locus: the descriptions are still joined into one sentence about E.
        (
            "e = midpoint e a b, on_line e c d",
            "Let E be the midpoint of AB and a point on line CD.",
        ),
    ],
)
def test_two_constructions_read_as_an_intersection(clause: str, expected: str) -> None:
    text = describe(parse_problem(f"a b c d = quadrangle a b c d; {clause}"))
    assert text == "Let ABCD be a quadrilateral. " + expected


def test_constructions_of_different_points_in_one_clause() -> None:
    text = describe(parse_problem("a b c = triangle a b c; x y = on_line x a b, on_line y b c"))
    assert text.endswith("Let X be a point on line AB, and let Y be a point on line BC.")


@pytest.mark.parametrize(
    ("goal", "expected"),
    [
        ("cong a b c d", "Prove that AB = CD."),
        ("cyclic a b c d", "Prove that A, B, C and D are concyclic."),
        ("midp m a b", "Prove that M is the midpoint of AB."),
        ("eqangle a b a c d e d f", "Prove that ∠(AB, AC) = ∠(DE, DF)."),
        ("eqratio a b c d e f g h", "Prove that AB/CD = EF/GH."),
        ("simtri2 a b c d e f", "Prove that triangles ABC and DEF are similar with opposite"),
        ("aconst a b c d 1/8", "Prove that ∠(AB, CD) = 22.5°."),
        ("aconst a b c d 1/7", "Prove that ∠(AB, CD) = (180/7)°."),
        ("rconst a b c d 1/2", "Prove that AB/CD = 1/2."),
        ("cong a1 b c d", "Prove that A1B = CD."),
    ],
)
def test_goals(goal: str, expected: str) -> None:
    assert describe_goal(Statement.parse(goal)).startswith(expected)


def test_unknown_construction_falls_back_without_raising() -> None:
    # A Problem built from a custom defs file may use constructions the table does not know.
    clause = Clause(("x",), (ConstructionCall("wobble", ("x", "a", "30")),))
    problem = Problem(name="", clauses=(clause,), goal=None, text="")
    assert describe(problem) == "Let X be given by wobble(X, A, 30)."


def test_all_jgex_problems_render() -> None:
    problems = load_problems()
    assert problems
    for problem in problems:
        if isinstance(problem, ProblemLoadError):
            continue
        text = describe(problem)
        assert "\n" not in text and "{" not in text, problem.name
        assert text.startswith("Let ") and text.endswith("."), problem.name
        for point in problem.points:
            assert point.upper() in text, (problem.name, point)
        if problem.goal is not None:
            assert describe_goal(problem.goal) in text
        assert describe(problem) == text  # deterministic
