"""Branches: the discrete choices a figure's clauses leave open, recorded or forced.

Most of a figure is continuous (where a free point lies, where on a line a point is sampled);
a few choices are discrete, and a statement can be true on one branch and false on another:

- `_meet` (realise.py): which of the two intersections of a line and a circle, or of two
  circles. Branch i is `intersect()`'s i-th point (numeric/geometry.py): for a line (through p
  towards q, or along a direction the sketch computes) and a circle, 0 is the crossing farther
  along the line's direction; for two circles, 0 lies left of the line from the first circle's
  centre to the second's (the clause's shape order). Both follow the figure continuously, so a
  branch means the same configuration when the free points move a little, not under a mirror
  image (which swaps left and right: `_place`'s `flip` below is a choice point of its own);
- `_2l1c`: which root of the tangency quadratic (0 the larger, 1 the smaller);
- `_eqangle2`: which side (0 the point inside the segment, 1 beyond it);
- `_tangent`, `_cc_tangent`: which tangent point (or pair) gets the first name; plain draws
  always take 0 (intersect's order), so realise() never varied it;
- `_place` (figures.py): whether a free figure (triangle, quadrangle, ...) is mirrored, which
  flips the sign of every directed angle (`aconst a b c d 1/4` vs 3/4).

Each sketch draws its choice as before and passes it through `branch(rng, drawn, options,
viable)`. For a plain `Random` that returns `drawn`, so realise()'s figures and random stream
are unchanged. A `Brancher` is a Random that also records each choice, keyed by the point the
sketch places (its first point) and the choice's ordinal within that step, and obeys a forced
branch for a key it is given: the draw is made all the same (the random stream, hence every
continuous parameter, stays that of the unforced figure) and then overridden; a forced branch
that is not viable here (the other intersection is an existing point, the root is outside the
angle) raises BranchUnavailable, which realise treats like a sketch that failed: redraw.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from random import Random

# (the point the step places, ordinal of the choice within the step)
Key = tuple[str, int]


class BranchUnavailable(ValueError):
    """The forced branch of a choice point does not exist on this draw."""


class Brancher(Random):
    """A Random that records the branch taken at each choice point and obeys forced ones.

    `taken[key] = (branch, options)` after a draw holds the choices of the figure drawn (a
    redrawn step forgets its previous choices when it starts: see `at`).
    """

    def __init__(self, seed: int | str, forced: Mapping[Key, int] | None = None) -> None:
        super().__init__(seed)
        self.forced: dict[Key, int] = dict(forced or {})
        self.taken: dict[Key, tuple[int, int]] = {}
        self._point = ""
        self._ordinal = 0

    def at(self, point: str) -> None:
        """The next choices belong to the step that places `point` (first of its points)."""
        self._point, self._ordinal = point, 0
        for key in [k for k in self.taken if k[0] == point]:
            del self.taken[key]

    def decide(self, drawn: int, options: int, viable: Collection[int]) -> int:
        key = (self._point, self._ordinal)
        self._ordinal += 1
        if key in self.forced:
            chosen = self.forced[key]
            if chosen not in viable:
                raise BranchUnavailable(f"forced branch {chosen} of {key[0]} is not viable")
        elif len(viable) < 2:
            return drawn  # no choice on this draw
        else:
            chosen = drawn
        self.taken[key] = (chosen, options)
        return chosen


def at(rng: Random, point: str) -> None:
    """Tell a Brancher which step draws next (nothing for a plain Random)."""
    if isinstance(rng, Brancher):
        rng.at(point)


def branch(rng: Random, drawn: int, options: int, viable: Collection[int]) -> int:
    """The branch to take at a choice among `options` (numbered 0..options-1), of which the
    ones in `viable` exist on this draw; `drawn` is the sketch's own random pick (in viable)."""
    if isinstance(rng, Brancher):
        return rng.decide(drawn, options, viable)
    return drawn
