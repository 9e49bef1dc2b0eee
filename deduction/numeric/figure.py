"""`Figure`: numeric truth on one fixed figure, fast enough for the engine's inner loop.

The deduction engine asks thousands of "is this candidate fact true here?" questions about one
realised figure, mostly about the same few dozen lines and segments. A Figure caches each line's
direction and each segment's length by point names, and each answer by statement, so the
common predicates (para, perp, eqangle, aconst, cong, eqratio, rconst) cost a few dict lookups
and one comparison. Every other predicate, and the semantics and tolerance of all of them, are
those of `holds` (predicates.py); the tests check the two agree statement by statement.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from deduction.numeric.predicates import EPS_POINT, TOL, Points, holds
from deduction.types import Args, Statement

_PI = math.pi
_HALF_PI = math.pi / 2


class Figure:
    """Memoised numeric checks on fixed coordinates: `Figure(points)(statement) -> bool`."""

    __slots__ = ("points", "tol", "_dirs", "_lens", "_values", "_memo")

    def __init__(self, points: Points, tol: float = TOL) -> None:
        self.points = points
        self.tol = tol
        self._dirs: dict[tuple[str, str], float | None] = {}
        self._lens: dict[tuple[str, str], float] = {}
        self._values: dict[str, float] = {}
        self._memo: dict[Statement, bool] = {}

    def direction(self, a: str, b: str) -> float | None:
        """Direction of line ab in [0, pi), None if a and b coincide."""
        key = (a, b) if a <= b else (b, a)
        if key in self._dirs:
            return self._dirs[key]
        p, q = self.points[key[0]], self.points[key[1]]
        dx, dy = q[0] - p[0], q[1] - p[1]
        d = None if abs(dx) + abs(dy) < EPS_POINT else math.atan2(dy, dx) % _PI
        self._dirs[key] = d
        return d

    def length(self, a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        n = self._lens.get(key)
        if n is None:
            p, q = self.points[key[0]], self.points[key[1]]
            n = self._lens[key] = math.hypot(q[0] - p[0], q[1] - p[1])
        return n

    def _angle_zero(self, x: float) -> bool:
        r = x % _PI
        return r <= self.tol or _PI - r <= self.tol

    def _value(self, text: str) -> float:
        v = self._values.get(text)
        if v is None:
            v = self._values[text] = float(Fraction(text))
        return v

    def _two_dirs(self, args: Args) -> tuple[float, float] | None:
        d1, d2 = self.direction(args[0], args[1]), self.direction(args[2], args[3])
        return None if d1 is None or d2 is None else (d1, d2)

    def _para(self, args: Args) -> bool:
        d = self._two_dirs(args)
        return d is not None and self._angle_zero(d[1] - d[0])

    def _perp(self, args: Args) -> bool:
        d = self._two_dirs(args)
        return d is not None and self._angle_zero(d[1] - d[0] - _HALF_PI)

    def _eqangle(self, args: Args) -> bool:
        one, two = self._two_dirs(args[:4]), self._two_dirs(args[4:])
        if one is None or two is None:
            return False
        return self._angle_zero((one[1] - one[0]) - (two[1] - two[0]))

    def _aconst(self, args: Args) -> bool:
        d = self._two_dirs(args)
        return d is not None and self._angle_zero(d[1] - d[0] - self._value(args[4]) * _PI)

    def _close(self, x: float, y: float) -> bool:
        return abs(x - y) <= self.tol * max(abs(x), abs(y))

    def _cong(self, args: Args) -> bool:
        m, n = self.length(args[0], args[1]), self.length(args[2], args[3])
        return min(m, n) >= EPS_POINT and self._close(m, n)

    def _eqratio(self, args: Args) -> bool:
        n = [self.length(args[i], args[i + 1]) for i in range(0, 8, 2)]
        return min(n) >= EPS_POINT and self._close(n[0] * n[3], n[1] * n[2])

    def _rconst(self, args: Args) -> bool:
        m, n = self.length(args[0], args[1]), self.length(args[2], args[3])
        return min(m, n) >= EPS_POINT and self._close(m, self._value(args[4]) * n)

    def holds(self, statement: Statement) -> bool:
        known = self._memo.get(statement)
        if known is not None:
            return known
        fast = _FAST.get(statement.predicate)
        if fast is not None:
            answer = fast(self, statement.args)
        else:
            answer = holds(statement, self.points, self.tol)
        self._memo[statement] = answer
        return answer

    __call__ = holds


_FAST: dict[str, Callable[[Figure, Args], bool]] = {
    "para": Figure._para,
    "perp": Figure._perp,
    "eqangle": Figure._eqangle,
    "aconst": Figure._aconst,
    "cong": Figure._cong,
    "eqratio": Figure._eqratio,
    "rconst": Figure._rconst,
}
