"""DistanceChaser: lengths adding up along lines."""

from __future__ import annotations

from fractions import Fraction

import pytest

from deduction.algebra import DistanceChaser, segment


def _facts(ch: DistanceChaser) -> dict:
    return {(f.kind, f.args): (f.value, f.why) for f in ch.derive()}


def test_equal_parts_of_a_line_give_equal_overlaps() -> None:
    ch = DistanceChaser()
    ch.add_collinear({"a": 0.0, "b": 1.0, "c": 3.0, "d": 4.0}, "coll")
    ch.add("cong", ("a", "b", "c", "d"), "ab=cd")
    assert ch.implies("cong", ("a", "c", "b", "d"))
    assert ch.why("cong", ("a", "c", "b", "d")) == {"coll", "ab=cd"}
    assert not ch.implies("cong", ("a", "b", "b", "c"))
    facts = _facts(ch)
    assert any(
        k[0] == "cong" and set(k[1]) == {segment("a", "c"), segment("b", "d")} for k in facts
    )


def test_midpoints_give_ratios() -> None:
    ch = DistanceChaser()
    ch.add("midp", ("m", "a", "b"), "M")
    ch.add("midp", ("n", "a", "m"), "N")
    ch.add_collinear({"a": 0.0, "n": 1.0, "m": 2.0, "b": 4.0}, "coll")
    assert ch.implies("rconst", ("a", "b", "a", "n"), value=4)
    assert ch.why("rconst", ("a", "b", "a", "n"), value=4) == {"M", "N"}
    facts = ch.derive()
    ratios = {(f.args, f.value) for f in facts if f.kind == "rconst"}
    assert any(v == 4 and set(a) == {segment("a", "b"), segment("a", "n")} for a, v in ratios)
    assert all(f.value > 1 for f in facts if f.kind == "rconst")
    nb = [f for f in facts if f.kind == "rconst" and segment("n", "b") in f.args]
    assert nb and all(f.value in (Fraction(3), Fraction(3, 2), Fraction(4, 3)) for f in nb)


def test_bad_input() -> None:
    ch = DistanceChaser()
    with pytest.raises(ValueError):
        ch.add_collinear({"a": 0.0, "b": 0.0}, "coincident")
    with pytest.raises(ValueError):
        ch.add("cong", ("a", "a", "b", "c"), "t")
    with pytest.raises(ValueError):
        ch.add("rconst", ("a", "b", "c", "d"), "t", value=-2)
    with pytest.raises(ValueError):
        ch.add("tangent", ("a", "b"), "t")
