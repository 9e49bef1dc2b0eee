"""The premise sampler: valid, drawable, reproducible premise sets; every construction reachable."""

from random import Random

import pytest

import generate.geometry.sampler as sampler_module
from deduction import CONSTRUCTIONS, Statement, holds, parse_problem, realise
from deduction.problem import premise_statements
from generate.geometry.sampler import DEFAULT_WEIGHTS, Sampler, Weights, is_base, one_dof

WEIGHTS = Weights.load()
# constructions whose preconditions need a configuration few figures have: a figure that has it
SETUPS = {
    "2l1c": ("iso_triangle", {"on_line": 1.0, "on_circle": 1.0}),
    "e5128": ("r_triangle", {"on_circle": 1.0}),
}


def test_default_weights_list_every_construction():
    listed = set(WEIGHTS.base) | set(WEIGHTS.step)
    assert listed == set(CONSTRUCTIONS)
    assert all(w > 0 for w in {**WEIGHTS.base, **WEIGHTS.step}.values())


def _mix(name: str) -> Weights:
    if name in SETUPS:
        base, helpers = SETUPS[name]
        return Weights(base={base: 1.0}, step={**helpers, name: 1.0}, pair_share=0.0)
    if is_base(CONSTRUCTIONS[name]):
        return Weights(base={name: 1.0}, step=dict(WEIGHTS.step), pair_share=0.0)
    return Weights(base=dict(WEIGHTS.base), step={**WEIGHTS.step, name: 40.0}, pair_share=0.0)


@pytest.mark.parametrize("name", sorted(CONSTRUCTIONS))
def test_every_construction_is_reachable(name):
    sampler = Sampler(_mix(name), (4, 8))
    for seed in range(80):
        sampled = sampler.sample(Random(seed))
        if sampled and any(
            call.name == name for clause in sampled.problem.clauses for call in clause.constructions
        ):
            return
    pytest.fail(f"{name} never sampled in 80 premise sets")


@pytest.mark.parametrize("seed", range(12))
def test_sampled_premises_parse_back_and_hold_on_their_figure(seed):
    sampled = Sampler(WEIGHTS, (8, 14)).sample(Random(seed))
    assert sampled is not None
    problem = sampled.problem
    assert 8 <= len(sampled.points) <= 14
    again = parse_problem(str(problem))
    assert again.clauses == problem.clauses
    for statement, _ in premise_statements(problem):
        assert holds(statement, sampled.points), statement
    realise(problem, seed=1, max_attempts=200)  # and it can be drawn afresh


def test_pairs_meet_two_one_dof_constructions():
    sampler = Sampler(
        Weights(base=dict(WEIGHTS.base), step=dict(WEIGHTS.step), pair_share=1.0), (8, 10)
    )
    clauses = [
        c
        for seed in range(10)
        if (s := sampler.sample(Random(seed)))
        for c in s.problem.clauses[1:]
    ]
    assert clauses and all(len(c.constructions) == 2 for c in clauses)
    assert all(one_dof(CONSTRUCTIONS[call.name]) for c in clauses for call in c.constructions)


def test_same_seed_same_premise_set():
    sampler = Sampler(WEIGHTS, (8, 14))
    one, two = sampler.sample(Random(7)), sampler.sample(Random(7))
    assert one is not None and two is not None
    assert str(one.problem) == str(two.problem) and one.points == two.points


@pytest.mark.parametrize(
    "text, message",
    [
        ("[base]\ntriangle = 1\n[step]\nnot_a_construction = 1\n", "unknown construction"),
        ("[base]\nmidpoint = 1\n[step]\nfoot = 1\n", "needs existing points"),
        ("[base]\ntriangle = -1\n[step]\nfoot = 1\n", "must be >= 0"),
        ("[base]\ntriangle = 1\n[step]\n", "no positive weight"),
        ("[base\n", "cannot read"),
    ],
)
def test_bad_weights_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "w.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        Weights.load(path)


def test_default_weights_path_exists():
    assert DEFAULT_WEIGHTS.is_file()


def _degenerate_2l1c(sampler: Sampler) -> int:
    found = 0
    for seed in range(80):
        sampled = sampler.sample(Random(seed))
        for clause in sampled.problem.clauses if sampled else ():
            for call in clause.constructions:
                if call.name == "2l1c":
                    a, b, c, o = call.args[-4:]
                    found += any(
                        holds(Statement("coll", (o, x, c)), sampled.points) for x in (a, b)
                    )
    return found


def test_2l1c_never_has_the_circle_centre_on_one_of_its_lines(monkeypatch):
    # iso_triangle + on_line makes the apex the centre and puts third points on its legs:
    # defs.txt allows that binding, no figure builder (AlphaGeometry's, Newclid's) draws it
    weights = Weights(
        base={"iso_triangle": 1.0}, step={"on_line": 1.0, "2l1c": 1.0}, pair_share=0.0
    )
    assert _degenerate_2l1c(Sampler(weights, (4, 8))) == 0
    monkeypatch.setattr(sampler_module, "DRAWABLE", {})
    assert _degenerate_2l1c(Sampler(weights, (4, 8))) > 0  # the setup does reach the case
