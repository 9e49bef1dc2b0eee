"""Equivalence classes that remember why: the fact base's two building blocks.

`ProofUnionFind` is a union-find without path compression whose every tree edge carries the fact
that caused the union. Because the tree is never rewritten, the path between two members is a
chain of facts that proves them equal (by transitivity), which is how the fact base justifies
`para`, `cong`, equal angles and equal ratios that were never stated directly. Union by size
keeps paths O(log n).

`PointSets` holds lines (k=2) and circles (k=3) as maximal point sets: two sets that share k
points are the same object, so adding `coll a b c` may merge several lines. Each object keeps
the facts it was built from; `why` returns a minimal subset of them that still forces the
queried points onto one object (found by deletion, the lists are short).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
F = TypeVar("F")


class ProofUnionFind(Generic[K, F]):
    """Union-find over hashable keys; each union is labelled with a fact.

    Connectivity uses the usual union-find (by size, no path compression); provenance uses the
    forest of the unions actually made (edge a-b labelled with its fact), whose unique path
    between two members is a chain of facts proving them equal."""

    def __init__(self) -> None:
        self._parent: dict[K, K] = {}
        self._members: dict[K, list[K]] = {}
        self._adj: dict[K, list[tuple[K, F]]] = {}

    def add(self, key: K) -> None:
        if key not in self._parent:
            self._parent[key] = key
            self._members[key] = [key]
            self._adj[key] = []

    def __contains__(self, key: object) -> bool:
        return key in self._parent

    def find(self, key: K) -> K:
        parent = self._parent
        up = parent.get(key)
        if up is None:
            self.add(key)
            return key
        # path halving: the parent tree only answers connectivity (provenance is in _adj)
        while up != key:
            grand = parent[up]
            parent[key] = grand
            key, up = grand, parent[grand]
        return key

    def members(self, key: K) -> list[K]:
        return self._members[self.find(key)]

    def roots(self) -> list[K]:
        return list(self._members)

    def union(self, a: K, b: K, fact: F) -> bool:
        """Join the classes of a and b because of `fact`; False if they were already one."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra].extend(self._members.pop(rb))
        self._adj[a].append((b, fact))
        self._adj[b].append((a, fact))
        return True

    def same(self, a: K, b: K) -> bool:
        return self.find(a) == self.find(b)

    def why(self, a: K, b: K) -> list[F] | None:
        """The facts on the forest path from a to b, or None if they are not in one class."""
        if a == b:
            return []
        if a not in self._parent or b not in self._parent or not self.same(a, b):
            return None
        back: dict[K, tuple[K, F] | None] = {a: None}
        frontier = [a]
        while frontier and b not in back:
            nxt = []
            for node in frontier:
                for other, fact in self._adj[node]:
                    if other not in back:
                        back[other] = (node, fact)
                        nxt.append(other)
            frontier = nxt
        facts: list[F] = []
        node = b
        while (step := back[node]) is not None:
            node, fact = step
            facts.append(fact)
        return facts


class PointSets(Generic[F]):
    """Maximal point sets (lines: k=2, circles: k=3) merged when they share k points."""

    def __init__(self, k: int) -> None:
        self.k = k
        self._points: dict[int, set[str]] = {}
        self._facts: dict[int, list[tuple[frozenset[str], F]]] = {}
        self._of_point: dict[str, set[int]] = {}
        self._next = 0
        self.alias: dict[int, int] = {}  # dead object id -> the object it merged into
        self.version = 0

    def objects(self) -> Iterable[tuple[int, set[str]]]:
        return self._points.items()

    def points(self, obj: int) -> set[str]:
        return self._points[obj]

    def resolve(self, obj: int) -> int:
        while obj in self.alias:
            obj = self.alias[obj]
        return obj

    def through(self, point: str) -> set[int]:
        return self._of_point.get(point, set())

    def find(self, points: Iterable[str]) -> int | None:
        """The object containing all of `points` (at least k of them), or None."""
        pts = list(dict.fromkeys(points))
        if not pts:
            return None
        candidates = set(self.through(pts[0]))
        for p in pts[1:]:
            candidates &= self.through(p)
            if not candidates:
                return None
        return next(iter(candidates)) if candidates else None

    def new(self, points: Iterable[str]) -> int:
        """Register a bare object (e.g. the 2-point line through a pair) with no facts."""
        pts = set(points)
        existing = self.find(pts)
        if existing is not None:
            return existing
        obj = self._next
        self._next += 1
        self._points[obj] = pts
        self._facts[obj] = []
        for p in pts:
            self._of_point.setdefault(p, set()).add(obj)
        return obj

    def add(self, points: Iterable[str], fact: F) -> tuple[int, list[int]]:
        """Put `points` on one object because of `fact`; returns (object, ids merged away)."""
        pts = frozenset(points)
        if (obj := self.find(pts)) is not None:
            return obj, []
        counts: dict[int, int] = {}
        for p in pts:
            for o in self.through(p):
                counts[o] = counts.get(o, 0) + 1
        overlapping = sorted(o for o, c in counts.items() if c >= self.k)
        if overlapping:
            keep = overlapping[0]
        else:
            keep = self.new(pts)
        self._facts[keep].append((pts, fact))
        merged = []
        for o in overlapping[1:]:
            self._absorb(keep, o)
            merged.append(o)
        self._extend(keep, pts)
        # the new points may now make the object share k points with others
        while True:
            more = [
                o
                for o in self._overlaps(keep)
                if o != keep and len(self._points[o] & self._points[keep]) >= self.k
            ]
            if not more:
                break
            for o in more:
                self._absorb(keep, o)
                merged.append(o)
        self.version += 1
        return keep, merged

    def _overlaps(self, obj: int) -> set[int]:
        out: set[int] = set()
        for p in self._points[obj]:
            out |= self.through(p)
        return out

    def _extend(self, obj: int, pts: Iterable[str]) -> None:
        for p in pts:
            if p not in self._points[obj]:
                self._points[obj].add(p)
                self._of_point.setdefault(p, set()).add(obj)

    def _absorb(self, keep: int, other: int) -> None:
        pts = self._points.pop(other)
        for p in pts:
            self._of_point[p].discard(other)
        self._facts[keep].extend(self._facts.pop(other))
        self._extend(keep, pts)
        self.alias[other] = keep

    def why(self, points: Iterable[str]) -> list[F] | None:
        """A minimal list of the object's facts that alone put all `points` on one object."""
        pts = frozenset(points)
        obj = self.find(pts)
        if obj is None:
            return None
        facts = [f for f in self._facts[obj]]
        if len(pts) <= self.k:
            return []
        kept = list(facts)
        for item in facts:
            trial = [x for x in kept if x is not item]
            if _covers(trial, pts, self.k):
                kept = trial
        return [f for _, f in kept]


def _covers(facts: list[tuple[frozenset[str], F]], target: frozenset[str], k: int) -> bool:
    """Do these point sets, merged when sharing k points, put `target` on one set?"""
    groups = [set(pts) for pts, _ in facts]
    changed = True
    while changed:
        changed = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if len(groups[i] & groups[j]) >= k:
                    groups[i] |= groups.pop(j)
                    changed = True
                    break
            if changed:
                break
    return any(target <= g for g in groups)
