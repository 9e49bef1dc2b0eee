"""Subsets of the real line -- intervals, unions, inequalities -- compared by membership.

Two such sets are equal when they agree on membership at every critical point (every
endpoint, every constant of an inequality and its negative, the root of each linear
inequality) and at points between and beyond them. Between consecutive critical points
membership cannot change for unions of intervals, so the test is exact for them and a good
sample for the rest. This is how `[1,\\infty)` equals `x \\ge 1` and `1 \\le |z| \\le 3/2`
equals `[-3/2,-1] \\cup [1,3/2]`, in both directions.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from verifiers.math.evaluate import EvalError, Value, context, exact, numeric
from verifiers.math.numbers import nodes_equal
from verifiers.math.types import Bag, Inequality, Interval, Node, RealSet, Scalar, Seq

Member = Callable[[Value], bool]
_ZERO_TOL = 10**-40
MAX_CONSTANTS = 50


class NotARealSet(ValueError):
    pass


def _value(node: Node) -> Value:
    """Exact (Fraction) when rational -- most endpoints and probes are -- else 60-digit real."""
    try:
        v = exact(node)
        if isinstance(v, Fraction):
            return v
    except EvalError:
        pass
    v = numeric(node, 0)
    ctx = context()
    if isinstance(v, tuple) or (not ctx.isinf(v) and abs(ctx.im(v)) > _ZERO_TOL):
        raise NotARealSet("non-real endpoint")
    return ctx.re(v) if not ctx.isinf(v) else v


def _mp(v: Value) -> Value:
    return context().mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v


def _cmp(a: Value, b: Value) -> int:
    """Sign of a - b: exact for rationals, with a tolerance band around zero otherwise."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return (a > b) - (a < b)
    ctx = context()
    a, b = _mp(a), _mp(b)
    if ctx.isinf(a) or ctx.isinf(b):
        return 0 if a == b else (1 if a > b else -1)
    d = a - b
    if abs(d) <= _ZERO_TOL * max(1, abs(a), abs(b)):
        return 0
    return 1 if d > 0 else -1


def _substitute(node: Node, target: Node, value: Value) -> Node:
    if node == target:
        return ("num", value, None) if isinstance(value, Fraction) else ("val", value)
    if node[0] in ("num", "sym", "const", "base", "val"):
        return node
    children = (_substitute(c, target, value) if isinstance(c, tuple) else c for c in node[1:])
    return (node[0], *children)


def _symbols(node: Node, out: set) -> set:
    if node[0] in ("sym", "app"):
        out.add(node)
    elif node[0] not in ("num", "const", "val", "base"):
        for c in node[1:]:
            if isinstance(c, tuple):
                _symbols(c, out)
    return out


def _constants(node: Node, out: list) -> list:
    if node[0] == "num":
        out.append(node)
    elif node[0] not in ("sym", "const", "val", "base"):
        for c in node[1:]:
            if isinstance(c, tuple):
                _constants(c, out)
    return out


_OPS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
    "!=": lambda c: c != 0,
}


def _inequality(ineq: Inequality) -> tuple[Member, list[Value]]:
    symbols: set = set()
    for p in ineq.parts:
        _symbols(p, symbols)
    # The variable: a lone symbol or f(x) standing as a whole part, else the only symbol.
    whole = [p for p in ineq.parts if p[0] in ("sym", "app")]
    if len(whole) == 1 and all(p is whole[0] or not _symbols(p, set()) for p in ineq.parts):
        var = whole[0]
    elif len(symbols) == 1:
        var = next(iter(symbols))
    else:
        raise NotARealSet("not an inequality in one variable")

    def member(t: Value) -> bool:
        vals = [_value(_substitute(p, var, t)) for p in ineq.parts]
        return all(_OPS[op](_cmp(a, b)) for a, b, op in zip(vals, vals[1:], ineq.ops, strict=False))

    crit: list[Value] = []
    constants = {c for p in ineq.parts for c in _constants(p, [])}
    if len(constants) <= MAX_CONSTANTS:  # beyond that, roots and samples must do
        for c in constants:
            v = _value(c)
            crit.extend([v, -v])
    for left, right in zip(ineq.parts, ineq.parts[1:], strict=False):
        crit.extend(_linear_root(left, right, var))
    return member, crit


