"""LinearSystem: exact entailment, minimal provenance, and the mod-1 pitfalls."""

from __future__ import annotations

import doctest
import itertools
import random
from fractions import Fraction

import numpy as np
import pytest
import sympy

import deduction.algebra
from deduction.algebra import InconsistentError, LinearSystem

F = Fraction


def test_package_docstring_example_runs() -> None:
    result = doctest.testmod(deduction.algebra, raise_on_error=False)
    assert result.attempted > 5
    assert result.failed == 0


def test_two_x_equals_half_has_two_solutions_mod_one() -> None:
    s = LinearSystem(modular=True)
    assert s.add({"x": 2}, F(1, 2), "e")
    # Dividing by two would claim x = 1/4; x = 3/4 satisfies 2x = 1/2 (mod 1) just as well.
    assert not s.implies({"x": 1}, F(1, 4))
    assert not s.implies({"x": 1}, F(3, 4))
    assert s.value_of({"x": 1}) is None
    assert s.value_of({"x": 2}) == F(1, 2)
    assert s.implies({"x": 4}, 0)
    assert s.implies({"x": -2}, F(1, 2))  # -1/2 = 1/2 (mod 1)
    # Choosing one of the two solutions is consistent; a third value is not.
    assert s.add({"x": 1}, F(3, 4), "pick")
    assert s.value_of({"x": 1}) == F(3, 4)
    with pytest.raises(InconsistentError) as err:
        s.add({"x": 1}, F(1, 3), "bad")
    assert "bad" in err.value.why
    assert s.value_of({"x": 1}) == F(3, 4)  # unchanged by the rejected equation


def test_lattice_refinement_when_pivots_do_not_divide() -> None:
    s = LinearSystem(modular=True)
    s.add({"x": 2, "y": 1}, 0, "a")
    s.add({"x": 3, "y": 1}, F(1, 2), "b")  # gcd step: together they give x = 1/2, y = 0
    assert s.value_of({"x": 1}) == F(1, 2)
    assert s.value_of({"y": 1}) == 0
    assert s.why({"x": 1}, F(1, 2)) == {"a", "b"}


def test_perp_stated_in_both_orders_is_redundant_not_contradictory() -> None:
    s = LinearSystem(modular=True)
    assert s.add({"b": 1, "a": -1}, F(1, 2), "perp ab")
    assert not s.add({"a": 1, "b": -1}, F(1, 2), "perp ba")


def test_rational_system_and_basis_constants() -> None:
    s = LinearSystem()
    s.add({"x": 2, "y": -2}, {2: 1}, "e1")  # 2x - 2y = log 2
    assert s.value_of({"x": 1, "y": -1}) == {2: F(1, 2)}
    assert not s.implies({"x": 1, "y": -1}, {3: F(1, 2)})
    with pytest.raises(InconsistentError):
        s.add({"x": 1, "y": -1}, {3: 1}, "e2")


def test_why_is_minimal_and_drops_a_redundant_premise() -> None:
    s = LinearSystem()
    s.add({"a": 1, "b": -1}, 0, "ab")
    s.add({"b": 1, "c": -1}, 0, "bc")
    s.add({"c": 1, "d": -1}, 0, "cd")
    s.add({"x": 1, "y": -1}, 0, "xy")  # unrelated
    assert s.why({"a": 1, "c": -1}) == {"ab", "bc"}
    assert s.why({"a": 1, "x": -1}) is None
    # One tag carrying two equations, one of them redundant: the shorter support wins.
    t = LinearSystem()
    t.add({"b": 1, "c": -1}, 0, "B")
    t.add({"a": 1, "b": -1}, 0, "A")
    t.add({"a": 1, "c": -1}, 0, "A")
    assert t.why({"a": 1, "c": -1}) == {"A"}


def _implied_by(eqs: list, tags: set, target: dict, const: object, modular: bool) -> bool:
    sub = LinearSystem(modular)
    for coeffs, c, tag in eqs:
        if tag in tags:
            sub.add(coeffs, c, tag)
    return sub.implies(target, const)


