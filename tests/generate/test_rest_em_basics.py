"""ReST-EM basics: the built-in families, pass@k against hand values, deterministic splits."""

from math import comb

import pytest

from generate.rest_em.families import FAMILIES, builtin_problems, make_problem
from generate.rest_em.metrics import held_out, mean_pass_at_k, pass_at_k, split
from verifiers import Status
from verifiers.code import verify as verify_code
from verifiers.math import verify as verify_math


@pytest.mark.parametrize(
    "n, c, k, expected",
    [
        (10, 0, 1, 0.0),
        (10, 10, 5, 1.0),
        (10, 3, 1, 0.3),
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (200, 7, 10, 1 - comb(193, 10) / comb(200, 10)),
    ],
)
def test_pass_at_k_against_hand_values(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_rejects_undefined_cases():
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    assert mean_pass_at_k([(4, 1), (4, 0)], 2) == pytest.approx(0.25)


def test_split_is_deterministic_and_order_free():
    ids = [f"p{i}" for i in range(400)]
    train, test = split(ids, ids, 0.25, seed=1)
    assert set(train) | set(test) == set(ids) and not set(train) & set(test)
    assert 60 < len(test) < 140
    again = split(ids[::-1], ids[::-1], 0.25, seed=1)[1]
    assert sorted(again) == sorted(test)
    assert split(ids, ids, 0.25, seed=2)[1] != test
    assert held_out("p3", 0.25, 1) == ("p3" in test)


@pytest.mark.parametrize("domain", sorted(FAMILIES))
@pytest.mark.parametrize("difficulty", [1, 2])
def test_every_family_makes_problems_its_own_solution_solves(domain, difficulty):
    problems = builtin_problems(domain, 2 * len(FAMILIES[domain]), seed=3, difficulty=difficulty)
    assert len({p.id for p in problems}) == len(problems)
    for problem in problems:
        solution = problem.meta["solution"]
        if domain == "math":
            assert verify_math(solution, problem.answer).status is Status.CORRECT
            assert verify_math("The answer is 123456789.", problem.answer).status is Status.WRONG
        else:
            program = problem.prefix + solution
            assert verify_code(program, problem.tests).status is Status.CORRECT, program
            wrong = problem.prefix + "    return None\n"
            assert verify_code(wrong, problem.tests).status is Status.WRONG


def test_same_seed_same_problem_and_bad_names():
    one = make_problem("math", "linear", 7, 2)
    assert (
        one == make_problem("math", "linear", 7, 2)
        and one.meta == make_problem("math", "linear", 7, 2).meta
    )
    assert one != make_problem("math", "linear", 8, 2)
    with pytest.raises(ValueError, match="unknown domain"):
        make_problem("chess", "x", 1)
    with pytest.raises(ValueError, match="unknown math family"):
        make_problem("math", "calculus", 1)


@pytest.mark.parametrize("domain", sorted(FAMILIES))
def test_builtin_prompts_are_distinct(domain):
    problems = builtin_problems(domain, 300, seed=0)
    assert len({p.prompt for p in problems}) == 300
