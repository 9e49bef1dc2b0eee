"""Statements AlphaGeometry2's DDAR proves without auxiliary points (issue 16): lengths and
ratios with constants through midpoints, feet and perpendicular bisectors."""

import pytest

from deduction.engine import Engine, solve_problem
from deduction.engine.factbase import FactBase, S
from deduction.engine.folds import fold_midpoints, fold_units
from deduction.numeric import holds
from deduction.problem import parse_problem
from deduction.types import ProofStep

# AG2's DDAR proves each from the statement alone; before the unit classes were folded
# (fold_units), ours needed an auxiliary point for all but the square
AG2_NO_AUX = {
    "chord_foot": "a b c = r_triangle a b c; d = on_circle d c a; e = foot e c a d"
    " ? rconst a d a e 2",
    "rectangle_foot": "a b c d = rectangle a b c d; e = on_circle e b c; f = foot f b e c"
    " ? rconst c e c f 2",
    "square_diagonals": "a b c d = isquare a b c d; e = foot e c d b ? rconst a c a e 2",
    "antipode": "a b c = triangle a b c; d = circle d b c a; e = intersection_lt e d b a b a"
    " ? rconst b d b e 1/2",
}


@pytest.mark.parametrize("name", sorted(AG2_NO_AUX))
def test_ag2_statement_is_proved_without_auxiliary_points(name):
    result = solve_problem(parse_problem(AG2_NO_AUX[name], name), timeout=30, auxiliary=False)
    assert result.status == "solved", result.message  # solve_problem re-checks the proof
    assert not result.auxiliary


def test_ag2_statements_hold_with_the_ag1_rules_too():
    # the gap was in AR, not in the rules: AlphaGeometry's own 43 suffice
    for name, text in AG2_NO_AUX.items():
        result = solve_problem(parse_problem(text, name), timeout=30, rules="ag1", auxiliary=False)
        assert result.status == "solved", (name, result.message)


# found by benchmarks/ddar_peers.py on our generator's auxiliary records: f is the circumcentre
# of abe (e the orthocentre), which AG2's concyclic search with a centre sees and
# AlphaGeometry's 43 rules do not; the generator had it as an auxiliary theorem
CENTRE = (
    "a b c = triangle a b c; d = circumcenter d a b c; e = orthocenter e c b a;"
    " f = on_bline f a e, on_pline f e d c ? eqangle a c b f c d a c"
)


def test_a_point_seeing_a_chord_at_half_the_centre_angle_is_on_the_circle():
    problem = parse_problem(CENTRE, "centre")
    result = solve_problem(problem, timeout=60, auxiliary=False)
    assert result.status == "solved", result.message
    assert "p04" in {step.rule for step in result.proof.steps}
    assert solve_problem(problem, timeout=60, rules="ag1", auxiliary=False).status != "solved"


def test_a_ratio_the_table_knows_reaches_distance_chasing():
    # Thales gives |ac| / |ae| = 2 in the ratio table only (eqratio and the midpoint's 2); as a
    # length sum on line ace it makes e the midpoint (Chasing._to_distances)
    problem = parse_problem(
        "a b c = triangle a b c; d = midpoint d a b; e = on_pline e d b c, on_line e a c"
        " ? cong a e e c",
        "midline_converse",
    )
    result = solve_problem(problem, timeout=30, rules="ag1", auxiliary=False)
    assert result.status == "solved", result.message
    assert result.proof.steps[-1].rule == "AR:distance"


def _figure_base() -> FactBase:
    # a e d on a line with e the midpoint, |ac| = |cd|: triangles ace and dce are congruent
    points = {"a": (0.0, 0.0), "d": (4.0, 0.0), "e": (2.0, 0.0), "c": (2.0, 3.0)}
    fb = FactBase(lambda st: holds(st, points))
    for text in ("coll a d e", "cong a c c d", "eqratio a c a e c d d e"):
        fb.add(ProofStep(S(*text.split()), "premise", ()))
    return fb


def test_a_cong_known_only_through_ratios_becomes_a_length_class():
    fb = _figure_base()
    assert fb.holds(S("cong", "a", "e", "d", "e"))  # the ratio table knows it...
    assert fold_midpoints(fb) == 0  # ...but the length classes do not: no midpoint
    assert fold_units(fb) == 1
    assert fb.steps[S("cong", "a", "e", "d", "e")].rule == "AR:ratio"
    assert fold_midpoints(fb) == 1 and S("midp", "e", "a", "d") in fb.explicit["midp"]
    assert fold_units(fb) == 0  # nothing new: the unit class did not grow


def test_promoted_classes_survive_a_replay():
    # an auxiliary try replays the closed base's log: a promoted cong must join classes again
    problem = parse_problem(AG2_NO_AUX["chord_foot"], "chord_foot")
    engine = Engine(problem, rules="ag1")
    engine.close(timeout=30)
    replay = Engine(problem, rules="ag1", points=engine.points, known=engine.known_steps())
    cong = S("cong", "a", "e", "d", "e")
    assert replay.fb.lens.same(("a", "e"), ("d", "e")) and replay.fb.holds(cong)
