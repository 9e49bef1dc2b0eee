"""RatioChaser: exact rational constants, irrational ratios left out, completeness of derive()."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from deduction.algebra import RatioChaser, factorise
from deduction.algebra.chase import eq_key

F = Fraction


def _chaser(lengths: dict[str, float], expand: bool = False) -> RatioChaser:
    ch = RatioChaser(expand=expand)
    for seg, length in lengths.items():
        ch.add_segment(seg, length)
    return ch


def test_factorise() -> None:
    assert factorise(F(12, 5)) == {2: 2, 3: 1, 5: -1}
    assert factorise(F(1)) == {}
    with pytest.raises(ValueError):
        factorise(F(-1))


def test_constants_multiply_exactly() -> None:
    ch = _chaser({"a": 1.0, "b": 2.0, "c": 6.0, "d": 6.0})
    ch.add("rconst", ("b", "a"), "r2", value=2)
    ch.add("rconst", ("c", "b"), "r3", value=3)
    ch.add("cong", ("c", "d"), "cd")
    assert ch.ratio("c", "a") == 6
    assert ch.ratio("a", "d") == F(1, 6)
    assert ch.why("rconst", ("d", "a"), value=6) == {"r2", "r3", "cd"}
    facts = ch.derive()
    got = {(f.args, f.value) for f in facts if f.kind == "rconst"}
    assert (("c", "a"), F(6)) in got
    assert any(f.kind == "cong" and set(f.args) == {"c", "d"} for f in facts)


def test_square_root_ratio_is_not_a_constant() -> None:
    # |a|/|c| = |c|/|d| and |a| = 2|d| give |c|/|d| = sqrt 2: entailed, but not rational.
    ch = _chaser({"a": 2.0, "c": 2**0.5, "d": 1.0})
    ch.add("eqratio", ("a", "c", "c", "d"), "mean")
    ch.add("rconst", ("a", "d"), "two", value=2)
    assert ch.ratio("c", "d") is None
    assert ch.system.value_of({"c": 1, "d": -1}) == {2: F(1, 2)}
    assert not [f for f in ch.derive() if f.kind == "rconst" and "c" in f.args]


def test_eqratio_from_two_congruences() -> None:
    ch = _chaser({"a": 1.0, "b": 1.0, "c": 3.0, "d": 3.0})
    ch.add("cong", ("a", "b"), "ab")
    ch.add("cong", ("c", "d"), "cd")
    assert ch.implies("eqratio", ("a", "c", "b", "d"))
    assert ch.why("eqratio", ("a", "c", "b", "d")) == {"ab", "cd"}


@pytest.mark.parametrize("seed", range(8))
def test_derive_finds_every_entailed_fact(seed: int) -> None:
    rng = random.Random(seed)
    base = [F(1), F(2), F(3), F(3, 2), F(4)]
    lengths = {f"s{i}": rng.choice(base) for i in range(6)}
    ch = _chaser({s: float(v) for s, v in lengths.items()}, expand=True)
    segs = list(lengths)
    for k in range(rng.randint(2, 7)):
        a, b = rng.sample(segs, 2)
        ratio = lengths[a] / lengths[b]
        if ratio == 1:
            ch.add("cong", (a, b), f"c{k}")
        elif rng.random() < 0.5:
            ch.add("rconst", (a, b), f"r{k}", value=ratio)
        else:
            c, d = rng.sample(segs, 2)
            if lengths[c] / lengths[d] == ratio and {c, d} != {a, b}:
                ch.add("eqratio", (a, b, c, d), f"e{k}")
    facts = ch.derive()
    congs = {frozenset(f.args) for f in facts if f.kind == "cong"}
    want = {frozenset(p) for p in itertools.combinations(segs, 2) if ch.implies("cong", p)}
    assert congs == want

    def equal(a: str, b: str) -> bool:
        return a == b or frozenset((a, b)) in want

    for a, b in itertools.permutations(segs, 2):
        value = ch.ratio(a, b)
        if value is None or equal(a, b):
            continue
        hits = [f for f in facts if f.kind == "rconst" and f.args in ((a, b), (b, a))]
        assert hits, (a, b, value)
        f = hits[0]
        assert (f.value if f.args == (a, b) else 1 / f.value) == value
    eqs = {eq_key(f.args[:2], f.args[2:]) for f in facts if f.kind == "eqratio"}
    for a, b, c, d in itertools.product(segs, repeat=4):
        if equal(a, b) or equal(c, d) or (equal(a, c) and equal(b, d)):
            continue
        if equal(a, d) and equal(b, c):
            continue
        if ch.implies("eqratio", (a, b, c, d)):
            assert eq_key((b, a), (d, c)) in eqs, (a, b, c, d)
