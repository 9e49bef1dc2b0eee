"""The canonical form: the same theorem under any renaming and order, different theorems apart."""

import random

import pytest

from deduction import Statement, parse_problem
from deduction.problem import premise_statements
from generate.geometry.canon import digest, premise_form
from generate.geometry.subproblem import relabel


def key_of(text: str) -> str:
    problem = parse_problem(text)
    premises = [st for st, _ in premise_statements(problem)]
    return premise_form(problem.points, premises).key(problem.goal)


def renamed(text: str, seed: int) -> str:
    """The same problem with its points renamed at random and independent clauses swapped."""
    problem = parse_problem(text)
    names = list(problem.points)
    shuffled = names[:]
    random.Random(seed).shuffle(shuffled)
    mapping = dict(zip(names, shuffled, strict=True))
    body, _, goal = text.partition("?")
    out = " ".join(mapping.get(w, w) for w in body.replace(";", " ; ").replace(",", " , ").split())
    goal_st = relabel(problem.goal, mapping)
    return f"{out} ? {goal_st}"


THEOREMS = [
    "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? para d e b c",
    "a b c = triangle a b c; h = orthocenter h a b c; d = foot d a b c ? coll a h d",
    "a b c = triangle a b c; o = circle o a b c; d = on_circle d o a ? cyclic a b c d",
    "a b c d = quadrangle a b c d; e = midpoint e a b; f = midpoint f c d ? cong e a e b",
    "a b c = iso_triangle a b c; d = midpoint d b c ? perp a d b c",
    # constants whose value depends on the spelling (aconst v / 1 - v, rconst v / 1 / v)
    "a b c = triangle a b c; x = s_angle a b x 30; y = s_angle c a y 45 ? aconst a b b x 1/6",
    "a b c = triangle12 a b c; d = midpoint d b c ? cong d b d c",
]


@pytest.mark.parametrize("text", THEOREMS)
@pytest.mark.parametrize("seed", range(12))
def test_key_is_invariant_under_renaming(text, seed):
    assert key_of(renamed(text, seed)) == key_of(text)


def test_key_is_invariant_under_clause_order():
    one = "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? para d e b c"
    two = "a b c = triangle a b c; e = midpoint e a c; d = midpoint d a b ? para d e b c"
    assert key_of(one) == key_of(two)


def test_symmetric_spellings_of_one_theorem_meet():
    # the midpoint of AB or of BC of a bare triangle: the same theorem up to renaming
    one = "a b c = triangle a b c; d = midpoint d a b ? cong d a d b"
    two = "a b c = triangle a b c; d = midpoint d b c ? cong d b d c"
    assert key_of(one) == key_of(two)


@pytest.mark.parametrize(
    "one, two",
    [
        # same premises, goals not related by any symmetry of the figure
        (
            "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? para d e b c",
            "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? cong d a d b",
        ),
        # an isosceles apex is not a base vertex
        (
            "a b c = iso_triangle a b c; d = midpoint d b c ? perp a d b c",
            "a b c = iso_triangle a b c; d = midpoint d a c ? perp a d b c",
        ),
        # an extra point changes the figure
        (
            "a b c = triangle a b c; d = midpoint d a b ? cong d a d b",
            "a b c = triangle a b c; d = midpoint d a b; e = free e ? cong d a d b",
        ),
    ],
)
def test_different_theorems_differ(one, two):
    assert key_of(one) != key_of(two)


def test_goal_spelled_under_every_automorphism():
    # a bare square-like figure has symmetries: the goal's least spelling is taken over them
    form = premise_form(("a", "b", "c"), [])
    assert len(form.labelings) == 6
    assert form.key(Statement("cong", ("a", "b", "a", "c"))) == form.key(
        Statement("cong", ("c", "a", "c", "b"))
    )


def test_digest_is_16_bytes_and_stable():
    assert digest("x") == digest("x") and len(digest("x")) == 16 and digest("x") != digest("y")
