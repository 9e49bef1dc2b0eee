"""Facts a closed fact base holds by its classes, listed as statements.

A node is a fact the engine derived; the classes hold many more. Every two segments of a length
class are congruent, every two lines of a direction class parallel, every two keys of an angle
(ratio) class an equal-angle (equal-ratio) fact, and a key in a constant's class a `perp`,
`aconst` or `rconst`; three points of a line are collinear, four of a circle concyclic. A
generator reads theorems off a closure this way (`generate.geometry`); each listed fact holds,
and `FactBase.justify` gives it a derivation from the nodes.

A direction (length) class is spelled by up to `spellings` of its lines (segments), those with
the smallest point names first; each spelling is a different statement.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from deduction.engine.factbase import FactBase
from deduction.engine.tables import is_const
from deduction.types import Statement

HALF = Fraction(1, 2)


def implied_facts(fb: FactBase, spellings: int = 3) -> set[Statement]:
    """The facts the base's classes imply that are not nodes (see the module docstring)."""
    out: set[Statement] = set()

    def add(pred: str, args: tuple[str, ...]) -> None:
        try:
            st = Statement(pred, args)
        except ValueError:
            return
        if st not in fb.steps:
            out.add(st)

    rep = fb.line_rep
    for root in fb.lens.roots():
        for p, q in combinations(sorted(fb.lens.members(root)), 2):
            add("cong", p + q)
    for root in fb.dirs.roots():
        lines = sorted({rep(p) for p in fb.dirs.members(root)})
        for p, q in combinations(lines, 2):
            add("para", p + q)
    # a direction (length) class is spelled by up to spellings of its lines (segments), those
    # with the earliest points first: each spelling is a different statement
    by_line = {r: sorted({rep(p) for p in fb.dirs.members(r)})[:spellings] for r in fb.dirs.roots()}
    by_segment = {r: sorted(fb.lens.members(r))[:spellings] for r in fb.lens.roots()}
    for table, uf, name in ((fb.angles, fb.dirs, "eqangle"), (fb.ratios, fb.lens, "eqratio")):
        spell = by_line if name == "eqangle" else by_segment
        for members in table.classes():
            consts = [k[1] for k in members if is_const(k)]
            live = [k for k in members if not is_const(k) and uf.find(k[0]) == k[0]]
            keys = sorted(
                {
                    (a, b)
                    for k in live
                    if uf.find(k[1]) == k[1]
                    for a in spell.get(k[0], [k[0]])
                    for b in spell.get(k[1], [k[1]])
                }
            )
            for value in consts:
                for a, b in keys:
                    if name == "eqangle" and value == HALF:
                        add("perp", a + b)
                    elif name == "eqangle" and value != 0:
                        add("aconst", a + b + (str(value),))
                    elif name == "eqratio" and value != 1:
                        add("rconst", a + b + (str(value),))
            for (a, b), (c, d) in combinations(keys, 2):
                add(name, a + b + c + d)
    for _, pts in fb.lines.objects():
        for triple in combinations(sorted(pts), 3):
            add("coll", triple)
    for _, pts in fb.circles.objects():
        for quad in combinations(sorted(pts), 4):
            add("cyclic", quad)
    return {st for st in out if fb.holds(st)}
