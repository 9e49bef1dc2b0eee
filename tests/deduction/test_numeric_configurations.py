"""configurations(): figures over every discrete choice (branch) a problem's clauses leave open."""

import pytest

from deduction import (
    Choice,
    DegenerateError,
    configurations,
    holds,
    make_statement,
    parse_problem,
    realise,
)
from deduction.numeric.branches import Brancher
from deduction.numeric.geometry import Point
from deduction.numeric.realise import realise_with

# Issue 17's two false "theorems": each holds on one branch only (both on the mirror image of
# the free figure: nsquare turns one way, aconst is a directed angle), so a few random draws
# pass them about one time in 2**draws.
FALSE_ON_A_BRANCH = [
    "a b c = r_triangle a b c; d = on_circle d b a, on_tline d c c a; e = nsquare e a d; "
    "f = incenter f c d a ? eqangle a c a d c f d e",
    "a b c = risos a b c; d = foot d a c b; e = on_circle e d a; f = intersection_lp f c a b e a; "
    "g = on_line g c f; h = on_line h b g, on_bline h c g; i = orthocenter i f c h "
    "? aconst a d h i 3/4",
]

# Three binary choices, none of them a mirror (segment and free points are not mirrored):
# c: circle(a, ab) meets circle(b, bp) left (0) or right (1) of a->b;
# d: line ap meets circle(c, cb) farther along a->p (0) or nearer (1);
# e: circle(a, ap) meets circle(d, db) left (0) or right (1) of a->d.
THREE_CHOICES = (
    "a b = segment a b; p = free p; c = on_circle c a b, on_circle c b p; "
    "d = on_line d a p, on_circle d c b; e = on_circle e a p, on_circle e d b"
)


def _cross(o: Point, p: Point, q: Point) -> float:
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])


def _signature(f: dict[str, Point]) -> tuple[bool, bool, bool]:
    """Whether each of THREE_CHOICES' points took branch 0, read off the coordinates."""
    a, p, c, d, e = f["a"], f["p"], f["c"], f["d"], f["e"]
    along = (d[0] - c[0]) * (p[0] - a[0]) + (d[1] - c[1]) * (p[1] - a[1]) > 0
    return _cross(a, f["b"], c) > 0, along, _cross(a, d, e) > 0


@pytest.mark.parametrize("text", FALSE_ON_A_BRANCH)
def test_a_statement_true_on_one_branch_only_is_caught(text):
    problem = parse_problem(text, "false")
    configs = configurations(problem, seed=0)
    truth = [holds(problem.goal, f) for f in configs.figures]
    assert any(truth) and not all(truth)
    # on every seed: the branches are enumerated, not sampled
    for seed in range(1, 6):
        truth = [holds(problem.goal, f) for f in configurations(problem, seed, draws=0).figures]
        assert any(truth) and not all(truth), seed


def test_k_binary_choices_give_all_2_to_the_k_combinations():
    problem = parse_problem(THREE_CHOICES, "three")
    for seed in range(4):
        configs = configurations(problem, seed, draws=0)
        assert [(c.point, c.options) for c in configs.choices] == [("c", 2), ("d", 2), ("e", 2)]
        assert configs.combinations == 8 and configs.forced == 8 and not configs.unrealisable
        assert len({_signature(f) for f in configs.figures}) == 8
        # the recorded branch is the one the coordinates show, figure by figure
        for f, taken in zip(configs.figures, configs.branches, strict=True):
            assert _signature(f) == tuple(b == 0 for b in taken)


def test_a_plain_random_figure_only_samples_them():
    problem = parse_problem(THREE_CHOICES, "three")
    seen = {_signature(realise(problem, s, check_goal=False).points) for s in range(4)}
    assert len(seen) < 8


def test_a_theorem_true_on_every_branch_holds_on_every_figure():
    # d is either midpoint of arc bc (two intersections), the triangle either way round
    problem = parse_problem(
        "a b c = triangle a b c; o = circle o a b c; m = midpoint m b c; "
        "d = on_circle d o a, on_line d o m ? cong d b d c",
        "arc midpoint",
    )
    configs = configurations(problem, seed=3)
    assert [(c.point, c.options) for c in configs.choices] == [("a", 2), ("d", 2)]
    assert configs.forced == 4 and len(configs.figures) == 8
    assert len(configs.covered()) == 4
    for f in configs.figures:
        assert holds(problem.goal, f)
        assert holds(make_statement("cyclic", ("a", "b", "c", "d")), f)
        assert holds(make_statement("eqangle", ("a", "b", "a", "d", "a", "d", "a", "c")), f)


def test_same_seed_same_figures_and_the_first_is_realises():
    problem = parse_problem(FALSE_ON_A_BRANCH[1], "p")
    one, two = configurations(problem, seed=11), configurations(problem, seed=11)
    assert one == two
    assert one.figures[0] == realise(problem, 11, check_goal=False).points
    assert configurations(problem, seed=12).figures != one.figures


