"""Equality of two expressions: exact first, then 60-digit numeric, with the decimal policy.

`nodes_equal` answers True, False or None (undecidable here: both sides too large or outside
the evaluator) -- None sends the pair to the sympy worker. The decimal rule (policy 3): a side
written with decimals matches an exact value only with at least 6 significant digits, to one
unit in the last written place; integers and exact values get no tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from verifiers.math.evaluate import (
    EvalError,
    Inexact,
    TooLarge,
    Unsupported,
    Value,
    context,
    count_nodes,
    exact,
    numeric,
)
from verifiers.math.types import Node

MIN_DIGITS = 6
REL_TOL = 10**-40
ABS_TOL = 10**-50
POINTS = 3
# Set in the sympy worker process only (symbolic.py): what to do when numbers cannot decide.
SYMBOLIC_FALLBACK: Callable[[Node, Node], bool | None] | None = None


def decimal_digits(node: Node) -> int | None:
    """Fewest significant digits among the decimal literals of `node` (None: no decimals)."""
    best = None
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur[0] == "num":
            if cur[2] is not None:
                best = cur[2] if best is None else min(best, cur[2])
            continue
        for child in cur[1:]:
            if isinstance(child, tuple):
                stack.append(child)
    return best


def has_free_symbols(node: Node) -> bool:
    if node[0] in ("sym", "app"):
        return True
    return any(isinstance(c, tuple) and has_free_symbols(c) for c in node[1:])


def _close(a: Value, b: Value, tol: object = None) -> bool:
    ctx = context()
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)):
            return False
        if len(a) != len(b) or any(len(ra) != len(rb) for ra, rb in zip(a, b, strict=False)):
            return False
        return all(
            _close(x, y, tol)
            for ra, rb in zip(a, b, strict=False)
            for x, y in zip(ra, rb, strict=False)
        )
    if ctx.isinf(a) or ctx.isinf(b):
        return a == b
    diff = abs(a - b)
    if tol is not None:
        return diff <= tol
    return diff <= REL_TOL * max(abs(a), abs(b)) or diff <= ABS_TOL


def _ulp(a: Value, b: Value, digits: int) -> Value:
    ctx = context()
    scale = max(_magnitude(a), _magnitude(b))
    if scale == 0 or not ctx.isfinite(scale):
        return ctx.mpf(0)
    return ctx.mpf(10) ** (int(ctx.floor(ctx.log10(scale))) - digits + 1)


def _magnitude(v: Value) -> Value:
    if isinstance(v, tuple):
        return max((abs(x) for row in v for x in row), default=0)
    return abs(v)


def nodes_equal(a: Node, b: Node) -> bool | None:
    result = _nodes_equal(a, b)
    if result is None and SYMBOLIC_FALLBACK is not None:
        return SYMBOLIC_FALLBACK(a, b)
    return result


def canonical(node: Node) -> Node:
    """The tree with the operands of + and * sorted: equal trees are equal expressions."""
    if not isinstance(node, tuple) or node[0] in ("num", "sym", "const", "base", "val"):
        return node
    children = tuple(canonical(c) if isinstance(c, tuple) else c for c in node[1:])
    if node[0] in ("add", "mul"):
        children = tuple(sorted(children, key=repr))
    return (node[0], *children)


def _base_equal(a: Node, b: Node) -> bool | None:
    """Base-n numerals: 1011_2 = 1011_{2} = 1011 (subscript dropped), but 11 is the decimal
    reading, not the base-2 answer the reference asks for."""
    if a[0] != "base" and b[0] != "base":
        return None
    if a[0] == "base" and b[0] == "base":
        return a[2] == b[2] and a[1].lstrip("0") == b[1].lstrip("0")
    numeral, other = (a, b) if a[0] == "base" else (b, a)
    if other[0] == "num" and other[2] is None and other[1].denominator == 1:
        return str(other[1].numerator).lstrip("0") == numeral[1].lstrip("0")
    return None


def _nodes_equal(a: Node, b: Node) -> bool | None:
    based = _base_equal(a, b)
    if based is not None:
        return based
    result = _values_equal(a, b)
    if result is None and canonical(a) == canonical(b):
        return True  # beyond evaluation (huge, or sums), yet the same tree up to order
    return result


def _values_equal(a: Node, b: Node) -> bool | None:
    if a == b:
        return True
    try:
        count_nodes(a)
        count_nodes(b)
    except TooLarge:
        return None
    da, db = decimal_digits(a), decimal_digits(b)
    approx_digits: int | None = None
    if da is not None and db is None:
        approx_digits, approx, other = da, a, b
    elif db is not None and da is None:
        approx_digits, approx, other = db, b, a
    if approx_digits is not None and approx_digits >= MIN_DIGITS:
        literal = _decimal_literal(approx)
        if literal is not None:
            return _rounds_to(literal, other, approx_digits)
    try:
        ea, eb = exact(a), exact(b)
    except (Inexact, EvalError):
        pass
    else:
        if _exact_equal(ea, eb):
            return True
        if approx_digits is None or approx_digits < MIN_DIGITS:
            return False
        return _approx_equal(_to_mp(ea), _to_mp(eb), approx_digits)
    return _numeric_equal(a, b, approx_digits)


def _decimal_literal(node: Node) -> Fraction | None:
    """The value of a lone decimal literal (`0.333333`, `-1.414214`), else None."""
    sign = 1
    if node[0] == "neg":
        sign, node = -1, node[1]
    if node[0] == "num" and node[2] is not None:
        return sign * node[1]
    return None


def _rounds_to(literal: Fraction, exact_node: Node, digits: int) -> bool | None:
    """Policy 3 for a lone decimal: it must be the exact value rounded or truncated to the
    digits written (0.666667 and 0.666666 are 2/3; 0.333334 is not 1/3)."""
    ctx = context()
    try:
        x = numeric(exact_node, 0)
    except TooLarge:
        return None
    except EvalError:
        return False
    if isinstance(x, tuple) or ctx.im(x) != 0 or not ctx.isfinite(x):
        return False
    x = ctx.re(x)
    if x == 0:
        return literal == 0
    scale = ctx.mpf(10) ** (digits - 1 - int(ctx.floor(ctx.log10(abs(x)))))
    target = _to_mp(literal) * scale
    scaled = x * scale
    candidates = (ctx.nint(scaled), ctx.sign(scaled) * ctx.floor(abs(scaled)))
    return any(_close(target, c) for c in candidates)


def _exact_equal(a: Value, b: Value) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        return all(
            len(ra) == len(rb) and all(x == y for x, y in zip(ra, rb, strict=False))
            for ra, rb in zip(a, b, strict=False)
        )
    return a == b


def _to_mp(v: Value) -> Value:
    ctx = context()
    if isinstance(v, tuple):
        return tuple(tuple(_to_mp(x) for x in row) for row in v)
    assert isinstance(v, Fraction)
    return ctx.mpf(v.numerator) / v.denominator


def _approx_equal(a: Value, b: Value, digits: int) -> bool:
    return _close(a, b, _ulp(a, b, digits))


_LARGE, _UNDEFINED, _UNKNOWN = "large", "undefined", "unknown"


def _evaluate(node: Node, point: int) -> Value:
    """The value, or a marker: beyond the magnitude guards, or undefined (1/0)."""
    try:
        return numeric(node, point)
    except Unsupported:
        return _UNKNOWN
    except TooLarge:
        return _LARGE
    except EvalError:
        return _UNDEFINED


def _ordinary(v: Value) -> bool:
    """A value well inside the guards (|log2| < 3000): surely unequal to a guarded one."""
    ctx = context()
    if isinstance(v, tuple):
        return False
    return not v or (ctx.isfinite(v) and abs(ctx.mag(v)) < 3000)


def _numeric_equal(a: Node, b: Node, approx_digits: int | None) -> bool | None:
    points = POINTS if has_free_symbols(a) or has_free_symbols(b) else 1
    for point in range(points):
        va, vb = _evaluate(a, point), _evaluate(b, point)
        if isinstance(va, str) or isinstance(vb, str):
            if _UNKNOWN in (va, vb) or va == vb:
                return None  # both huge or both undefined: numbers cannot tell
            other = vb if isinstance(va, str) else va
            if _UNDEFINED in (va, vb) and _LARGE not in (va, vb):
                return False  # one side has no value at all
            return False if not isinstance(other, str) and _ordinary(other) else None
        if _close(va, vb):
            continue
        if approx_digits is not None and approx_digits >= MIN_DIGITS:
            if _approx_equal(va, vb, approx_digits):
                continue
        return False
    return True


def value_of(node: Node) -> object | None:
    """The numeric value of a constant expression, or None."""
    try:
        return numeric(node, 0)
    except EvalError:
        return None


def proportional(f: Node, g: Node) -> bool | None:
    """f = c*g for a nonzero constant c, tested at sample points: `2x+4y-6` vs `x+2y-3`."""
    ctx = context()
    ratio = None
    for point in range(POINTS + 1):
        try:
            vf, vg = numeric(f, point), numeric(g, point)
        except EvalError:
            return None
        if isinstance(vf, tuple) or isinstance(vg, tuple):
            return False
        zf, zg = _close(vf, ctx.mpf(0)), _close(vg, ctx.mpf(0))
        if zf and zg:
            continue
        if zf or zg:
            return False
        r = vf / vg
        if ratio is None:
            ratio = r
        elif not _close(r, ratio):
            return False
    return True
