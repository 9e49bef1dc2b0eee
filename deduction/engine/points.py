"""Which pairs and classes pass through a point: the indexes that let a generator skip, before
trying them, the classes a partly bound premise cannot use (`deduction.engine.generators`)."""

from __future__ import annotations

from deduction.engine.factbase import FactBase
from deduction.engine.tables import Pair
from deduction.engine.unionfind import ProofUnionFind

Binding = dict[str, str]


def through(fb: FactBase, pool: list[Pair], point: str) -> list[Pair]:
    """The pairs of `pool` (a class's member list) that contain `point`, from an index cached
    per list and rebuilt when the list has grown (classes only grow)."""
    cache = fb.pair_index
    entry = cache.get(id(pool))
    if entry is None or entry[0] is not pool or entry[1] != len(pool):
        index: dict[str, list[Pair]] = {}
        for pp in pool:
            index.setdefault(pp[0], []).append(pp)
            index.setdefault(pp[1], []).append(pp)
        entry = (pool, len(pool), index)
        cache[id(pool)] = entry
    return entry[2].get(point, [])


EMPTY: frozenset = frozenset()


def half_bound(vp: tuple[str, str], binding: Binding) -> str | None:
    """The bound point of a variable pair with exactly one of its two points bound."""
    a, b = binding.get(vp[0]), binding.get(vp[1])
    if (a is None) == (b is None):
        return None
    return a if b is None else b


def roots_through(fb: FactBase, uf: ProofUnionFind, kind: str) -> dict[str, set[Pair]]:
    """Point -> roots of the classes (directions or lengths) with a member pair through it;
    memoised per version of the base (a level's matching does not change it)."""
    mark = f"roots_through:{kind}"
    cached = fb.memo.get(mark)
    if cached is not None and cached[0] == fb.version:
        return cached[1]
    out: dict[str, set[Pair]] = {}
    for root in uf.roots():
        for a, b in uf.members(root):
            out.setdefault(a, set()).add(root)
            out.setdefault(b, set()).add(root)
    fb.memo[mark] = (fb.version, out)
    return out