@pytest.mark.parametrize("limit", [4, 6])
def test_above_the_limit_the_single_flips_are_kept(limit):
    problem = parse_problem(THREE_CHOICES, "three")
    configs = configurations(problem, seed=0, limit=limit, draws=0)
    assert len(configs.choices) == 3 and configs.combinations == 8
    tried = set(configs.branches) | set(configs.unrealisable)
    assert len(tried) == limit == configs.forced + len(configs.unrealisable)
    base = configs.branches[0]
    flips = {base[:i] + (1 - base[i],) + base[i + 1 :] for i in range(3)}
    assert flips <= tried
    assert configurations(problem, seed=0, limit=limit, draws=0) == configs


def test_a_branch_that_cannot_be_drawn_is_reported():
    # JGEX L054-2-1: on the other intersection e, line de is parallel to ab and f does not exist.
    problem = parse_problem(
        "a b = segment a b; c = on_bline c a b; d = on_line d a c; "
        "e = eqdistance e b a d, on_line e b c; f = on_line f a b, on_line f d e",
        "L054-2-1",
    )
    configs = configurations(problem, seed=0, draws=3)
    assert [(c.point, c.options) for c in configs.choices] == [("e", 2)]
    assert configs.forced == 1 and len(configs.unrealisable) == 1
    assert configs.covered() == {configs.branches[0]} and len(configs.figures) == 3


def test_a_forced_branch_that_does_not_exist_fails_like_a_bad_sketch():
    problem = parse_problem(THREE_CHOICES, "three")
    with pytest.raises(DegenerateError, match="could not be realised in 3 attempts"):
        realise_with(problem, Brancher(0, {("c", 0): 5}), max_attempts=3, check_goal=False)


def test_tangent_points_swap_when_forced():
    # realise() always names intersect()'s first tangent point x; the other naming is a branch.
    problem = parse_problem("o a = segment o a; b = free b; x y = tangent x y b o a", "tangent")
    configs = configurations(problem, seed=1, draws=0)
    assert configs.choices == (Choice(2, "x", 0, 2),)
    first, swapped = configs.figures
    assert (swapped["x"], swapped["y"]) == (first["y"], first["x"])


def test_the_other_common_tangent_is_the_mirror_image_in_the_centre_line():
    problem = parse_problem(
        "o a = segment o a; w = free w; b = free b; x y = cc_tangent0 x y o a w b", "tangents"
    )
    configs = configurations(problem, seed=2, draws=0)
    assert configs.choices == (Choice(3, "x", 0, 2),)
    first, other = configs.figures
    o, w, x = first["o"], first["w"], first["x"]
    ux, uy = w[0] - o[0], w[1] - o[1]
    t = ((x[0] - o[0]) * ux + (x[1] - o[1]) * uy) / (ux * ux + uy * uy)
    foot = (o[0] + t * ux, o[1] + t * uy)
    assert other["x"] == pytest.approx((2 * foot[0] - x[0], 2 * foot[1] - x[1]))


def test_eqangle2_takes_both_sides():
    # Branch 0 puts line ax across segment bc, branch 1 beyond c; the angle holds on both.
    problem = parse_problem("a b c = triangle a b c; x = eqangle2 x a b c", "eqangle2")
    statement = make_statement("eqangle", ("a", "b", "a", "x", "c", "x", "c", "b"))
    configs = configurations(problem, seed=4, draws=0)
    assert [(c.point, c.options) for c in configs.choices] == [("a", 2), ("x", 2)]
    for f, (_, side) in zip(configs.figures, configs.branches, strict=True):
        a, b, c, x = f["a"], f["b"], f["c"], f["x"]
        # where line ax crosses line bc, as a fraction of b -> c
        t = _cross(a, x, b) / (_cross(a, x, b) - _cross(a, x, c))
        assert (0 < t < 1) == (side == 0)
        assert holds(statement, f)
    assert {side for _, side in configs.branches} == {0, 1}


def test_a_choice_the_recorded_figure_does_not_meet_is_enumerated_too():
    # e's line meets the circle in a second viable point on some figures only: the generator
    # once kept this goal, false on 3 of 20 fresh figures, from a first figure without that choice
    problem = parse_problem(
        "a b c = triangle a b c; d = reflect d a b c; "
        "e = eqdistance e d a b, on_aline e c d b c a ? eqangle a d b e c d c e",
        "found by the generator",
    )
    missed = 0
    for seed in range(20):
        configs = configurations(problem, seed * 7919 + 1, draws=3)
        assert ("e", 2) in [(c.point, c.options) for c in configs.choices]
        missed += all(holds(problem.goal, f) for f in configs.figures)
    assert missed <= 2
