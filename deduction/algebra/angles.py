"""Angle chasing: line directions modulo pi as variables of a congruence system mod 1.

Each line gets a variable d(l), its direction in units of pi, defined modulo 1 (a line has no
orientation, so directions live in R/Z after dividing by pi). Facts become congruences with
integer coefficients:

    para(l1, l2)              d1 - d2 = 0
    perp(l1, l2)              d2 - d1 = 1/2
    aconst(l1, l2, v)         d2 - d1 = v        (v rational, reduced into [0, 1))
    eqangle(l1, l2, l3, l4)   d2 - d1 - d4 + d3 = 0

Why modular and not plain rationals: over Q, `perp(a, b)` and `perp(b, a)` would read
d_b - d_a = 1/2 and d_a - d_b = 1/2, a contradiction (0 = 1), and dividing 2x = 1/2 by two would
"prove" x = 1/4 although x = 3/4 is as good. `LinearSystem(modular=True)` only ever forms integer
combinations and keeps constants in Q/Z, so it derives exactly the congruences that hold in every
configuration satisfying the premises (complete over Q/Z, see linear.py), no more.

The engine gives each line's numeric direction (radians, any real, taken mod pi); it is used only
to choose candidates (see chase.py). Constants worth testing for `aconst` are the multiples of 1/L
where L is the lcm of the denominators of all constants added: integer combinations of the
premises cannot produce any other value.

Left out: facts about angles between the same pair of lines in both orders (eqangle(a, b, b, a)
only says 2 d = 0) and orientation-dependent facts (AlphaGeometry's directed angles are mod pi,
so are these).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from fractions import Fraction

from deduction.algebra.chase import DifferenceChaser, Pair
from deduction.algebra.linear import PI
from deduction.algebra.types import Derived

HALF = Fraction(1, 2)

Form = tuple[dict[Hashable, int], Fraction]


def _sum(*terms: tuple[Hashable, int]) -> dict[Hashable, int]:
    out: dict[Hashable, int] = {}
    for obj, c in terms:
        out[obj] = out.get(obj, 0) + c
    return out


def _value(value: object) -> Fraction:
    if value is None:
        raise ValueError("aconst needs a value (a rational number of pi)")
    if isinstance(value, bool) or not isinstance(value, int | Fraction | str):
        raise TypeError(f"angle value {value!r} must be a Fraction, int or 'p/q' string")
    try:
        return Fraction(value) % 1
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"angle value {value!r} is not a rational multiple of pi") from exc


# kind -> (arity, builder of the congruence `coeffs = const (mod 1)`)
FORMS: dict[str, tuple[int, Callable[[tuple, object], Form]]] = {
    "para": (2, lambda a, v: (_sum((a[0], 1), (a[1], -1)), Fraction(0))),
    "perp": (2, lambda a, v: (_sum((a[1], 1), (a[0], -1)), HALF)),
    "aconst": (2, lambda a, v: (_sum((a[1], 1), (a[0], -1)), _value(v))),
    "eqangle": (4, lambda a, v: (_sum((a[1], 1), (a[0], -1), (a[3], -1), (a[2], 1)), Fraction(0))),
}


class AngleChaser(DifferenceChaser):
    """Angle chasing over registered lines; see the module and package docstrings."""

    MODULAR = True
    EQUAL = "para"
    CONST = "aconst"
    EQ = "eqangle"

    def __init__(self, tol: float = 1e-6, expand: bool = False) -> None:
        super().__init__(tol=tol, expand=expand)
        self._lcm = 1

    def add_line(self, line: Hashable, direction: float) -> None:
        """Register a line with its numeric direction in radians (taken mod pi)."""
        self._register(line, direction)

    def add(self, kind: str, args: tuple, tag: Hashable, *, value: object = None) -> bool:
        """Add a fact (`para`, `perp`, `aconst`, `eqangle`); True if it taught anything new."""
        coeffs, const = self._form(kind, args, value)
        self._lcm = math.lcm(self._lcm, const.denominator)
        return self._add(coeffs, const, tag)

    def implies(self, kind: str, args: tuple, *, value: object = None) -> bool:
        coeffs, const = self._form(kind, args, value)
        return self.system.implies(coeffs, const)

    def why(
        self, kind: str, args: tuple, *, value: object = None, upto: int | None = None
    ) -> frozenset | None:
        """Minimal tags entailing the fact, or None if it is not entailed."""
        coeffs, const = self._form(kind, args, value)
        return self.system.why(coeffs, const, upto)

    def angle(self, l1: Hashable, l2: Hashable) -> Fraction | None:
        """The entailed value of d(l2) - d(l1) in units of pi, or None if not determined."""
        value = self.system.value_of({l2: 1, l1: -1})
        assert value is None or isinstance(value, Fraction)
        return value

    def _form(self, kind: str, args: tuple, value: object) -> Form:
        spec = FORMS.get(kind)
        if spec is None:
            raise ValueError(f"unknown angle fact {kind!r}; expected one of {sorted(FORMS)}")
        arity, build = spec
        args = tuple(args)
        if len(args) != arity:
            raise ValueError(f"{kind} takes {arity} lines, got {args!r}")
        return build(args, value)

    # ---- numeric conventions (chase.py hooks) --------------------------------------------
    def _numeric(self, value: float) -> float:
        return (value / math.pi) % 1.0

    def _difference(self, a: Hashable, b: Hashable) -> float:
        return (self._value[b] - self._value[a]) % 1.0

    def _orient(self, a: Hashable, b: Hashable) -> tuple[Pair, float, bool]:
        d = self._difference(a, b)
        pair = (a, b)
        if d > 0.5:
            pair, d = (b, a), 1.0 - d
        return pair, d, d < self.tol or d > 0.5 - self.tol

    def _const_candidate(self, value: float) -> bool:
        scaled = value * self._lcm
        return abs(scaled - round(scaled)) < self.tol * self._lcm

    def _const_value(self, nf_const: frozenset) -> Fraction | None:
        return (-dict(nf_const).get(PI, Fraction(0))) % 1

    def _negate(self, value: Fraction) -> Fraction:
        return (-value) % 1

    def _const_fact(self, pair: Pair, value: Fraction, why: frozenset | None) -> Derived:
        if value == HALF:
            return Derived("perp", pair, why)
        return Derived("aconst", pair, why, value)
