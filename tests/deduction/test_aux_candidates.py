"""HAGeo-style auxiliary candidates: kept for a non-trivial incidence on the figure, ranked,
each a clause of the construction language that draws where it was scored."""

import math

from deduction.aux_candidates import KINDS, candidates, fresh_name
from deduction.numeric import extend, realise
from deduction.problem import parse_problem

# d, e midpoints of two sides, f the foot of the altitude from a: the nine-point circle passes
# through d, e, f and through the midpoint of a b
NINE = (
    "a b c = triangle a b c; d = midpoint d b c; e = midpoint e c a; f = foot f a b c"
    " ? perp a f b c"
)


def _at(cands, xy):
    return [c for c in cands if math.dist(c.at, xy) < 1e-6]


def test_a_midpoint_on_a_known_circle_is_kept():
    problem = parse_problem(NINE, "t")
    points = realise(problem, 0).points
    ab = ((points["a"][0] + points["b"][0]) / 2, (points["a"][1] + points["b"][1]) / 2)
    (there,) = _at(candidates(problem, points, limit=None), ab)
    assert "circle d e f" in there.incidences
    assert there.score >= 1


def test_a_midpoint_only_on_its_parents_line_is_not():
    problem = parse_problem(NINE, "t")
    points = realise(problem, 0).points
    de = ((points["d"][0] + points["e"][0]) / 2, (points["d"][1] + points["e"][1]) / 2)
    assert _at(candidates(problem, points, limit=None), de) == []
    # it is a candidate all the same: the filter, not the generator, drops it
    (everything,) = _at(candidates(problem, points, limit=None, trivial=True), de)
    assert everything.incidences == ()


def test_candidates_are_ranked_distinct_and_draw_where_scored():
    problem = parse_problem(NINE, "t")
    points = realise(problem, 0).points
    cands = candidates(problem, points, limit=None)
    assert len(cands) > 5
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert {c.kind for c in cands} <= set(KINDS)
    for i, cand in enumerate(cands):
        assert cand.point == "g" and cand.incidences
        assert all(math.dist(cand.at, xy) > 1e-6 for xy in points.values())
        assert all(math.dist(cand.at, other.at) > 1e-6 for other in cands[:i])
        assert math.dist(extend(points, cand.clause)["g"], cand.at) < 1e-6
        # the clause reads back as AlphaGeometry syntax
        text = NINE.split("?")[0] + "; " + str(cand.clause) + " ? perp a f b c"
        assert parse_problem(text, "t").clauses[-1] == cand.clause


def test_candidates_are_deterministic_and_limited():
    problem = parse_problem(NINE, "t")
    points = realise(problem, 0).points
    first = [str(c) for c in candidates(problem, points)]
    assert first == [str(c) for c in candidates(problem, points)]
    assert [str(c) for c in candidates(problem, points, limit=3)] == first[:3]


def test_every_kind_is_proposed_on_a_rich_figure():
    # a triangle with its circumcircle (centre o), an altitude foot, a point on the circle
    text = (
        "a b c = triangle a b c; o = circle o a b c; h = orthocenter h a b c; "
        "d = foot d a b c; e = on_circle e o a; m = midpoint m b c ? perp a d b c"
    )
    problem = parse_problem(text, "t")
    points = realise(problem, 0).points
    kinds = {c.kind for c in candidates(problem, points, limit=None, trivial=True)}
    assert kinds >= {"midpoint", "mirror", "reflect", "foot", "line_line", "line_circle"}
    assert "circle_circle" in kinds or "center" in kinds


def test_fresh_name_skips_used_names():
    assert fresh_name(("a", "b")) == "c"
    assert fresh_name(tuple("abcdefghijklmnopqrstuvwxyz")) == "x1"
