"""Auxiliary points: placing a clause on a fixed figure, the search, and proofs that need one.

The candidates themselves are tested in test_aux_candidates.py."""

import random

import pytest

from deduction.aux_candidates import fresh_name
from deduction.engine import solve_problem
from deduction.errors import ConstructionError, DegenerateError
from deduction.numeric import extend, holds, realise
from deduction.problem import DEFAULT_PROBLEMS, clause_statements, load_problems, parse_problem

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


# The altitudes meet: under AlphaGeometry's 43 rules (the default set has an orthocenter rule)
# DD+AR alone stops short; a foot of an altitude on the circle of the other two (or the point
# where two altitudes meet) is the auxiliary point
ALTITUDES = "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b ? perp a d b c"


def _search(text: str, seed: int = 0):
    from deduction.engine import auxiliary
    from deduction.engine.solver import Engine

    problem = parse_problem(text, "t")
    base = Engine(problem, "ag1")
    assert not base.run(problem.goal, 30) and base.fixpoint

    def make(p, points, known):
        return Engine(p, "ag1", points=points, known=known)

    return auxiliary.Search(base, make, auxiliary.SearchConfig(seed=seed, cap=20))


def test_search_proves_with_a_pruned_auxiliary_clause_and_is_deterministic():
    from deduction.engine import auxiliary

    found, tried = auxiliary.run_search(_search(ALTITUDES), None, workers=1, limit=40)
    assert found is not None and found.clauses and tried == found.index + 1
    again, _ = auxiliary.run_search(_search(ALTITUDES), None, workers=1, limit=40)
    assert [str(c) for c in again.clauses] == [str(c) for c in found.clauses]
    # the same answer when the attempts run in two forked workers
    forked, _ = auxiliary.run_search(_search(ALTITUDES), None, workers=2, limit=40)
    assert forked.index == found.index
    assert [str(c) for c in forked.clauses] == [str(c) for c in found.clauses]


def test_random_attempts_depend_on_the_seed_and_the_attempt_only():
    one, two, other = _search(ALTITUDES, 1), _search(ALTITUDES, 1), _search(ALTITUDES, 2)
    k = next(i for i in range(10) if one.kind(i)[0] == "random")
    a, b = one.attempt(k, None), two.attempt(k, None)
    assert (a.clauses, a.added) == (b.clauses, b.added)
    draws = [
        [str(c) for c in s._draw(s.ranked, random.Random(f"{seed}:{k}"), 0, ("a", "b", "c", "d"))]
        for s, seed in ((one, 1), (two, 1), (other, 2))
    ]
    assert draws[0] == draws[1] and len(draws[0]) >= 1
    assert len({c.split(" = ")[0] for c in draws[0]}) == len(draws[0])  # fresh, distinct names


@pytest.mark.parametrize("ranked", [0, 1, 5, 50])
def test_schedule_tries_each_ranked_single_once_between_random_attempts(ranked):
    search = _search(ALTITUDES)
    search.ranked = search.ranked[:1] * ranked
    kinds = [search.kind(i) for i in range(150)]
    singles = [n for kind, n in kinds if kind == "single"]
    randoms = [n for kind, n in kinds if kind == "random"]
    assert singles == list(range(min(ranked, search.config.singles)))
    assert randoms == list(range(len(randoms)))
    if ranked >= 2:
        assert kinds[:3] == [("single", 0), ("single", 1), ("random", 0)]


def test_solve_problem_reports_the_clauses_and_rechecks_on_fresh_figures():
    problem = parse_problem(ALTITUDES, "t")
    result = solve_problem(problem, timeout=60, workers=2, rules="ag1")
    assert result.status == "solved", result.message
    assert result.auxiliary and result.stats["auxiliary_tried"] >= 1
    # problem + printed clauses is a problem DD+AR proves alone
    text = ALTITUDES.split("?")[0] + "; " + "; ".join(result.auxiliary) + " ? perp a d b c"
    proved = solve_problem(parse_problem(text, "t2"), timeout=60, auxiliary=False, rules="ag1")
    assert proved.status == "solved"


def test_a_proposers_clauses_are_tried_first_and_bad_ones_skipped():
    problem = parse_problem(ALTITUDES, "t")
    asked = []

    def proposer(p):
        asked.append(str(p))
        return ["e = no_such_construction e a b", "e = on_line e a c, on_line e b d"]

    result = solve_problem(problem, timeout=60, proposer=proposer, rules="ag1")
    assert asked == [str(problem)]
    assert result.status == "solved", result.message
    assert result.auxiliary == ("e = on_line e a c, on_line e b d",)
    assert result.stats["auxiliary_attempt"] == 0 and result.stats["proposals_unparsed"] == 1
    assert (
        result.solution == ALTITUDES.split(" ?")[0] + "; " + result.auxiliary[0] + " ? perp a d b c"
    )


def test_a_proof_of_one_configuration_passes_on_fresh_figures_of_it():
    # IMO 2002 P2: e and f are the two points where a line meets a circle; the goal holds
    # whichever is which, the proof's directed angles only in the configuration it was found in
    imo = {p.name: p for p in load_problems(DEFAULT_PROBLEMS.parent / "imo_ag_30.txt")}
    result = solve_problem(imo["translated_imo_2002_p2a"], timeout=60, auxiliary=False)
    assert result.status == "solved", result.message
    assert result.stats["fresh_passed"] == 2


def test_a_proposal_built_on_a_point_that_did_not_draw_is_skipped():
    # e is c's foot on line b c (c itself: it does not draw), and f is built on e; a policy's
    # bad guess must not make the whole solve an error
    problem = parse_problem(TRIANGLE, "altitudes")
    result = solve_problem(
        problem,
        timeout=30,
        rules="ag1",
        proposer=lambda p: ["e = foot e c b c; f = foot f b c e"],
        search=False,
    )
    assert result.status == "unsolved", result.message
