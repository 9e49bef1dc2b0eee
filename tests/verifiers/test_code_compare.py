"""Host-side comparison and the value codec: pure functions, no sandbox."""

import math

import pytest

from verifiers.code import ORACLES, stdio_matches, values_equal
from verifiers.code.harness import Unserialisable, decode, encode


@pytest.mark.parametrize(
    "got, expected, tol, ok",
    [
        ("3\n", "3\n", 0, True),
        ("3   \n\n\n", "3", 0, True),  # trailing spaces and blank lines
        ("3\r\n", "3\n", 0, True),
        (" 3\n", "3\n", 0, False),  # leading space is significant
        ("1\n", "1\n2\n3\n", 0, False),  # truncated (zip-style comparators pass this)
        ("1\n2\n3\ngarbage\n", "1\n2\n3\n", 0, False),  # extra lines
        ("", "3\n", 0, False),
        ("0.3333333\n", "0.333333333\n", 1e-6, True),
        ("0.3334\n", "0.333333333\n", 1e-6, False),
        ("0.3333333\n", "0.333333333\n", 0, False),  # no tolerance: exact text
        ("1.0 abc\n", "1.0000001 abc\n", 1e-6, True),
        ("1.0 abd\n", "1.0000001 abc\n", 1e-6, False),
        ("nan\n", "nan\n", 1e-6, True),
        ("1 2\n", "1 2 3\n", 1e-6, False),
    ],
)
def test_stdio_matches(got, expected, tol, ok):
    assert stdio_matches(got, expected, tol)[0] is ok


@pytest.mark.parametrize(
    "got, exp, ok",
    [
        (3, 3, True),
        (3.0, 3, True),  # numbers compare by value, as Python's == does
        (True, 1, False),  # but bool is not int
        (1, True, False),
        ([1, 2], (1, 2), False),  # list is not tuple
        ((1, [2.0000000001]), (1, [2.0]), True),  # float tolerance at any depth
        ([0.1 + 0.2], [0.3], True),
        (0.31, 0.3, False),
        ({1: "a"}, {1: "a"}, True),
        ({1: "a"}, {1: "b"}, False),
        ({1, 2}, {2, 1}, True),
        ({1, 2}, frozenset({1, 2}), False),
        (None, 0, False),
        ("3", 3, False),
        (math.nan, math.nan, True),
        (1 + 2j, 1 + 2j, True),
        ([1, 2], [1, 2, 3], False),
    ],
)
def test_values_equal_is_type_aware(got, exp, ok):
    assert values_equal(got, exp) is ok


def test_atol_widens_float_comparison():
    assert not values_equal(1.001, 1.0)
    assert values_equal(1.001, 1.0, atol=1e-2)


def test_oracles():
    assert ORACLES["poly_root"](1.0, 99.0, ([-1, 1],), 1e-6)  # x - 1 = 0 at 1, any root is fine
    assert not ORACLES["poly_root"](2.0, 1.0, ([-1, 1],), 1e-6)
    assert ORACLES["equal_or_zero"](0, 5, (), 0) and not ORACLES["equal_or_zero"](4, 5, (), 0)
    assert ORACLES["apps"]((1, 2), [1, 2], (), 0)
    assert ORACLES["apps"](7, [7], (), 0) and not ORACLES["apps"](8, [7], (), 0)
    assert ORACLES["unordered"](("b", "a"), ("a", "b"), (), 0)
    assert ORACLES["unordered"](["a", "b"], ("b", "a"), (), 0)
    assert not ORACLES["unordered"](("a",), ("a", "b"), (), 0)
    assert ORACLES["unordered"]([[1], [2]], [[2], [1]], (), 0)  # unhashable members
    assert not ORACLES["unordered"](3, [3], (), 0)


@pytest.mark.parametrize(
    "value",
    [
        None, True, 0, -(2**80), 2**200, 1.5, math.inf, -math.inf, "ünï", b"\x00\xff",
        [1, [2, [3]]], (1, (2,)), (), {"a": 1, 2: [3], (4, 5): {6}}, {1, 2}, frozenset({(1, 2)}),
        3 - 4j, [{"__t": "tuple", "v": []}],
    ],
)  # fmt: skip
def test_codec_round_trip(value):
    back = decode(encode(value))
    assert type(back) is type(value)
    assert values_equal(back, value) and repr(back) == repr(value)


def test_codec_reads_subclasses_as_their_plain_value():
    from collections import Counter, namedtuple

    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    point = namedtuple("point", "x y")
    assert decode(encode(Counter("aab"))) == {"a": 2, "b": 1}
    assert type(decode(encode(point(1, 2)))) is tuple
    back = decode(encode(Liar(3)))
    assert type(back) is int and back == 3 and back != 4


def test_codec_refuses_objects_and_cycles():
    class Any:
        def __eq__(self, other):
            return True

    with pytest.raises(Unserialisable):
        encode(Any())
    with pytest.raises(Unserialisable):
        encode([1, Any()])
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(Unserialisable):
        encode(cyclic)


def test_decode_rejects_unknown_tags():
    with pytest.raises(ValueError):
        decode({"__t": "eval", "v": "__import__('os')"})
    with pytest.raises(ValueError):
        decode({"__t": "tuple", "v": [], "x": 1})


def test_digest_is_canonical_for_equal_values():
    from verifiers.code.harness import digest

    a = {"x": {3, 1, 2}, "y": [1.5, (2, "z")]}
    b = {"y": [1.5, (2, "z")], "x": {2, 3, 1}}
    assert digest(a) == digest(b)
    assert digest([1, 2]) != digest((1, 2)) and digest([1, 2]) != digest([2, 1])
    assert digest({frozenset({"a", "b"}): 1}) == digest({frozenset({"b", "a"}): 1})
