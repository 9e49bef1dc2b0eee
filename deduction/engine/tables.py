"""Equal angles and equal ratios as classes of (root, root) keys over a base union-find.

An angle is an ordered pair of direction classes (the roots of the `para` union-find); a ratio
is an ordered pair of length classes (roots of the `cong` union-find). `eqangle` and `eqratio`
facts join two keys, `aconst`/`perp`/`rconst` join a key with a constant node. Each fact also
joins the mirrored keys (the angle from l2 to l1 is minus the one from l1 to l2, a ratio's
inverse is its reciprocal) and the other spelling of the same equation (d2 - d1 = d4 - d3 is
d3 - d1 = d4 - d2), so the table answers queries in any of the statement's forms. The key of a
class with itself is the neutral constant (angle 0, ratio 1).

When two base classes merge, every key naming the dead root is joined to its re-rooted twin,
labelled with the fact that merged them (congruence closure), so the table never rebuilds and
every class keeps the level (`stamp`) at which it last changed, which semi-naive matching reads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from fractions import Fraction
from typing import Any

from deduction.engine.unionfind import ProofUnionFind
from deduction.types import Statement

Pair = tuple[str, str]
# (root of p, root of q), or ("const", value)
Key = tuple[Any, Any]


def const(value: Fraction) -> tuple[str, Fraction]:
    return ("const", value)


def is_const(key: Key) -> bool:
    return isinstance(key, tuple) and key[0] == "const"


class QuotientTable:
    """Classes of keys (root(p), root(q)) joined by equality facts; constants are nodes too."""

    def __init__(
        self,
        base: ProofUnionFind[Pair, Statement],
        mirror: Callable[[Fraction], Fraction],
        unit: Fraction,
        clock: Callable[[], int],
    ) -> None:
        self._base = base
        self._mirror = mirror
        self.unit = const(unit)
        self._clock = clock
        self._uf: ProofUnionFind[Key, Statement] = ProofUnionFind()
        self._with_root: dict[Hashable, set[Key]] = {}
        self._by_first: dict[Pair, set[Key]] = {}
        self.pairs: dict[Statement, tuple[Pair, ...]] = {}  # fact -> the pairs it names
        self.stamp: dict[Key, int] = {}  # class root -> level of its last change

    def key(self, p: Pair, q: Pair) -> Key:
        a, b = self._base.find(p), self._base.find(q)
        return self.unit if a == b else (a, b)

    def add_equal(self, fact: Statement, p: Pair, q: Pair, r: Pair, s: Pair) -> None:
        self.pairs[fact] = (p, q, r, s)
        self._join(self.key(p, q), self.key(r, s), fact)
        self._join(self.key(q, p), self.key(s, r), fact)
        self._join(self.key(p, r), self.key(q, s), fact)
        self._join(self.key(r, p), self.key(s, q), fact)

    def add_const(self, fact: Statement, p: Pair, q: Pair, value: Fraction) -> None:
        self.pairs[fact] = (p, q)
        self._join(self.key(p, q), const(value), fact)
        self._join(self.key(q, p), const(self._mirror(value)), fact)

    def merged(self, dead: Hashable, live: Hashable, fact: Statement) -> None:
        """The base classes `dead` and `live` became one because of `fact`: re-root keys."""
        for k in list(self._with_root.pop(dead, ())):
            a, b = (live if x == dead else x for x in k)
            self._join(k, self.unit if a == b else (a, b), fact)

    def _register(self, k: Key) -> None:
        if k in self._uf:
            return
        self._uf.add(k)
        if not is_const(k):
            self._by_first.setdefault(k[0], set()).add(k)
            for root in k:
                self._with_root.setdefault(root, set()).add(k)

    def _join(self, a: Key, b: Key, fact: Statement) -> None:
        self._register(a)
        self._register(b)
        if self._uf.union(a, b, fact):
            self.stamp[self._uf.find(a)] = self._clock()

    def same(self, a: Key, b: Key) -> bool:
        if a == b:
            return True
        return a in self._uf and b in self._uf and self._uf.same(a, b)

    def why(self, a: Key, b: Key) -> list[Statement] | None:
        if a == b:
            return []
        if a not in self._uf or b not in self._uf:
            return None
        return self._uf.why(a, b)

    def members(self, a: Key) -> list[Key]:
        return self._uf.members(a) if a in self._uf else [a]

    def classes(self) -> list[list[Key]]:
        """Every class of keys (a generator reads each class's equalities off as theorems)."""
        return [self._uf.members(root) for root in self._uf.roots()]

    def fresh(self, a: Key, since: int) -> bool:
        return a in self._uf and self.stamp.get(self._uf.find(a), -1) >= since

    def keys_from(self, root: Pair) -> list[Key]:
        """Live keys (both roots current) whose first root is `root`."""
        find = self._base.find
        return [k for k in self._by_first.get(root, ()) if find(k[1]) == k[1]]

    def live_keys(self) -> list[Key]:
        find = self._base.find
        return [
            k
            for first, keys in self._by_first.items()
            if find(first) == first
            for k in keys
            if find(k[1]) == k[1]
        ]


def angle_mirror(v: Fraction) -> Fraction:
    return (-v) % 1


def ratio_mirror(v: Fraction) -> Fraction:
    return 1 / v
