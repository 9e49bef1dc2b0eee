"""End to end: named JGEX problems solved, traced and re-checked; closure without a goal."""

import pytest

from deduction.engine import Engine, solve_problem
from deduction.problem import load_problems, parse_problem
from deduction.proof import minimise_premises, proof_text

JGEX = {p.name.rsplit("/", 1)[-1]: p for p in load_problems() if not hasattr(p, "message")}

NAMED = [
    "complete_004_6_GDD_FULL_81-109_101.gex",  # cyclic a d e o
    "complete_001_6_GDD_FULL_01-20_19.gex",
    "complete_000_rebuilt example_9point.gex",  # nine-point circle
    "complete_002_6_GDD_FULL_41-60_56.gex",
    # angle bisectors: AR must halve 2x = angle (mod pi), the figure picking the half
    "complete_007_7_Book_LLL_L043-5.gex",
    # halved equal angles, found only at the fixpoint (Chasing.last_resort)
    "complete_013_7_Book_00EE_10_E072-11.gex",
    # a parallelogram's triangles are similar with no angle fact: same-key angles
    "complete_010_Other_Auxiliary_ye_aux_ppara.gex",
    "complete_003_6_GDD_FULL_more_E015-6.gex",
    # its proof has an AR:ratio step between segments that are not class representatives of
    # the re-check's smaller system (re-check asks the chaser for the step itself); it needed
    # an auxiliary point before ratio-table lengths reached distance chasing
    "complete_010_Other_gao_Y_yL182-4.gex",
]


@pytest.mark.parametrize("name", NAMED)
def test_named_jgex_problem_is_solved_and_rechecked(name):
    result = solve_problem(JGEX[name], timeout=30)
    assert result.status == "solved", result.message
    assert result.proof is not None and result.proof.steps
    assert result.proof.steps[-1].conclusion == JGEX[name].goal


ORTHOCENTER = "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b"


def test_orthocenter_should_succeed():
    # AlphaGeometry's examples.txt "orthocenter_aux": DD+AR needs the auxiliary point e
    problem = parse_problem(
        ORTHOCENTER + "; e = on_line e a c, on_line e b d ? perp a d b c", "orthocenter_aux"
    )
    result = solve_problem(problem, timeout=30)
    assert result.status == "solved", result.message
    text = proof_text(result.proof)
    assert "[premise]" in text and "goal: perp a d b c" in text


def test_orthocenter_without_aux_point_is_unsolved_by_dd_ar_alone():
    # as for AlphaGeometry's DD+AR: no rule of the 43 applies without the foot e
    problem = parse_problem(ORTHOCENTER + " ? perp a d b c", "orthocenter")
    assert solve_problem(problem, timeout=30, rules="ag1", auxiliary=False).status == "unsolved"


def test_orthocenter_is_one_rule_of_the_default_set():
    problem = parse_problem(ORTHOCENTER + " ? perp a d b c", "orthocenter")
    result = solve_problem(problem, timeout=30, auxiliary=False)
    assert result.status == "solved", result.message
    assert [step.rule for step in result.proof.steps] == ["p03"]


def test_orthocenter_finds_its_own_aux_point():
    problem = parse_problem(ORTHOCENTER + " ? perp a d b c", "orthocenter")
    result = solve_problem(problem, timeout=30, rules="ag1")
    assert result.status == "solved", result.message
    (clause,) = result.auxiliary
    new = clause.split(" = ")[0]
    assert new not in problem.points
    # the proof leans on the auxiliary point: some premise names it
    assert any(new in p.args for p in result.proof.premises)


def test_numerically_false_goal_is_not_proved():
    problem = parse_problem("a b c = triangle a b c; d = midpoint d a b ? perp c d a b", "false")
    result = solve_problem(problem, timeout=10)
    assert result.status != "solved" and "false" in result.message


def test_traced_premises_are_minimal():
    problem = parse_problem(
        "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c; f = midpoint f b c"
        " ? para d e b c",
        "midline",
    )
    engine = Engine(problem)
    assert engine.run(problem.goal, timeout=30)
    proof = engine.proof(problem.goal)
    assert engine.recheck(proof) == []

    def proves(premises):
        return Engine(problem, premises=premises).run(problem.goal, timeout=30)

    kept = minimise_premises(proof.premises, proves)
    assert proves(kept)
    for dropped in kept:  # removing any one premise breaks every proof the engine finds
        assert not proves([p for p in kept if p != dropped]), dropped
    # the traced proof already used only what it needed
    assert set(kept) == set(proof.premises)


def test_closure_without_goal_reaches_a_fixpoint_of_true_facts():
    problem = parse_problem(
        "a b c = triangle a b c; d = midpoint d b c; e = midpoint e a c; f = midpoint f a b;"
        " o = circle o a b c",
        "closure",
    )
    engine = Engine(problem)
    assert not engine.fixpoint
    assert engine.close(timeout=30)
    assert engine.fixpoint
    derived = engine.derived()
    assert len(derived) > 20
    assert not set(derived) & set(engine.premises)
    assert all(engine.holds(s) and engine.holds_on_figure(s) for s in derived)
    assert engine.holds(parse_problem(problem.text + " ? perp o d b c", "g").goal)
    assert not engine.holds(parse_problem(problem.text + " ? perp a d b c", "g").goal)


def test_implied_facts_hold_and_their_proofs_recheck_against_allowed_premises():
    problem = parse_problem(
        "a b c = triangle a b c; d = midpoint d b c; e = midpoint e a c; f = midpoint f a b",
        "implied",
    )
    engine = Engine(problem)
    assert engine.close(timeout=30)
    implied = engine.implied()
    assert implied and implied == sorted(implied, key=str)
    assert not set(implied) & set(engine.derived())
    assert all(engine.holds(st) and engine.holds_on_figure(st) for st in implied)
    proof = engine.proof(implied[0])
    cache: dict = {}
    assert engine.recheck(proof, cache=cache) == []
    assert set(cache) == set(proof.steps)  # every step's verdict kept for the next proof
    assert any("not a premise" in p for p in engine.recheck(proof, allowed=[], cache=cache))
