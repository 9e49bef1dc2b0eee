"""Canonical form of a theorem, invariant under point renaming and clause/premise order.

Two generated theorems are the same when one's points can be renamed so that its premise
statements and goal become the other's. The canonical form is the lexicographically least
spelling of the premises over all renamings, found by colour refinement and individualisation
(the scheme of nauty and bliss, small enough to write here because the symmetries of each
predicate are already in `deduction.types.Statement`: a relabelled statement canonicalises
itself, so a leaf of the search is spelled by relabelling and sorting). A graph-canonisation
library would need each predicate's symmetry group (the dihedral group of `eqangle`'s four
lines, the pair swaps of `simtri`, ...) encoded as a gadget graph: a second, subtler copy of
what `Statement` already states.

The premises are canonised once per statement (`PremiseForm`); every optimal leaf is kept, so a
goal over them is spelled under each and the least spelling taken. The optimal leaves are one
coset of the premises' automorphism group, which makes the least goal spelling an invariant
of (premises, goal): `key` is exact. A search is capped at `MAX_LEAVES` leaves (highly
symmetric figures: many free points); past the cap the form is still a valid spelling but
possibly not the least, which can only let a duplicate through, never merge two theorems.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from deduction import Statement
from generate.geometry.subproblem import point_args, point_names, relabel

MAX_LEAVES = 2000
_NAMES = point_names()


@dataclass(frozen=True, slots=True)
class PremiseForm:
    """The least spelling of a premise set and every renaming that achieves it."""

    text: str
    labelings: tuple[dict[str, str], ...]
    capped: bool = False

    def key(self, goal: Statement) -> str:
        """The canonical text of (premises, goal)."""
        spelled = min(str(relabel(goal, names)) for names in self.labelings)
        return f"{self.text} ? {spelled}"


def digest(text: str) -> bytes:
    """A 16-byte key for the dedup index (blake2b: collisions are out of reach at 1e9 keys)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _refine(
    colour: dict[str, int], facts: Sequence[tuple[str, tuple[str, ...]]], incident: dict
) -> dict[str, int]:
    """Split colour classes by the colours each point sees in its facts until stable; the
    order of existing classes is kept (a signature starts with the old colour)."""
    classes = len(set(colour.values()))
    while True:
        sig = {}
        for p, c in colour.items():
            seen = []
            for k in incident[p]:
                tag, args = facts[k]
                seen.append((tag, args.count(p), tuple(sorted(colour[q] for q in args if q != p))))
            seen.sort()
            sig[p] = (c, tuple(seen))
        ranks = {s: i for i, s in enumerate(sorted(set(sig.values())))}
        colour = {p: ranks[s] for p, s in sig.items()}
        if len(ranks) == classes:
            return colour
        classes = len(ranks)


def _tag(st: Statement) -> str:
    """What refinement may see of a statement besides its points: the predicate, and for
    aconst / rconst a value that does not depend on the spelling (a statement with its two
    pairs swapped carries 1 - v, resp. 1 / v, and which pair comes first follows the names)."""
    if st.predicate == "aconst":
        v = Fraction(st.args[-1])
        return f"aconst:{min(v, (1 - v) % 1)}"
    if st.predicate == "rconst":
        v = Fraction(st.args[-1])
        return f"rconst:{min(v, 1 / v)}"
    return st.predicate


def premise_form(points: Sequence[str], premises: Sequence[Statement]) -> PremiseForm:
    """Canonise a premise set over `points` (points no premise names are kept: a triangle's
    vertices carry no statement but are part of the figure)."""
    facts = [(_tag(st), point_args(st)) for st in premises]
    incident: dict[str, list[int]] = {p: [] for p in points}
    for k, (_, args) in enumerate(facts):
        for p in set(args):
            incident[p].append(k)
    best: list = [None, []]
    leaves = [0]

    def spell(colour: dict[str, int]) -> str:
        names = {p: _NAMES[c] for p, c in colour.items()}
        body = sorted(str(relabel(st, names)) for st in premises)
        return f"{len(points)} points: " + "; ".join(body)

    def search(colour: dict[str, int]) -> None:
        if leaves[0] >= MAX_LEAVES:
            return
        cells: dict[int, list[str]] = {}
        for p, c in colour.items():
            cells.setdefault(c, []).append(p)
        wide = [c for c, members in cells.items() if len(members) > 1]
        if not wide:
            leaves[0] += 1
            text = spell(colour)
            if best[0] is None or text < best[0]:
                best[0], best[1] = text, [colour]
            elif text == best[0]:
                best[1].append(colour)
            return
        cell = min(wide)
        for p in sorted(cells[cell]):
            split = {q: 2 * c + (q != p or c != cell) for q, c in colour.items()}
            search(_refine(split, facts, incident))

    search(_refine(dict.fromkeys(points, 0), facts, incident))
    labelings = tuple({p: _NAMES[c] for p, c in colour.items()} for colour in best[1])
    return PremiseForm(best[0], labelings, leaves[0] >= MAX_LEAVES)
