"""Facts the fact base makes explicit after each level, from what its classes already prove.

- `fold_midpoints`: `midp m a b` wherever coll m a b and cong m a m b hold; the matcher looks
  midpoints up in an explicit set, like AlphaGeometry's midpoint nodes.
- `fold_units`: `cong` / `para` that hold only through the ratio / angle table (a ratio equal
  to a known ratio 1, an angle equal to one known 0) join their length / direction classes.
- `fold_circles`: a point proved equidistant from three points of a circle (a cyclic set) is its
  center, so it is as far from every other point of that circle (step "circle").
"""

from __future__ import annotations

from itertools import combinations

from deduction.engine.factbase import FactBase, S
from deduction.engine.tables import is_const
from deduction.types import ProofStep


def fold_midpoints(fb: FactBase) -> int:
    """Make `midp m a b` a node wherever coll m a b and cong m a m b are proved (the matcher
    looks midpoints up in the explicit set, like AlphaGeometry's midpoint nodes)."""
    known = fb.explicit.setdefault("midp", set())
    added = 0
    for root in fb.lens.roots():
        members = fb.lens.members(root)
        if len(members) < 2:
            continue
        ends: dict[str, list[str]] = {}
        for a, b in members:
            ends.setdefault(a, []).append(b)
            ends.setdefault(b, []).append(a)
        for m, others in ends.items():
            for a, b in combinations(sorted(others), 2):
                st = S("midp", m, a, b)
                if st in known or not fb.holds(S("coll", m, a, b)):
                    continue
                if not fb.numeric(st):
                    continue
                fb.justify(st)
                known.add(st)
                fb.fact_stamp[st] = fb.tick  # a semi-naive driver from this level on
                fb.events.append(("dist", "midp", st.args, None, st))
                added += 1
    return added


def fold_units(fb: FactBase) -> int:
    """Promote (`FactBase.promote`) every pair of classes the quotient tables prove equal.

    A table joins a key (root p, root q) with its unit when the ratio |p|/|q| is proved 1 (or
    the angle from p to q 0) through other ratios, r31's "eqratio A B P Q C D U V, cong P Q
    U V => cong A B C D" say. Without this, a midpoint proved that way is no midpoint to the
    rules and no half to distance chasing (a foot from a circle's centre onto a chord).
    The unit class only grows, so an unchanged size means nothing new to promote."""
    added = 0
    for table, uf, pred in ((fb.ratios, fb.lens, "cong"), (fb.angles, fb.dirs, "para")):
        members = table.members(table.unit)
        mark = f"fold_units:{pred}"
        if fb.memo.get(mark, (-1, None))[0] == len(members):
            continue
        for key in list(members):
            if is_const(key):
                continue
            p, q = uf.find(key[0]), uf.find(key[1])
            if p != q and fb.promote(S(pred, *p, *q)):
                added += 1
        fb.memo[mark] = (len(table.members(table.unit)), None)
    return added


def fold_circles(fb: FactBase) -> int:
    """Circles with a known center. If O is proved equidistant from three points of a
    circle (a cyclic set), O is its center: every other point X of the circle gets
    `cong O A O X` (step "circle": premises the three congs and the cyclic fact), and every
    point proved at that distance from O lies on the circle (r01 covers that direction)."""
    added = 0
    for _obj, pts in list(fb.circles.objects()):
        if len(pts) < 4:
            continue
        for center in _centers(fb, pts):
            o, spokes = center
            on = sorted(spokes)
            a = on[0]
            for x in sorted(pts - set(spokes)):
                if x == o:
                    continue
                st = S("cong", o, a, o, x)
                if fb.holds(st) or not fb.numeric(st):
                    continue
                three = on[:3]
                premises = [fb.justify(S("cong", o, three[0], o, y)) for y in three[1:]]
                premises.append(fb.justify(S("cyclic", *three, x)))
                if fb.add(ProofStep(st, "circle", tuple(premises))):
                    added += 1
    return added


def _centers(fb: FactBase, pts: set[str]) -> list[tuple[str, list[str]]]:
    """Points proved equidistant from at least three of `pts` (with those points)."""
    out = []
    seen: set[str] = set()
    for root in fb.lens.roots():
        members = fb.lens.members(root)
        if len(members) < 2:
            continue
        spokes: dict[str, list[str]] = {}
        for a, b in members:
            if b in pts:
                spokes.setdefault(a, []).append(b)
            if a in pts:
                spokes.setdefault(b, []).append(a)
        for o, ends in spokes.items():
            if len(ends) >= 3 and o not in seen and o not in pts:
                seen.add(o)
                out.append((o, ends))
    return out