def _linear_root(left: Node, right: Node, var: Node) -> list[Value]:
    diff = ("add", left, ("neg", right))
    try:
        h = [_value(_substitute(diff, var, Fraction(t))) for t in (0, 1, 2)]
        if not all(isinstance(v, Fraction) for v in h):
            h = [_mp(v) for v in h]
    except (EvalError, NotARealSet):
        return []
    slope = h[1] - h[0]
    if slope == 0 or _cmp(h[2] - h[1], slope) != 0:
        return []
    return [-h[0] / slope]


def _interval(iv: Interval) -> tuple[Member, list[Value]]:
    lo, hi = _value(iv.lo), _value(iv.hi)

    def member(t: Value) -> bool:
        c_lo, c_hi = _cmp(t, lo), _cmp(t, hi)
        return (c_lo > 0 or (c_lo == 0 and iv.lo_closed and not context().isinf(lo))) and (
            c_hi < 0 or (c_hi == 0 and iv.hi_closed and not context().isinf(hi))
        )

    return member, [v for v in (lo, hi) if not context().isinf(v)]


def _points(bag: Bag) -> tuple[Member, list[Value]]:
    values = []
    for item in bag.items:
        if not isinstance(item, Scalar):
            raise NotARealSet("non-numeric set element")
        values.append(_value(item.node))
    return (lambda t: any(_cmp(t, v) == 0 for v in values)), values


def as_member(value: Value) -> tuple[Member, list[Value]]:
    """Membership test and critical points of a real-line set; NotARealSet otherwise."""
    if isinstance(value, Interval):
        return _interval(value)
    if isinstance(value, Inequality):
        return _inequality(value)
    if isinstance(value, Seq) and value.brackets == "()" and len(value.items) == 2:
        lo, hi = value.items
        if isinstance(lo, Scalar) and isinstance(hi, Scalar):
            return _interval(Interval(lo.node, hi.node, False, False))
    if isinstance(value, Bag):
        return _points(value)
    if isinstance(value, RealSet):
        members, crit = [], []
        for part in value.parts:
            m, c = as_member(part)
            members.append(m)
            crit.extend(c)
        removed = [_value(n) for n in value.minus]
        crit.extend(removed)

        def member(t: Value) -> bool:
            return any(m(t) for m in members) and not any(_cmp(t, r) == 0 for r in removed)

        return member, crit
    raise NotARealSet(type(value).__name__)


def realsets_equal(a: Value, b: Value) -> bool | None:
    """Equality of two real-line sets by membership; None when either is not one."""
    structural = _endpoints_equal(a, b)
    if structural is not None:
        return structural
    try:
        ma, ca = as_member(a)
        mb, cb = as_member(b)
        crit = _sorted_unique(ca + cb)
        probes = list(crit)
        probes += [_midpoint(x, y) for x, y in zip(crit, crit[1:], strict=False)]
        if crit:
            probes += [crit[0] - 1, crit[-1] + 1]
        probes += [Fraction(v) for v in (0, 1, -1, 10**6, -(10**6))] + [Fraction(1, 2)]
        return all(ma(t) == mb(t) for t in _sorted_unique(probes))
    except (NotARealSet, EvalError, TypeError):
        return None


def _sorted_unique(values: list[Value]) -> list[Value]:
    """Sorted finite values, duplicates (within the tolerance of `_cmp`) removed."""
    finite = [v for v in values if isinstance(v, Fraction) or context().isfinite(v)]
    finite.sort(key=lambda v: float(v) if isinstance(v, Fraction) else v)
    out: list[Value] = []
    for v in finite:
        if not out or _cmp(out[-1], v) != 0:
            out.append(v)
    return out


def _midpoint(x: Value, y: Value) -> Value:
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return (x + y) / 2
    return (_mp(x) + _mp(y)) / 2


def _endpoints_equal(a: Value, b: Value) -> bool | None:
    """Intervals with symbolic endpoints ([x, x+1]) compare endpoint by endpoint."""
    if not (isinstance(a, Interval) and isinstance(b, Interval)):
        return None
    symbolic = any(_symbols(n, set()) for n in (a.lo, a.hi, b.lo, b.hi))
    if not symbolic:
        return None
    if (a.lo_closed, a.hi_closed) != (b.lo_closed, b.hi_closed):
        return False
    return bool(nodes_equal(a.lo, b.lo)) and bool(nodes_equal(a.hi, b.hi))
