"""Ratio chasing: log lengths of segments as variables of a linear system over Q.

Each segment s gets a variable x(s) = log|s|. Facts become linear equations:

    cong(s1, s2)              x1 - x2 = 0
    rconst(s1, s2, v)         x1 - x2 = log v
    eqratio(s1, s2, s3, s4)   x1 - x2 - x3 + x4 = 0

A rational constant v = prod(p ** e_p) is stored as its exponent vector over primes: the logs of
distinct primes are linearly independent over Q (unique factorisation), so each prime is its own
basis constant and log 6 = log 2 + log 3 is exact, not a float coincidence. A derived ratio is
reported as `rconst` only when all its exponents are integers (x = log 2 / 2 means |s1|/|s2| is
the square root of 2, which is not a rational constant).

Candidates come from the numeric lengths (see chase.py); a value is worth testing as an `rconst`
when it is close to a fraction whose numerator and denominator factor over the primes seen in
the premises, since no other constant can be produced.

Left out: sums of lengths (that is distance chasing, distances.py) and irrational constants.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from fractions import Fraction

from deduction.algebra.chase import DifferenceChaser, Pair
from deduction.algebra.types import Derived

Form = tuple[dict[Hashable, int], dict[int, Fraction]]

# Ratios are recognised numerically up to this denominator before being tested exactly.
MAX_DENOMINATOR = 10_000


def factorise(value: Fraction) -> dict[int, Fraction]:
    """Prime exponents of a positive rational: 12/5 -> {2: 2, 3: 1, 5: -1}."""
    if value <= 0:
        raise ValueError(f"ratio {value} must be positive")
    out: dict[int, Fraction] = {}
    for n, sign in ((value.numerator, 1), (value.denominator, -1)):
        p = 2
        while p * p <= n:
            while n % p == 0:
                out[p] = out.get(p, Fraction(0)) + sign
                n //= p
            p += 1
        if n > 1:
            out[n] = out.get(n, Fraction(0)) + sign
    return out


def _sum(*terms: tuple[Hashable, int]) -> dict[Hashable, int]:
    out: dict[Hashable, int] = {}
    for obj, c in terms:
        out[obj] = out.get(obj, 0) + c
    return out


def _ratio(value: object) -> Fraction:
    if value is None:
        raise ValueError("rconst needs a value (a positive rational)")
    if isinstance(value, bool) or not isinstance(value, int | Fraction | str):
        raise TypeError(f"ratio {value!r} must be a Fraction, int or 'p/q' string")
    try:
        ratio = Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"ratio {value!r} is not a rational number") from exc
    if ratio <= 0:
        raise ValueError(f"ratio {value!r} must be positive")
    return ratio


FORMS: dict[str, tuple[int, Callable[[tuple, object], Form]]] = {
    "cong": (2, lambda a, v: (_sum((a[0], 1), (a[1], -1)), {})),
    "rconst": (2, lambda a, v: (_sum((a[0], 1), (a[1], -1)), factorise(_ratio(v)))),
    "eqratio": (4, lambda a, v: (_sum((a[0], 1), (a[1], -1), (a[2], -1), (a[3], 1)), {})),
}


class RatioChaser(DifferenceChaser):
    """Ratio chasing over registered segments; see the module and package docstrings."""

    MODULAR = False
    EQUAL = "cong"
    CONST = "rconst"
    EQ = "eqratio"

    def __init__(self, tol: float = 1e-6, expand: bool = False) -> None:
        super().__init__(tol=tol, expand=expand)
        self._primes: set[int] = set()

    def add_segment(self, segment: Hashable, length: float) -> None:
        """Register a segment with its numeric length (> 0)."""
        if not float(length) > 0:
            raise ValueError(f"length of {segment!r} is {length!r}; it must be > 0")
        self._register(segment, math.log(float(length)))

    def add(self, kind: str, args: tuple, tag: Hashable, *, value: object = None) -> bool:
        """Add a fact (`cong`, `rconst`, `eqratio`); True if it taught anything new."""
        coeffs, const = self._form(kind, args, value)
        self._primes.update(const)
        return self._add(coeffs, const, tag)

    def implies(self, kind: str, args: tuple, *, value: object = None) -> bool:
        coeffs, const = self._form(kind, args, value)
        return self.system.implies(coeffs, const)

    def why(
        self, kind: str, args: tuple, *, value: object = None, upto: int | None = None
    ) -> frozenset | None:
        coeffs, const = self._form(kind, args, value)
        return self.system.why(coeffs, const, upto)

    def ratio(self, s1: Hashable, s2: Hashable) -> Fraction | None:
        """The entailed rational value of |s1| / |s2|, or None."""
        value = self.system.value_of({s1: 1, s2: -1})
        if value is None:
            return None
        assert isinstance(value, dict)
        return self._const_value(frozenset((p, -e) for p, e in value.items()))

    def _form(self, kind: str, args: tuple, value: object) -> Form:
        spec = FORMS.get(kind)
        if spec is None:
            raise ValueError(f"unknown ratio fact {kind!r}; expected one of {sorted(FORMS)}")
        arity, build = spec
        args = tuple(args)
        if len(args) != arity:
            raise ValueError(f"{kind} takes {arity} segments, got {args!r}")
        return build(args, value)

    # ---- numeric conventions (chase.py hooks) --------------------------------------------
    def _const_candidate(self, value: float) -> bool:
        if not self._primes or value > 50:
            return False
        ratio = math.exp(value)
        guess = Fraction(ratio).limit_denominator(MAX_DENOMINATOR)
        if abs(float(guess) - ratio) > self.tol * ratio:
            return False
        return set(factorise(guess)) <= self._primes

    def _const_value(self, nf_const: frozenset) -> Fraction | None:
        value = Fraction(1)
        for p, e in nf_const:
            if e.denominator != 1:
                return None
            value *= Fraction(p) ** int(-e)
        return value

    def _negate(self, value: Fraction) -> Fraction:
        return 1 / value

    def _const_input(self, value: Fraction) -> object:
        return factorise(value)

    def _const_fact(self, pair: Pair, value: Fraction, why: frozenset | None) -> Derived:
        # The pair (a, b) stands for x_b - x_a = log v, i.e. |b| / |a| = v.
        return Derived("rconst", (pair[1], pair[0]), why, value)

    def _eq_fact(self, p: Pair, q: Pair, why: frozenset | None) -> Derived:
        return Derived("eqratio", (p[1], p[0], q[1], q[0]), why)
