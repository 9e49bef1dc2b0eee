"""Per-predicate generators: every way to extend a binding so that one premise is a proved fact.

The matcher (`deduction.engine.matcher`) joins a rule's premises with these. Each generator
enumerates the fact base's objects (lines, circles, direction and length classes, angle and ratio
classes), never raw point tuples, so a premise costs what the matching facts cost; with `since`
>= 0 (semi-naive matching) it keeps to objects changed at or after that tick. `GENERATORS` maps a
predicate to its generator; nothing here is specific to a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import permutations

from deduction.engine.factbase import HALF, FactBase
from deduction.engine.points import EMPTY, half_bound, roots_through, through
from deduction.engine.tables import Key, Pair, QuotientTable, is_const
from deduction.engine.unionfind import ProofUnionFind

Binding = dict[str, str]
LineOnly = frozenset[tuple[str, str]]
# (fact base, premise args, binding, line-only pairs, since) -> extended bindings
Generator = Callable[[FactBase, tuple[str, ...], Binding, LineOnly, int], Iterator[Binding]]

# Predicates whose point pairs denote lines (only their direction matters).
LINE_SLOTS = frozenset({"para", "perp", "eqangle", "eqangle6"})


def _assign(vars_: tuple[str, ...], values: tuple[str, ...], binding: Binding) -> Binding | None:
    """Extend binding with vars_ -> values, or None if that clashes with the binding.

    Distinct variables may name the same point (AlphaGeometry's triangles EBA ~ ECD share E);
    degenerate instances are filtered where they arise: generators only yield pairs of distinct
    points, and a conclusion must hold on the coordinates."""
    out = binding
    for var, value in zip(vars_, values, strict=True):
        have = out.get(var)
        if have is not None:
            if have != value:
                return None
            continue
        if out is binding:
            out = dict(binding)
        out[var] = value
    return out


def _assign_pairs(
    var_pairs: list[tuple[str, str]],
    pools: list[list[Pair]],
    binding: Binding,
    lo: LineOnly,
    fb: FactBase,
) -> Iterator[Binding]:
    """Every way to put var pair i on one of pools[i], in either orientation (a line-only pair:
    one representative per line, one orientation), depth first in pool order."""
    if len(var_pairs) == 1:
        yield from _on_pair(var_pairs[0], pools[0], binding, lo, fb)
        return
    rest, rest_pools = var_pairs[1:], pools[1:]
    for nb in _on_pair(var_pairs[0], pools[0], binding, lo, fb):
        yield from _assign_pairs(rest, rest_pools, nb, lo, fb)


def _on_pair(
    vp: tuple[str, str], pool: list[Pair], binding: Binding, lo: LineOnly, fb: FactBase
) -> list[Binding]:
    """The bindings that put the variable pair vp on one pair of `pool` (the matcher's hot
    path: a list, not a generator, and `_assign` unrolled for two variables)."""
    x, y = vp
    if x == y:
        return []  # pool pairs are two distinct points
    bx, by = binding.get(x), binding.get(y)
    shared = bx if bx is not None else by
    if shared is not None:  # a shared point: only pairs through it can fit
        pool = through(fb, pool, shared)
        if bx is not None and by is not None:
            pool = [pp for pp in pool if by in pp]
    out: list[Binding] = []
    if vp in lo:
        seen: set[Pair] = set()
        for pp in pool:
            rep = fb.line_rep(pp)
            if rep in seen:
                continue
            seen.add(rep)
            nb = _assign(vp, rep, binding)
            if nb is not None:
                out.append(nb)
        return out
    if bx is None and by is None:
        for u, v in pool:
            nb = binding.copy()
            nb[x] = u
            nb[y] = v
            out.append(nb)
            nb = binding.copy()
            nb[x] = v
            nb[y] = u
            out.append(nb)
        return out
    if by is None:  # every pool pair contains bx: bind y to its other point
        for u, v in pool:
            nb = binding.copy()
            nb[y] = v if u == bx else u
            out.append(nb)
        return out
    if bx is None:
        for u, v in pool:
            nb = binding.copy()
            nb[x] = v if u == by else u
            out.append(nb)
        return out
    return [binding] * len(pool)  # both bound: the pool is the pair itself, if present


def trivial_four(pairs: list) -> bool:
    """An eqangle/eqratio instance true by its spelling alone (the same pair twice on a side, or
    the same two pairs on both sides): it proves nothing, and rules fed with it would conclude
    from degenerate configurations."""
    p1, p2, p3, p4 = pairs
    return p1 == p2 or p3 == p4 or (p1 == p3 and p2 == p4)


def _bound_pair(vp: tuple[str, str], binding: Binding) -> Pair | None:
    a, b = binding.get(vp[0]), binding.get(vp[1])
    if a is None or b is None:
        return None
    return (a, b) if a <= b else (b, a)


def var_pairs(args: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(args[i], args[i + 1]) for i in range(0, len(args), 2)]


def _gen_pointset(kind: str) -> Generator:
    """coll / cyclic: distinct points of one line / circle."""

    def gen(
        fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
    ) -> Iterator[Binding]:
        sets = fb.lines if kind == "line" else fb.circles
        stamps = fb.line_stamp if kind == "line" else fb.circle_stamp
        bound = [binding[v] for v in args if v in binding]
        if len(bound) >= 2:
            obj = sets.find(bound)
            objs = [] if obj is None else [obj]
        elif bound:
            objs = list(sets.through(bound[0]))
        else:
            objs = [o for o, pts in sets.objects() if len(pts) >= len(args)]
        free = tuple(v for v in args if v not in binding)
        for obj in objs:
            if since >= 0 and stamps.get(obj, -1) < since:
                continue
            pts = sets.points(obj)
            if len(pts) < len(args) or any(b not in pts for b in bound):
                continue
            for values in permutations(sorted(pts.difference(bound)), len(free)):
                nb = _assign(free, values, binding)
                if nb is not None:
                    yield nb

    return gen


def _gen_class(kind: str) -> Generator:
    """para / cong: two pairs in one class of a union-find over pairs."""

    def gen(
        fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
    ) -> Iterator[Binding]:
        uf: ProofUnionFind = fb.dirs if kind == "dir" else fb.lens
        stamps = fb.dir_stamp if kind == "dir" else fb.len_stamp
        vp = var_pairs(args)
        p, q = _bound_pair(vp[0], binding), _bound_pair(vp[1], binding)
        if p is None and q is not None:
            vp.reverse()
            p, q = q, p
        if p is not None:
            if p not in uf:
                return
            roots = [uf.find(p)]
        else:
            roots = uf.roots()
        for root in roots:
            if since >= 0 and stamps.get(root, -1) < since:
                continue
            members = uf.members(root)
            if len(members) < 2:
                continue
            firsts = [p] if p is not None else members
            for m in firsts:
                for nb in _assign_pairs(vp[:1], [[m]], binding, lo, fb):
                    cands = [x for x in members if x != m]
                    if kind == "dir":  # a para between two pairs of one line says nothing
                        cands = [x for x in cands if fb.lines.find(m + x) is None]
                    yield from _assign_pairs(vp[1:], [cands], nb, lo, fb)

    return gen


def _live(fb_uf: ProofUnionFind, key: Key) -> bool:
    return fb_uf.find(key[0]) == key[0] and fb_uf.find(key[1]) == key[1]


def _gen_table(kind: str) -> Generator:
    """eqangle / eqratio: two keys (root pairs) in one class of a QuotientTable.

    The table holds both spellings of every eqangle/eqratio fact, but an equality it knows
    through constants (two angles of 1/2, two ratios of 2) only in the spelling the constants
    name; so the pattern is tried in both of its spellings (pairs 1 2 | 3 4 and 1 3 | 2 4).
    Angles equal because their sides are parallel (the same key) are enumerated too when the
    premise is unbound (`_same_key_angles`)."""
    spell = _gen_table_spelled(kind)

    def gen(
        fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
    ) -> Iterator[Binding]:
        yield from spell(fb, args, binding, lo, since)
        a = args
        yield from spell(fb, a[0:2] + a[4:6] + a[2:4] + a[6:8], binding, lo, since)
        if kind == "angle" and not any(v in binding for v in args):
            yield from _same_key_angles(fb, args, binding, lo, since)

    return gen


def _vertex_keys(fb: FactBase) -> list[Key]:
    """Angle keys (two direction roots) whose lines meet at two or more points: the corners of
    parallelograms, trapezoids and homothetic triangles, whose angles are equal with no fact
    saying so. Memoised per version of the base (a level does not change it)."""
    cached = fb.memo.get("vertex_keys")
    if cached is not None and cached[0] == fb.version:
        return cached[1]
    dirs = fb.dirs
    through: dict[str, set[Pair]] = {}
    for root in dirs.roots():
        for a, b in dirs.members(root):
            through.setdefault(a, set()).add(root)
            through.setdefault(b, set()).add(root)
    corners: dict[Key, int] = {}
    for point in sorted(through):
        roots = sorted(through[point])
        for i, r1 in enumerate(roots):
            for r2 in roots[i + 1 :]:
                corners[(r1, r2)] = corners.get((r1, r2), 0) + 1
                corners[(r2, r1)] = corners.get((r2, r1), 0) + 1
    out = [key for key, n in corners.items() if n >= 2]
    fb.memo["vertex_keys"] = (fb.version, out)
    return out


def _same_key_angles(
    fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
) -> Iterator[Binding]:
    """eqangle instances whose two angles have the same key: sides pairwise parallel (or on one
    line), at two different vertices. The table generator never pairs a key with itself (most
    such instances prove nothing), so only an unbound premise comes here, one vertex pair at a
    time, the first angle at the first vertex, the second at the other."""
    vp = var_pairs(args)
    dirs, stamps = fb.dirs, fb.dir_stamp
    for key in _vertex_keys(fb):
        if since >= 0 and not any(stamps.get(r, -1) >= since for r in key):
            continue
        pools = [dirs.members(key[0]), dirs.members(key[1])]
        for nb in _assign_pairs(vp[:2], pools, binding, lo, fb):
            for out in _assign_pairs(vp[2:], pools, nb, lo, fb):
                ps = [_bound_pair(v, out) for v in vp]
                if trivial_four(ps) or not _corners_differ(ps):
                    continue
                yield out


def _corners_differ(ps: list[Pair | None]) -> bool:
    """The two angles' vertices (the point their two pairs share) differ."""
    p1, p2, p3, p4 = ps
    assert p1 is not None and p2 is not None and p3 is not None and p4 is not None
    first = set(p1) & set(p2)
    second = set(p3) & set(p4)
    return not first or not second or first != second


def _gen_table_spelled(kind: str) -> Generator:
    def gen(
        fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
    ) -> Iterator[Binding]:
        table: QuotientTable = fb.angles if kind == "angle" else fb.ratios
        uf = fb.dirs if kind == "angle" else fb.lens
        stamps = fb.dir_stamp if kind == "angle" else fb.len_stamp
        lo_here = lo if kind == "angle" else frozenset()
        vp = var_pairs(args)
        bp = [_bound_pair(v, binding) for v in vp]
        # The statement is symmetric under swapping its two angles: anchor on the bound one.
        if bp[0] is None and bp[1] is None and (bp[2] is not None or bp[3] is not None):
            vp = vp[2:] + vp[:2]
            bp = bp[2:] + bp[:2]
        if any(p is not None and p not in uf for p in bp):
            return
        roots = [uf.find(p) if p is not None else None for p in bp]
        second_vars = set(vp[2] + vp[3])
        independent = not second_vars & set(vp[0] + vp[1]) and not any(
            v in binding for v in second_vars
        )
        # Ratios of two congruent segments are 1 without any eqratio fact (a midpoint's two
        # halves): for eqratio the implicit keys (r, r) of length classes count as well.
        units = kind == "ratio"

        def implicit() -> list:
            return [(r, r) for r in uf.roots() if len(uf.members(r)) >= 2] if units else []

        if roots[0] is not None and roots[1] is not None:
            firsts = [(roots[0], roots[1])] if units or roots[0] != roots[1] else []
        elif roots[0] is not None:
            firsts = table.keys_from(roots[0]) + ([(roots[0], roots[0])] if units else [])
        else:
            firsts = table.live_keys() + implicit()
            if roots[1] is not None:
                firsts = [k for k in firsts if k[1] == roots[1]]
        # a pair with one point bound lies in a class through that point: filter the keys here
        # rather than let _assign_pairs reject each one (a bisector's vertex: p01, r12)
        near = [
            half_bound(v, binding) if r is None else None for v, r in zip(vp, roots, strict=True)
        ]
        if near[0] is not None or near[1] is not None:
            index = roots_through(fb, uf, kind)
            for i, point in enumerate(near[:2]):
                if point is not None:
                    allowed = index.get(point, EMPTY)
                    firsts = [k for k in firsts if k[i] in allowed]
        allowed2 = [
            roots_through(fb, uf, kind).get(pt, EMPTY) if pt is not None else None
            for pt in near[2:]
        ]
        unit_class: list | None = None
        for k1 in firsts:
            is_unit = k1[0] == k1[1]
            if is_unit and not units:
                continue
            fresh1 = (
                since < 0
                or (not is_unit and table.fresh(k1, since))
                or any(stamps.get(r, -1) >= since for r in k1)
            )
            if is_unit or table.same(k1, table.unit):
                if unit_class is None:
                    unit_class = [k for k in table.members(table.unit)] + implicit()
                candidates = unit_class + ([] if is_unit else table.members(k1))
            else:
                candidates = table.members(k1)
            seconds = []
            for k in candidates:
                # k == k1 (equal by para/cong alone) doubles the matching time for no proof
                # found on JGEX; only ratios of 1 (two cong pairs) are enumerated that way
                if is_const(k) or (k == k1 and not is_unit) or not _live(uf, k):
                    continue
                if k[0] == k[1] and not units:
                    continue
                if (roots[2] is not None and k[0] != roots[2]) or (
                    roots[3] is not None and k[1] != roots[3]
                ):
                    continue
                if (allowed2[0] is not None and k[0] not in allowed2[0]) or (
                    allowed2[1] is not None and k[1] not in allowed2[1]
                ):
                    continue
                if not fresh1 and not any(stamps.get(r, -1) >= since for r in k):
                    continue
                seconds.append(k)
            if not seconds:
                continue
            pools1 = [uf.members(k1[0]), uf.members(k1[1])]
            # An angle instance is never trivial here: k1 and k2 are distinct keys of distinct
            # roots. A ratio one can be (units): only then is trivial_four checked.
            check = units
            firsts_out = _assign_pairs(vp[:2], pools1, binding, lo_here, fb)
            if independent:
                # the second pair's variables are its own: assign them once per k2, then merge
                halves = [
                    list(
                        _assign_pairs(vp[2:], [uf.members(k[0]), uf.members(k[1])], {}, lo_here, fb)
                    )
                    for k in seconds
                ]
                for nb in firsts_out:
                    for half in halves:
                        for h in half:
                            out = nb | h
                            if not check or not trivial_four([_bound_pair(v, out) for v in vp]):
                                yield out
                continue
            for nb in firsts_out:
                for k2 in seconds:
                    pools2 = [uf.members(k2[0]), uf.members(k2[1])]
                    for out in _assign_pairs(vp[2:], pools2, nb, lo_here, fb):
                        if not check or not trivial_four([_bound_pair(v, out) for v in vp]):
                            yield out

    return gen


def _gen_perp(
    fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
) -> Iterator[Binding]:
    vp = var_pairs(args)
    bp = [_bound_pair(v, binding) for v in vp]
    if bp[0] is None and bp[1] is not None:
        vp.reverse()
        bp.reverse()
    if bp[0] is not None and bp[0] not in fb.dirs:
        return
    half = ("const", HALF)
    fresh_half = since < 0 or fb.angles.fresh(half, since)
    keys = fb.angles.members(half)
    root = fb.dirs.find(bp[0]) if bp[0] is not None else None
    for k in keys:
        if is_const(k) or k[0] == k[1] or not _live(fb.dirs, k):
            continue
        if root is not None and k[0] != root:
            continue
        if not fresh_half and not any(fb.dir_stamp.get(r, -1) >= since for r in k):
            continue
        pools = [fb.dirs.members(k[0]), fb.dirs.members(k[1])]
        yield from _assign_pairs(vp, pools, binding, lo, fb)


def _gen_midp(
    fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
) -> Iterator[Binding]:
    for st in fb.explicit.get("midp", ()):
        if since >= 0 and fb.fact_stamp.get(st, -1) < since:
            continue
        m, a, b = st.args
        for values in ((m, a, b), (m, b, a)):
            nb = _assign(args, values, binding)
            if nb is not None:
                yield nb


def _gen_circle(
    fb: FactBase, args: tuple[str, ...], binding: Binding, lo: LineOnly, since: int
) -> Iterator[Binding]:
    """circle O A B C: three segments from O in one length class."""
    center, rest = args[0], args[1:]
    for root in fb.lens.roots():
        if since >= 0 and fb.len_stamp.get(root, -1) < since:
            continue
        members = fb.lens.members(root)
        if len(members) < 3:
            continue
        spokes: dict[str, list[str]] = {}
        for a, b in members:
            spokes.setdefault(a, []).append(b)
            spokes.setdefault(b, []).append(a)
        for o, ends in spokes.items():
            if len(ends) < 3:
                continue
            nb = _assign((center,), (o,), binding)
            if nb is None:
                continue
            for values in permutations(ends, 3):
                nb2 = _assign(rest, values, nb)
                if nb2 is not None:
                    yield nb2


GENERATORS: dict[str, Generator] = {
    "coll": _gen_pointset("line"),
    "cyclic": _gen_pointset("circle"),
    "para": _gen_class("dir"),
    "cong": _gen_class("len"),
    "perp": _gen_perp,
    "eqangle": _gen_table("angle"),
    "eqangle6": _gen_table("angle"),
    "eqratio": _gen_table("ratio"),
    "eqratio6": _gen_table("ratio"),
    "midp": _gen_midp,
    "circle": _gen_circle,
}
