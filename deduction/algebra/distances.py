"""Distance chasing: lengths (not log lengths) of segments as variables of a linear system.

AlphaGeometry's third table. Lengths add along a line, which ratio chasing (log lengths) cannot
express: with points a, b, c, d in this order on a line, |ab| = |cd| gives |ac| = |bd|. The
variables are segment lengths, a segment being the frozenset of its two point ids. Facts in:

    add_collinear({p: position}, tag)   |p_i p_k| = |p_i p_j| + |p_j p_k| for i < j < k in the
                                        numeric order along the line (positions: any affine
                                        coordinate along it, from the engine's realisation)
    cong(a, b, c, d)                    |ab| = |cd|
    midp(m, a, b)                       |am| = |mb| and |am| + |mb| = |ab| (m lies between a, b)
    rconst(a, b, c, d, v)               |ab| = v |cd|

Facts out: `cong` between segments whose lengths are entailed equal, and `rconst` (|s1|/|s2| = v,
v rational) when a ratio other than 1 is entailed. Both come from normal forms: the system is
homogeneous, so a length's normal form is a vector, equal vectors mean equal lengths and
proportional vectors a fixed ratio; grouping by the vector scaled to a leading 1 finds all of them
with one reduction per segment.

The numeric order on a line is taken from the positions the engine passes, as AlphaGeometry does:
betweenness is read off the diagram, and the `coll` fact that puts the points on one line is the
tag of the additive equations. Left out: lengths with irrational ratios (sqrt 2 from a square's
diagonal needs Pythagoras, a DD rule) and signed lengths.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Callable, Hashable, Iterator, Mapping
from fractions import Fraction

from deduction.algebra.linear import LinearSystem
from deduction.algebra.types import Derived

logger = logging.getLogger(__name__)

Segment = frozenset
Equation = tuple[dict[Segment, Fraction], Fraction]


def segment(a: Hashable, b: Hashable) -> Segment:
    """The segment id of two distinct points."""
    if a == b:
        raise ValueError(f"a segment needs two distinct points, got {a!r} twice")
    return frozenset((a, b))


def _ratio(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction | str):
        raise TypeError(f"ratio {value!r} must be a Fraction, int or 'p/q' string")
    try:
        ratio = Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"ratio {value!r} is not a rational number") from exc
    if ratio <= 0:
        raise ValueError(f"ratio {value!r} must be positive")
    return ratio


def _cong(args: tuple, value: object) -> list[Equation]:
    return [({segment(*args[:2]): Fraction(1), segment(*args[2:]): Fraction(-1)}, Fraction(0))]


def _midp(args: tuple, value: object) -> list[Equation]:
    m, a, b = args
    am, mb, ab = segment(a, m), segment(m, b), segment(a, b)
    one = Fraction(1)
    return [({am: one, mb: -one}, Fraction(0)), ({am: one, mb: one, ab: -one}, Fraction(0))]


def _rconst(args: tuple, value: object) -> list[Equation]:
    return [({segment(*args[:2]): Fraction(1), segment(*args[2:]): -_ratio(value)}, Fraction(0))]


FORMS: dict[str, tuple[int, Callable[[tuple, object], list[Equation]]]] = {
    "cong": (4, _cong),
    "midp": (3, _midp),
    "rconst": (4, _rconst),
}


class DistanceChaser:
    """Distance chasing over segments named by point pairs; see the module docstring."""

    def __init__(self, expand: bool = False) -> None:
        self.expand = expand
        self.system = LinearSystem(modular=False)
        self._order: dict[Segment, int] = {}
        self._reported: set = set()
        self._seen = (-1, -1)
        self._with_why = True

    def _segments(self, coeffs: Mapping[Segment, Fraction]) -> None:
        for seg in coeffs:
            self._order.setdefault(seg, len(self._order))

    def add_collinear(self, positions: Mapping[Hashable, float], tag: Hashable) -> bool:
        """Points on one line with their numeric coordinate along it; True if anything new."""
        try:
            ordered = sorted(positions.items(), key=lambda item: float(item[1]))
        except (TypeError, ValueError, AttributeError) as exc:
            raise TypeError(f"positions={positions!r} must map points to floats") from exc
        points = [p for p, _ in ordered]
        values = [float(x) for _, x in ordered]
        for (p, x), (q, y) in itertools.pairwise(zip(points, values, strict=True)):
            if not y - x > 0:
                raise ValueError(f"points {p!r} and {q!r} have the same position {x!r}")
        new = False
        # Consecutive triples generate every additive relation among the points of the line.
        for i, j in itertools.combinations(range(len(points)), 2):
            if j - i < 2:
                continue
            a, m, b = points[i], points[j - 1], points[j]
            one = Fraction(1)
            coeffs = {segment(a, b): one, segment(a, m): -one, segment(m, b): -one}
            self._segments(coeffs)
            new |= self.system.add(coeffs, 0, tag)
        return new

    def add(self, kind: str, args: tuple, tag: Hashable, *, value: object = None) -> bool:
        """Add `cong`, `midp` or `rconst` (value = |ab| / |cd|); True if anything new."""
        new = False
        for coeffs, _ in self._form(kind, args, value):
            self._segments(coeffs)
            new |= self.system.add(coeffs, 0, tag)
        return new

    def implies(self, kind: str, args: tuple, *, value: object = None) -> bool:
        return all(self.system.implies(c, 0) for c, _ in self._form(kind, args, value))

    def why(
        self, kind: str, args: tuple, *, value: object = None, upto: int | None = None
    ) -> frozenset | None:
        """Minimal tags for a single-equation fact (`cong`, `rconst`), or None."""
        equations = self._form(kind, args, value)
        if len(equations) != 1:
            raise ValueError(f"why() answers single-equation facts, not {kind!r}")
        return self.system.why(equations[0][0], 0, upto)

    def _form(self, kind: str, args: tuple, value: object) -> list[Equation]:
        spec = FORMS.get(kind)
        if spec is None:
            raise ValueError(f"unknown distance fact {kind!r}; expected one of {sorted(FORMS)}")
        arity, build = spec
        args = tuple(args)
        if len(args) != arity:
            raise ValueError(f"{kind} takes {arity} points, got {args!r}")
        return build(args, value)

    # ---- derivation ----------------------------------------------------------------------
    def derive(self, with_why: bool = True) -> list[Derived]:
        """New `cong` and `rconst` facts entailed since the last call, each with its why
        (or, with `with_why=False`, with why None until `explain(fact)`)."""
        state = (self.system.version, len(self._order))
        if state == self._seen:
            return []
        self._seen = state
        self._with_why = with_why
        classes: dict = {}
        for seg in sorted(self._order, key=self._order.__getitem__):
            coef, _ = self.system.normal_form({seg: 1})
            classes.setdefault(coef, []).append(seg)
        out: list[Derived] = []
        for members in classes.values():
            out.extend(self._new_congs(members))
        scaled: dict = {}
        for coef, members in classes.items():
            if not coef:
                continue  # a zero length: only an inconsistent input can entail it
            lead = min(coef, key=lambda item: self._order.get(item[0], -1))[1]
            key = frozenset((var, c / lead) for var, c in coef)
            scaled.setdefault(key, []).append((members, lead))
        for group in scaled.values():
            for (m1, c1), (m2, c2) in itertools.combinations(group, 2):
                out.extend(self._new_rconsts(m1, m2, c1 / c2))
        stamp = len(self.system)
        return [dataclasses.replace(f, stamp=stamp) for f in out]

    def explain(self, fact: Derived) -> frozenset:
        """The minimal why of a fact from `derive()`, from the equations known at its stamp."""
        if fact.kind not in ("cong", "rconst") or len(fact.args) != 2:
            raise ValueError(f"{fact} is not a distance fact")
        s1, s2 = fact.args
        ratio = Fraction(1) if fact.value is None else fact.value
        why = self.system.why({s1: 1, s2: -ratio}, 0, fact.stamp or None)
        if why is None:
            raise ValueError(f"{fact} is not entailed by the first {fact.stamp} equations")
        return why

    def _why(self, coeffs: dict) -> frozenset | None:
        if not self._with_why:
            return None
        why = self.system.why(coeffs, 0)
        assert why is not None
        return why

    def _new_congs(self, members: list[Segment]) -> Iterator[Derived]:
        for s1, s2 in itertools.combinations(members, 2):
            key = ("cong", frozenset((s1, s2)))
            if key not in self._reported:
                self._reported.add(key)
                yield Derived("cong", (s1, s2), self._why({s1: 1, s2: -1}))

    def _new_rconsts(self, m1: list, m2: list, ratio: Fraction) -> Iterator[Derived]:
        pairs = itertools.product(m1, m2) if self.expand else [(m1[0], m2[0])]
        for s1, s2 in pairs:
            if ratio < 1:  # report ratios above 1, the way problems state them
                s1, s2, value = s2, s1, 1 / ratio
            else:
                value = ratio
            key = ("rconst", s1, s2)
            if key in self._reported:
                continue
            self._reported.add(key)
            yield Derived("rconst", (s1, s2), self._why({s1: 1, s2: -value}), value)