@pytest.mark.parametrize(("modular", "tags"), [(False, 99), (True, 99), (False, 4), (True, 4)])
def test_why_minimality_on_random_systems(modular: bool, tags: int) -> None:
    """Dropping any tag of a why breaks the derivation; with `tags` < the number of equations
    several equations share a tag (as a `coll` fact yields several distance equations)."""
    rng = random.Random(7 + tags)
    variables = [f"v{i}" for i in range(6)]
    for _ in range(12):
        s = LinearSystem(modular)
        eqs = []
        for k in range(rng.randint(3, 8)):
            a, b, c, d = rng.sample(variables, 4)
            coeffs = {a: 1, b: -1} if rng.random() < 0.5 else {a: 1, b: -1, c: -1, d: 1}
            const = F(rng.choice([0, 1, 2]), 4) if modular else 0
            tag = f"t{k % tags}"
            try:
                s.add(coeffs, const, tag)
            except InconsistentError:
                continue
            eqs.append((coeffs, const, tag))
        stamp = len(s)
        for a, b in itertools.permutations(variables, 2):
            target = {a: 1, b: -1}
            value = s.value_of(target)
            if value is None:
                continue
            const = value if modular else 0
            for why in (s.why(target, const), s.why(target, const, upto=stamp)):
                assert why is not None and _implied_by(eqs, set(why), target, const, modular)
                for tag in why:
                    assert not _implied_by(eqs, set(why) - {tag}, target, const, modular)


def test_why_upto_ignores_later_equations() -> None:
    s = LinearSystem()
    s.add({"a": 1, "b": -1}, 0, "ab")
    s.add({"b": 1, "c": -1}, 0, "bc")
    stamp = len(s)
    s.add({"a": 1, "c": -1}, 0, "ac, derived later")
    assert s.why({"a": 1, "c": -1}) == {"ac, derived later"}
    assert s.why({"a": 1, "c": -1}, upto=stamp) == {"ab", "bc"}
    assert s.why({"a": 1, "c": -1}, upto=1) is None
    with pytest.raises(ValueError):
        s.why({"a": 1}, upto=99)


def test_implies_matches_rank_on_random_rational_systems() -> None:
    rng = random.Random(3)
    n = 5
    for _ in range(15):
        rows = [[rng.randint(-2, 2) for _ in range(n)] for _ in range(rng.randint(1, 4))]
        s = LinearSystem()
        for i, row in enumerate(rows):
            s.add({j: c for j, c in enumerate(row)}, 0, i)
        matrix = sympy.Matrix(rows)
        rank = matrix.rank()
        assert s.rank == rank
        for _ in range(10):
            if rng.random() < 0.5:  # a combination of the rows: must be entailed
                weights = [rng.randint(-3, 3) for _ in rows]
                target = [
                    sum(w * r[j] for w, r in zip(weights, rows, strict=True)) for j in range(n)
                ]
            else:
                target = [rng.randint(-2, 2) for _ in range(n)]
            expected = sympy.Matrix(rows + [target]).rank() == rank
            assert s.implies({j: c for j, c in enumerate(target)}, 0) == expected


def _grid_solutions(eqs: list, n: int, m: int) -> np.ndarray:
    """All x in ((1/m) Z / Z)^n, as integers k with x = k/m, that satisfy every congruence."""
    grid = np.array(list(itertools.product(range(m), repeat=n)), dtype=np.int64)
    keep = np.ones(len(grid), dtype=bool)
    for coeffs, const in eqs:
        lhs = grid @ np.array(coeffs, dtype=np.int64)
        keep &= (lhs - int(const * m)) % m == 0
    return grid[keep]


def test_modular_implies_is_sound_and_complete_on_a_grid() -> None:
    """Entailed congruences hold on every grid solution; for these small systems every
    non-entailed one is refuted by some solution with denominator dividing 24."""
    rng = random.Random(11)
    n, m = 3, 24
    for _ in range(40):
        eqs = []
        for _ in range(rng.randint(1, 2)):
            eqs.append(([rng.randint(-2, 2) for _ in range(n)], F(rng.randint(0, 3), 4)))
        s = LinearSystem(modular=True)
        try:
            for i, (coeffs, const) in enumerate(eqs):
                s.add(dict(enumerate(coeffs)), const, i)
        except InconsistentError:
            assert len(_grid_solutions(eqs, n, m)) == 0
            continue
        sols = _grid_solutions(eqs, n, m)
        assert len(sols) > 0
        for _ in range(8):
            target = [rng.randint(-2, 2) for _ in range(n)]
            values = (sols @ np.array(target, dtype=np.int64)) % m
            constant = len(set(values.tolist())) == 1
            value = s.value_of(dict(enumerate(target)))
            assert (value is not None) == constant
            if constant:
                assert value == F(int(values[0]), m)
