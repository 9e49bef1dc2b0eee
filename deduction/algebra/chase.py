"""Shared machinery of angle and ratio chasing: "differences of variables" over a linear system.

Both chasers have the same shape. Each object (a line, a segment) is a variable with a numeric
value (its direction in units of pi, its log length). Facts in and out are:

    equal(a, b)        v_a = v_b                   para / cong
    const(a, b, k)     v_b - v_a = k               aconst / rconst
    eq(a, b, c, d)     v_b - v_a = v_d - v_c       eqangle / eqratio

`derive()` finds every new fact of these three kinds entailed by the system, without testing
pairs blindly:

1. Equal variables: two variables are entailed equal exactly when their normal forms
   (`LinearSystem.normal_form`) are equal, so classes come from one reduction per variable and a
   dict; no numeric pruning is even needed.
2. Equal differences: the numeric differences of class representatives are clustered (sorted,
   split where the gap exceeds `tol`); only clusters with two or more members can hold an `eq`
   fact, and within a cluster the entailed-equal pairs are again found by hashing normal forms.
   The numeric values are used only to choose candidates: every fact reported is entailed
   exactly, never because numbers agree.
3. Constants: a difference is determined when its normal form has no variable left. Singletons
   are tested only when their numeric value could be a constant the system can produce (the
   subclass says which: multiples of 1/L for angles, products of known primes for ratios).

The work per call: one reduction per variable (its residue); for each candidate pair, a cheap
normal form computed from the two residues (`LinearSystem.difference_form`); a float sort of
the representative pairs, which is quadratic in the number of classes but costs microseconds per
pair; and the whys of the new facts, which dominate (`derive(with_why=False)` defers them to
`explain`). A call when no equation since the last one taught the system anything costs
nothing (`LinearSystem.version`). Left out: tracking which rows changed to re-test only the
clusters they touch; the numeric clustering already keeps the candidates near the number of
true coincidences.

`eq` facts are reported between class representatives (the earliest registered member of each
equal class); with `expand=True` every member combination is reported too, which grows as the
product of the class sizes. `implies`/`why` answer for any ids at any time.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Hashable, Iterator
from fractions import Fraction

from deduction.algebra.linear import LinearSystem
from deduction.algebra.types import Derived

logger = logging.getLogger(__name__)

Pair = tuple[Hashable, Hashable]


def eq_key(p: Pair, q: Pair) -> frozenset:
    """The same relation v_b - v_a = v_d - v_c under its 8 spellings."""
    (a, b), (c, d) = p, q
    forms = [((a, b), (c, d)), ((a, c), (b, d))]
    out = set()
    for (w, x), (y, z) in forms:
        out.update({(w, x, y, z), (y, z, w, x), (x, w, z, y), (z, y, x, w)})
    return frozenset(out)


class DifferenceChaser:
    """Base class; subclasses set the vocabulary and the numeric/constant conventions."""

    MODULAR = False
    EQUAL = "equal"
    CONST = "const"
    EQ = "eq"

    def __init__(self, tol: float = 1e-6, expand: bool = False) -> None:
        if not tol > 0:
            raise ValueError(f"{tol=} must be > 0")
        self.tol = tol
        self.expand = expand
        self.system = LinearSystem(modular=self.MODULAR)
        self._value: dict[Hashable, float] = {}
        self._order: dict[Hashable, int] = {}
        self._reported: set = set()
        self._seen = (-1, -1)
        self._with_why = True
        self._residues: dict = {}

    # ---- subclass hooks ------------------------------------------------------------------
    def _numeric(self, value: float) -> float:
        return value

    def _difference(self, a: Hashable, b: Hashable) -> float:
        return self._value[b] - self._value[a]

    def _orient(self, a: Hashable, b: Hashable) -> tuple[Pair, float, bool]:
        """Orient the pair so its numeric difference is in canonical range; also say whether
        the opposite orientation is numerically the same (then both are candidates)."""
        d = self._difference(a, b)
        if d < 0:
            return (b, a), -d, d > -self.tol
        return (a, b), d, d < self.tol

    def _const_candidate(self, value: float) -> bool:
        return False

    def _const_value(self, nf_const: frozenset) -> Fraction | None:
        raise NotImplementedError

    def _const_fact(self, pair: Pair, value: Fraction, why: frozenset | None) -> Derived:
        return Derived(self.CONST, pair, why, value)

    def _equal_fact(self, a: Hashable, b: Hashable, why: frozenset | None) -> Derived:
        return Derived(self.EQUAL, (a, b), why)

    def _eq_fact(self, p: Pair, q: Pair, why: frozenset | None) -> Derived:
        return Derived(self.EQ, p + q, why)

    # ---- input ---------------------------------------------------------------------------
    def _register(self, obj: Hashable, value: float) -> None:
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"numeric value {value!r} of {obj!r} must be a float") from exc
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"numeric value of {obj!r} is {value!r}")
        if obj not in self._order:
            self._order[obj] = len(self._order)
        self._value[obj] = self._numeric(number)

    def _known(self, *objs: Hashable) -> None:
        for obj in objs:
            if obj not in self._order:
                raise ValueError(f"{obj!r} was never registered with its numeric value")

    def _add(self, coeffs: dict[Hashable, int], const: object, tag: Hashable) -> bool:
        coeffs = {k: v for k, v in coeffs.items() if v}
        self._known(*coeffs)
        return self.system.add(coeffs, const, tag)

    # ---- derivation ----------------------------------------------------------------------
    def derive(self, with_why: bool = True) -> list[Derived]:
        """Every fact entailed now and not reported by an earlier call, each with its why.

        With `with_why=False` the (costlier) minimal premises are left for `explain(fact)`, so
        an engine that drops facts it already knows pays only for those it keeps.
        """
        state = (self.system.version, len(self._order))
        if state == self._seen:
            return []
        self._seen = state
        self._with_why = with_why
        out: list[Derived] = []
        classes = self._classes()
        for members in classes:
            out.extend(self._new_equal(members))
        reps = [members[0] for members in classes]
        for group in self._candidate_groups(reps):
            out.extend(self._new_from_group(group, classes))
        logger.debug("%s.derive: %d new facts", type(self).__name__, len(out))
        stamp = len(self.system)
        return [dataclasses.replace(f, stamp=stamp) for f in out]

    def explain(self, fact: Derived) -> frozenset:
        """The minimal why of a fact from `derive()`, using only equations known at its stamp."""
        why = self.why(fact.kind, fact.args, value=fact.value, upto=fact.stamp or None)
        if why is None:
            raise ValueError(f"{fact} is not entailed by the first {fact.stamp} equations")
        return why

    def why(
        self, kind: str, args: tuple, *, value: object = None, upto: int | None = None
    ) -> frozenset | None:
        raise NotImplementedError

    def _classes(self) -> list[list[Hashable]]:
        order = sorted(self._order, key=self._order.__getitem__)
        self._residues = self.system.residues(order)
        by_nf: dict = {}
        for obj in order:
            coef, cst = self._residues[obj]
            by_nf.setdefault((frozenset(coef.items()), frozenset(cst.items())), []).append(obj)
        return list(by_nf.values())

    def _new_equal(self, members: list[Hashable]) -> Iterator[Derived]:
        for a, b in itertools.combinations(members, 2):
            key = ("equal", frozenset((a, b)))
            if key not in self._reported:
                self._reported.add(key)
                yield self._equal_fact(a, b, self._why({b: 1, a: -1}, 0))

    def _why(self, coeffs: dict, const: object) -> frozenset | None:
        if not self._with_why:
            return None
        why = self.system.why(coeffs, const)
        if why is None:  # entailed by construction of the candidate; a bug if not
            raise AssertionError(f"{coeffs} = {const} found but not entailed")
        return why

    def _candidate_groups(self, reps: list[Hashable]) -> Iterator[list[tuple[Pair, float]]]:
        oriented: list[tuple[float, Pair]] = []
        for a, b in itertools.combinations(reps, 2):
            pair, d, symmetric = self._orient(a, b)
            oriented.append((d, pair))
            if symmetric:
                oriented.append((d, (pair[1], pair[0])))
        oriented.sort(key=lambda item: item[0])
        cluster: list[tuple[Pair, float]] = []
        last = None
        for d, pair in oriented:
            if last is not None and d - last > self.tol:
                if len(cluster) > 1 or self._const_candidate(cluster[0][1]):
                    yield cluster
                cluster = []
            cluster.append((pair, d))
            last = d
        if cluster and (len(cluster) > 1 or self._const_candidate(cluster[0][1])):
            yield cluster

    def _new_from_group(
        self, group: list[tuple[Pair, float]], classes: list[list[Hashable]]
    ) -> Iterator[Derived]:
        by_nf: dict = {}
        res = self._residues
        for pair, _ in group:
            a, b = pair
            by_nf.setdefault(self.system.difference_form(res[b], res[a]), []).append(pair)
        members_of = {members[0]: members for members in classes}
        for (coef, const), pairs in by_nf.items():
            if not coef:
                value = self._const_value(const)
                if value is not None:
                    yield from self._new_consts(pairs, value, members_of)
            for p, q in itertools.combinations(pairs, 2):
                if p == (q[1], q[0]):
                    continue  # v_b - v_a = v_a - v_b: only says 2(v_b - v_a) = 0
                yield from self._new_eqs(p, q, members_of)

    def _expansions(self, pair: Pair, members_of: dict) -> Iterator[Pair]:
        if not self.expand:
            yield pair
            return
        yield from itertools.product(members_of[pair[0]], members_of[pair[1]])

    def _new_consts(self, pairs: list[Pair], value: Fraction, members_of: dict) -> Iterator:
        for rep_pair in pairs:
            for a, b in self._expansions(rep_pair, members_of):
                key = ("const", frozenset({(a, b, value), (b, a, self._negate(value))}))
                if key in self._reported:
                    continue
                self._reported.add(key)
                why = self._why({b: 1, a: -1}, self._const_input(value))
                yield self._const_fact((a, b), value, why)

    def _new_eqs(self, p: Pair, q: Pair, members_of: dict) -> Iterator[Derived]:
        for pp in self._expansions(p, members_of):
            for qq in self._expansions(q, members_of):
                key = ("eq", eq_key(pp, qq))
                if key in self._reported:
                    continue
                self._reported.add(key)
                (a, b), (c, d) = pp, qq
                coeffs: dict[Hashable, int] = {}
                for obj, sign in ((b, 1), (a, -1), (d, -1), (c, 1)):
                    coeffs[obj] = coeffs.get(obj, 0) + sign
                yield self._eq_fact(pp, qq, self._why(coeffs, 0))

    def _negate(self, value: Fraction) -> Fraction:
        return -value

    def _const_input(self, value: Fraction) -> object:
        return value

    # ---- queries -------------------------------------------------------------------------
    def implies_equal(self, a: Hashable, b: Hashable) -> bool:
        return self.system.implies({b: 1, a: -1}, 0)

    def implies_eq(self, a: Hashable, b: Hashable, c: Hashable, d: Hashable) -> bool:
        coeffs: dict[Hashable, int] = {}
        for obj, sign in ((b, 1), (a, -1), (d, -1), (c, 1)):
            coeffs[obj] = coeffs.get(obj, 0) + sign
        return self.system.implies(coeffs, 0)
