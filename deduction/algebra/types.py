"""The one output type of algebraic reasoning: a derived fact with its minimal premises.

`Derived.args` are the engine's own opaque ids (line ids for angles, segment ids for ratios,
point ids for distances); `kind` names the predicate in AlphaGeometry's vocabulary so the engine
can build its Statement directly:

    para(l1, l2)              d(l1) = d(l2)                    directions mod pi
    perp(l1, l2)              d(l2) - d(l1) = 1/2              (units of pi)
    aconst(l1, l2, v)         d(l2) - d(l1) = v                v a Fraction in [0, 1)
    eqangle(l1, l2, l3, l4)   d(l2) - d(l1) = d(l4) - d(l3)
    cong(s1, s2)              |s1| = |s2|
    rconst(s1, s2, v)         |s1| / |s2| = v                  v a positive Fraction
    eqratio(s1, s2, s3, s4)   |s1| / |s2| = |s3| / |s4|

For the distance chaser a segment id is the frozenset of its two point ids.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Derived:
    """A fact implied by the linear system; `why` is a minimal set of the tags given as input.

    `why` is None when `derive(with_why=False)` deferred it; `chaser.explain(fact)` computes it
    later from the equations known at `stamp` (the system's size when the fact was derived).
    """

    kind: str
    args: tuple[Hashable, ...]
    why: frozenset[Hashable] | None
    value: Fraction | None = None
    stamp: int = 0

    def __str__(self) -> str:
        value = "" if self.value is None else f" {self.value}"
        return f"{self.kind}({', '.join(map(str, self.args))}{value})"
