"""The geometry reward on hand-made completions: an auxiliary construction is paid only when
DD+AR proves the goal with it, and every other completion is 0 with a reason."""

import pytest

from deduction import parse_problem, solve_problem
from verifiers import GeometryTask, verify_completion, verify_geometry
from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.geometry import split_clauses
from verifiers.types import Problem, Status

# The feet e, f of a and b on the line cd are equally far from g, the midpoint of ab. DD+AR
# alone stops short; the midpoint h of ef (or the foot of g on cd, the same point) makes g h
# the perpendicular bisector of ef.
FEET = (
    "c d = segment c d; a = free a; b = free b; e = foot e a c d; f = foot f b c d; "
    "g = midpoint g a b ? cong g e g f"
)
# AlphaGeometry's "orthocenter_aux": its 43 rules need the point where two altitudes meet
ORTHOCENTER = "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b ? perp a d b c"


@pytest.fixture(scope="module")
def task():
    return GeometryTask(FEET)


def test_the_problem_needs_an_auxiliary_point():
    result = solve_problem(parse_problem(FEET), timeout=20, auxiliary=False)
    assert result.status == "unsolved" and result.stats["fixpoint"]


@pytest.mark.parametrize(
    "completion",
    [
        "h = midpoint h e f",
        "h = foot h g c d",
        "  h = midpoint h e f ;  ",  # whitespace and a trailing ';'
        "h = midpoint h e f\n\nk = foot k c a b\n",  # newlines separate; an extra point is fine
    ],
)
def test_a_useful_auxiliary_construction_is_paid(task, completion):
    verdict = verify_geometry(completion, task)
    assert verdict.status is Status.CORRECT and verdict.reward == 1, verdict.reason
    assert "proved" in verdict.reason and "uses h" in verdict.reason and verdict.elapsed_s > 0


@pytest.mark.parametrize(
    ("completion", "reason"),
    [
        ("h = midpoint h a c", "fixpoint without proving the goal"),  # valid but useless
        ("", "empty completion"),
        (" ;\n ; ", "empty completion"),
        ("h = midpont h e f", "unknown construction 'midpont'"),
        ("h midpoint e f", "malformed clause"),
        ("h = midpoint h e", "wrong arity"),
        ("h = midpoint h e z", "undefined point 'z'"),
        ("h = midpoint h e e", "degenerate figure"),  # no midpoint of a point with itself
        ("x = midpoint x a b", "degenerate figure"),  # on top of g
        ("h = on_line h a b, on_line h a b", "degenerate figure"),  # one line twice: no point
        ("e = midpoint e a b", "names existing point 'e'"),
        ("h = midpoint h e f; h = foot h g c d", "names existing point 'h'"),
        ("h = midpoint h e f ? perp a b c d", "'?'"),  # a completion must not restate the goal
        ("h@0.5_0.5 = midpoint h e f", "pinned position"),
    ],
)
def test_a_bad_completion_is_wrong_with_its_reason(task, completion, reason):
    verdict = verify_geometry(completion, task)
    assert verdict.status is Status.WRONG and verdict.reward == 0
    assert reason in verdict.reason and "\n" not in verdict.reason


def test_a_non_text_completion_is_wrong_not_raised(task):
    verdict = verify_geometry(None, task)  # type: ignore[arg-type]
    assert verdict.status is Status.WRONG and "not text" in verdict.reason


def test_the_time_limit_is_part_of_the_reward():
    # drawing alone outlasts a microsecond: nothing is proved within the budget
    verdict = verify_geometry("h = midpoint h e f", GeometryTask(FEET, timeout_s=1e-6))
    assert verdict.status is Status.WRONG and "not proved within" in verdict.reason


def test_same_seed_same_verdict(task):
    for completion in ("h = midpoint h e f", "h = midpoint h a c"):
        first = verify_geometry(completion, task, seed=7)
        again = verify_geometry(completion, task, seed=7)
        assert (first.status, first.reason) == (again.status, again.reason)
    # and a true construction is true on every figure
    assert all(verify_geometry("h = foot h g c d", task, seed=s).reward for s in range(3))


def test_rules_select_the_rule_set():
    # the default set has an orthocenter rule, so there the goal needs nothing; under "ag1" the
    # auxiliary point is what proves it, and a useless one is not paid
    ag1 = GeometryTask(ORTHOCENTER, rules="ag1")
    assert verify_geometry("e = on_line e a c, on_line e b d", ag1).reward == 1
    assert verify_geometry("e = midpoint e a b", ag1).reward == 0
    # paid, and the reason tells that the proof does not rest on the new point
    free = verify_geometry("e = midpoint e a b", GeometryTask(ORTHOCENTER))
    assert free.reward == 1 and free.reason.endswith("uses none of the new points")


def test_a_problem_that_does_not_draw_is_our_error_not_a_wrong_answer():
    # d is where ab meets ac: always a itself, so no figure draws with or without the completion
    task = GeometryTask("a b c = triangle a b c; d = on_line d a b, on_line d a c ? cong a b a c")
    verdict = verify_geometry("e = midpoint e b c", task)
    assert verdict.status is Status.ERROR and "does not draw" in verdict.reason
    with pytest.raises(VerifierError, match="does not draw"):
        verify_geometry("e = midpoint e b c", task, raise_on_error=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"problem": "a b c = triangle a b c"}, "no goal"),
        ({"problem": "a b c = triangle a b c ? cong a b z"}, "undefined point in goal 'z'"),
        ({"problem": "a b = segmnt a b ? cong a b a b"}, "unknown construction"),
        ({"problem": FEET, "rules": "rules.txt"}, "rules='rules.txt'"),
        ({"problem": FEET, "timeout_s": 0}, "timeout_s=0"),
        ({"problem": FEET, "timeout_s": float("nan")}, "timeout_s=nan"),
        ({"problem": FEET, "max_new_points": 0}, "max_new_points=0"),
    ],
)
def test_a_bad_task_is_a_configuration_error(kwargs, message):
    with pytest.raises(VerifierConfigError, match=message) as caught:
        GeometryTask(**kwargs)
    assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


def test_split_clauses():
    assert split_clauses("e = midpoint e a b; f = foot f a b c;\n") == [
        "e = midpoint e a b",
        "f = foot f a b c",
    ]
    assert split_clauses(" \n;; ") == []


def test_verify_completion_dispatches_geometry_on_the_first_line(task):
    problem = Problem("feet", "geometry", FEET, tests=task)
    paid = verify_completion(problem, "\n h = midpoint h e f\nbecause g h bisects e f")
    assert paid.status is Status.CORRECT, paid.reason
    # only the first non-empty line counts: the construction on the second is not read
    later = verify_completion(problem, "h = midpoint h a c\nh = midpoint h e f")
    assert later.status is Status.WRONG
    assert verify_completion(problem, "\n\n").status is Status.WRONG


def test_a_geometry_problem_needs_a_geometry_task():
    with pytest.raises(ValueError, match="needs a GeometryTask"):
        Problem("feet", "geometry", FEET)
    with pytest.raises(ValueError, match="needs a GeometryTask"):
        Problem("feet", "geometry", FEET, tests=FEET)


def test_too_many_new_points_are_not_judged():
    # the engine's set-up is not bounded by the time limit and grows with the figure
    many = "; ".join(f"p{i} = free p{i}" for i in range(9)) + "; h = midpoint h e f"
    verdict = verify_geometry(many, GeometryTask(FEET))
    assert verdict.status is Status.WRONG and "10 new points: at most 8" in verdict.reason
    assert verify_geometry(many, GeometryTask(FEET, max_new_points=10)).reward == 1
