"""Evaluate expression trees exactly (Fraction) or numerically at 60 digits (mpmath), with guards.

Exact evaluation is tried first because it decides rational answers with no tolerance at all
(`1/10^1000` is not 0). Numeric evaluation at 60 significant digits decides the rest: radicals,
pi, e, complex numbers, and expressions with variables, evaluated at a few fixed pseudo-random
points (a Schwartz-Zippel style identity test). 60 digits separate `e^{pi sqrt 163}` from its
nearest integer (they differ in the 30th digit). Guards keep every call bounded: exponents,
factorials and magnitudes beyond fixed limits raise `TooLarge` instead of computing.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath

from verifiers.math.types import Node

# An evaluated value: an mpmath number, a Fraction, or a matrix (tuple of rows) of them.
# mpmath ships no type information, hence Any.
Value = Any

DPS = 60
MAX_BITS = 1 << 17  # exact integers up to ~40,000 digits
MAX_FACTORIAL = 1000
MAX_NODES = 2000


class EvalError(ValueError):
    """The expression has no value (division by zero, unknown construct)."""


class Inexact(EvalError):
    """Exact evaluation is impossible (irrational, symbolic); numeric evaluation may work."""


class TooLarge(EvalError):
    """Evaluating would exceed the size guards."""


class Unsupported(TooLarge):
    """A construct the numeric evaluator does not cover (a symbolic sum): undecidable here,
    like a value beyond the guards -- never evidence of inequality."""


_local = threading.local()


def context() -> mpmath.ctx_mp.MPContext:
    """A per-thread mpmath context: the global `mpmath.mp` precision is shared process state."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = mpmath.ctx_mp.MPContext()
        ctx.dps = DPS
        _local.ctx = ctx
    return ctx


def count_nodes(node: Node, limit: int = MAX_NODES) -> int:
    stack = [node]
    n = 0
    while stack:
        cur = stack.pop()
        n += 1
        if n > limit:
            raise TooLarge("expression too large")
        for child in cur[1:]:
            if isinstance(child, tuple):
                stack.append(child)
    return n


# ----------------------------------------------------------------------------- exact


def _exact_pow(base: Fraction, exp: Fraction) -> Fraction:
    if exp.denominator != 1:
        root = _exact_root(base, exp.denominator)
        return _exact_pow(root, Fraction(exp.numerator))
    e = exp.numerator
    if base == 0:
        if e < 0:
            raise EvalError("0 to a negative power")
        return Fraction(1) if e == 0 else Fraction(0)
    if abs(base) == 1:
        return base**e
    bits = max(base.numerator.bit_length(), base.denominator.bit_length())
    if bits * abs(e) > MAX_BITS:
        raise TooLarge("power too large")
    return base**e


def _int_root(n: int, k: int) -> int | None:
    if n < 0:
        return None
    r = round(n ** (1.0 / k)) if n.bit_length() < 1000 else int(mpmath.root(n, k))
    for cand in (r - 1, r, r + 1):
        if cand >= 0 and cand**k == n:
            return cand
    return None


def _exact_root(x: Fraction, k: int) -> Fraction:
    if k <= 0 or k > 64:
        raise Inexact("root index")
    sign = 1
    if x < 0:
        if k % 2 == 0:
            raise Inexact("even root of a negative number")
        sign, x = -1, -x
    num, den = _int_root(x.numerator, k), _int_root(x.denominator, k)
    if num is None or den is None:
        raise Inexact("irrational root")
    return sign * Fraction(num, den)


def _factorial_int(x: Fraction) -> int:
    if x.denominator != 1 or x < 0:
        raise EvalError("factorial of a non-natural number")
    if x > MAX_FACTORIAL:
        raise TooLarge("factorial too large")
    return int(x)


def exact(node: Node) -> Value:
    """The exact rational value of `node` (or a matrix of them); raise Inexact if irrational."""
    kind = node[0]
    handler = _EXACT.get(kind)
    if handler is None:
        raise Inexact(kind)
    return handler(node)


def _ex_scalar(node: Node) -> Fraction:
    v = exact(node)
    if isinstance(v, tuple):
        raise Inexact("matrix in scalar position")
    return v


def _ex_add(node: Node) -> Value:
    vals = [exact(c) for c in node[1:]]
    return _reduce(vals, _add)


def _ex_mul(node: Node) -> Value:
    vals = [exact(c) for c in node[1:]]
    return _reduce(vals, _mul)


def _ex_div(node: Node) -> Fraction:
    num, den = _ex_scalar(node[1]), _ex_scalar(node[2])
    if den == 0:
        raise EvalError("division by zero")
    return num / den


def _ex_root(node: Node) -> Fraction:
    index = _ex_scalar(node[2])
    if index.denominator != 1:
        raise Inexact("fractional root index")
    return _exact_root(_ex_scalar(node[1]), int(index))


def _ex_binom(node: Node) -> Fraction:
    n, k = _factorial_int(_ex_scalar(node[1])), _factorial_int(_ex_scalar(node[2]))
    return Fraction(math.comb(n, k))


def _ex_fact(node: Node) -> Fraction:
    return Fraction(math.factorial(_factorial_int(_ex_scalar(node[1]))))


def _ex_base(node: Node) -> Fraction:
    raise Inexact("base-n numeral")


def _ex_many(node: Node) -> Fraction:
    args = [_ex_scalar(a) for a in node[2:]]
    name = node[1]
    if name in ("max", "min"):
        return max(args) if name == "max" else min(args)
    if any(a.denominator != 1 for a in args):
        raise EvalError(f"{name} of non-integers")
    ints = [int(a) for a in args]
    return Fraction(math.gcd(*ints) if name == "gcd" else math.lcm(*ints))


def _ex_mod(node: Node) -> Fraction:
    a, m = _ex_scalar(node[1]), _ex_scalar(node[2])
    if m == 0:
        raise EvalError("modulo zero")
    return a % m


_EXACT: dict[str, Callable[[Node], Value]] = {
    "many": _ex_many,
    "mod": _ex_mod,
    "floor": lambda n: Fraction(math.floor(_ex_scalar(n[1]))),
    "ceil": lambda n: Fraction(math.ceil(_ex_scalar(n[1]))),
    "num": lambda n: n[1],
    "neg": lambda n: _neg(exact(n[1])),
    "add": _ex_add,
    "mul": _ex_mul,
    "div": _ex_div,
    "pow": lambda n: _exact_pow(_ex_scalar(n[1]), _ex_scalar(n[2])),
    "root": _ex_root,
    "abs": lambda n: abs(_ex_scalar(n[1])),
    "fact": _ex_fact,
    "binom": _ex_binom,
    "mat": lambda n: tuple(tuple(_ex_scalar(c) for c in row) for row in n[1]),
}


# ----------------------------------------------------------------------------- numeric


def _hash01(*parts: Value) -> float:
    return (zlib.crc32(repr(parts).encode()) % 1_000_003) / 1_000_003


def symbol_value(name: str, point: int) -> mpmath.mpf:
    """A fixed pseudo-random value in (0.6, 2.1) for each variable and sample point; positive,
    so sqrt(x^2) and x agree, and irrational-looking, so no denominator vanishes by accident."""
    ctx = context()
    return ctx.mpf(0.6) + ctx.mpf(1.5) * _hash01(name, point) + ctx.sqrt(2) / 10**7


def numeric(node: Node, point: int = 0) -> Value:
    """The value of `node` as an mpmath number (or a matrix of them) at sample point `point`."""
    handler = _NUMERIC.get(node[0])
    if handler is None:
        raise Unsupported(f"cannot evaluate {node[0]}")
    return handler(node, point)


def _nu_scalar(node: Node, point: int) -> Value:
    v = numeric(node, point)
    if isinstance(v, tuple):
        raise EvalError("matrix in scalar position")
    return v


MAX_MAG_BITS = 3400  # about 10^1000


def _guard(v: Value) -> Value:
    if not isinstance(v, tuple) and v:
        ctx = context()
        if ctx.isfinite(v) and abs(ctx.mag(v)) > MAX_MAG_BITS:
            raise TooLarge("magnitude beyond 1e1000")
    return v


def _nu_pow(node: Node, point: int) -> Value:
    ctx = context()
    base, exp = numeric(node[1], point), _nu_scalar(node[2], point)
    if isinstance(base, tuple):
        if exp != int(ctx.re(exp)) or not 0 <= int(ctx.re(exp)) <= 20:
            raise EvalError("matrix power")
        result = base
        for _ in range(int(ctx.re(exp)) - 1):
            result = _matmul(result, base)
        return result
    if abs(exp) > 10**6 and abs(base) != 1:
        raise TooLarge("exponent too large")
    if base == 0 and ctx.re(exp) < 0:
        raise EvalError("0 to a negative power")
    if ctx.im(base) == 0 and ctx.im(exp) == 0 and ctx.re(base) < 0:
        e = ctx.re(exp)
        if e == int(e):
            return _guard(ctx.power(ctx.re(base), int(e)))
        den = Fraction(float(e)).limit_denominator(100)
        if den.denominator % 2 == 1 and abs(float(e) - float(den)) < 1e-12:
            # (-8)^(1/3) is -2 to a reader, not the principal complex root.
            mag = ctx.power(-ctx.re(base), e)
            return _guard(-mag if den.numerator % 2 else mag)
    return _guard(ctx.power(base, exp))


def _nu_root(node: Node, point: int) -> Value:
    ctx = context()
    x, k = _nu_scalar(node[1], point), _nu_scalar(node[2], point)
    if ctx.im(x) == 0 and ctx.re(x) < 0 and ctx.im(k) == 0 and int(ctx.re(k)) % 2 == 1:
        return -ctx.root(-ctx.re(x), int(ctx.re(k)))
    if k == 2:
        return ctx.sqrt(x)
    return ctx.power(x, 1 / k)


def _nu_fact(node: Node, point: int) -> Value:
    ctx = context()
    x = _nu_scalar(node[1], point)
    if ctx.im(x) != 0 or ctx.re(x) < 0 or ctx.re(x) > 10**5:
        raise TooLarge("factorial argument")
    return ctx.factorial(ctx.re(x))


def _nu_binom(node: Node, point: int) -> Value:
    ctx = context()
    n, k = _nu_scalar(node[1], point), _nu_scalar(node[2], point)
    if abs(n) > 10**5:
        raise TooLarge("binomial argument")
    return ctx.binomial(n, k)


def _nu_log(node: Node, point: int) -> Value:
    ctx = context()
    x = _nu_scalar(node[1], point)
    if x == 0:
        raise EvalError("log of zero")
    if node[2] is None:
        return ctx.log(x)
    return ctx.log(x) / ctx.log(_nu_scalar(node[2], point))


def _nu_app(node: Node, point: int) -> Value:
    # An unknown function f(x): a fixed smooth function per name, the same on both sides.
    ctx = context()
    x = _nu_scalar(node[2], point)
    a, b = 1 + _hash01(node[1], "a"), _hash01(node[1], "b")
    return ctx.sin(a * x + b) + ctx.mpf(b) * x * x


_FUNCS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "ln": "ln", "exp": "exp",
}  # fmt: skip


def _nu_fn(node: Node, point: int) -> Value:
    ctx = context()
    x = _nu_scalar(node[2], point)
    if abs(ctx.im(x)) > 10**4:
        raise TooLarge("function argument")
    return _guard(getattr(ctx, _FUNCS[node[1]])(x))


def _nu_const(node: Node, point: int) -> Value:
    ctx = context()
    return {"pi": ctx.pi, "e": ctx.e, "i": ctx.mpc(0, 1), "inf": ctx.inf}[node[1]]


def _nu_div(node: Node, point: int) -> Value:
    num, den = numeric(node[1], point), _nu_scalar(node[2], point)
    if den == 0:
        raise EvalError("division by zero")
    if isinstance(num, tuple):
        return tuple(tuple(c / den for c in row) for row in num)
    return _guard(num / den)


def _nu_real(node: Node, point: int) -> Value:
    ctx = context()
    v = _nu_scalar(node, point)
    if ctx.im(v) != 0:
        raise EvalError("complex argument to a real-only function")
    return ctx.re(v)


def _nu_many(node: Node, point: int) -> Value:
    if node[1] not in ("max", "min"):
        return _to_mpf(_ex_many(node))
    args = [_nu_real(a, point) for a in node[2:]]
    return max(args) if node[1] == "max" else min(args)


def _to_mpf(v: Fraction) -> Value:
    return context().mpf(v.numerator) / v.denominator


MAX_TERMS = 1000


def _substitute_var(node: Node, var: str, value: Node) -> Node:
    if node == ("sym", var):
        return value
    if node[0] in ("num", "sym", "const", "base", "val"):
        return node
    return (
        node[0],
        *(_substitute_var(c, var, value) if isinstance(c, tuple) else c for c in node[1:]),
    )


def _nu_big(node: Node, point: int) -> Value:
    """\\sum / \\prod with integer bounds, term by term; symbolic bounds are Unsupported."""
    kind, var, lo_node, hi_node, body = node
    try:
        lo, hi = exact(lo_node), exact(hi_node)
    except EvalError:
        raise Unsupported(f"{kind} with symbolic bounds") from None
    if not (isinstance(lo, Fraction) and isinstance(hi, Fraction)) or 1 not in (
        lo.denominator,
        hi.denominator,
    ):
        raise Unsupported(f"{kind} bounds")
    if hi - lo > MAX_TERMS:
        raise Unsupported(f"{kind} of more than {MAX_TERMS} terms")
    acc = context().mpf(0 if kind == "sum" else 1)
    for k in range(int(lo), int(hi) + 1):
        term = numeric(_substitute_var(body, var, ("num", Fraction(k), None)), point)
        acc = acc + term if kind == "sum" else acc * term
    return _guard(acc)


_NUMERIC: dict[str, Callable[[Node, int], Value]] = {
    "sum": _nu_big,
    "prod": _nu_big,
    "many": _nu_many,
    "mod": lambda n, p: _to_mpf(_ex_mod(n)),
    "floor": lambda n, p: context().floor(_nu_real(n[1], p)),
    "ceil": lambda n, p: context().ceil(_nu_real(n[1], p)),
    "num": lambda n, p: context().mpf(n[1].numerator) / n[1].denominator,
    "sym": lambda n, p: symbol_value(n[1], p),
    "const": _nu_const,
    "neg": lambda n, p: _neg(numeric(n[1], p)),
    "add": lambda n, p: _guard(_reduce([numeric(c, p) for c in n[1:]], _add)),
    "mul": lambda n, p: _guard(_reduce([numeric(c, p) for c in n[1:]], _mul)),
    "div": _nu_div,
    "pow": _nu_pow,
    "root": _nu_root,
    "abs": lambda n, p: abs(_nu_scalar(n[1], p)),
    "fact": _nu_fact,
    "binom": _nu_binom,
    "log": _nu_log,
    "fn": _nu_fn,
    "app": _nu_app,
    "mat": lambda n, p: tuple(tuple(_nu_scalar(c, p) for c in row) for row in n[1]),
    "base": lambda n, p: _base_value(n),
    "val": lambda n, p: n[1],  # a number substituted for a variable (realsets)
}


def _base_value(node: Node) -> Value:
    digits, base = node[1], node[2]
    if len(digits) > 1000:
        raise TooLarge("base-n numeral too long")
    if not 2 <= base <= 36 or any(int(d, 36) >= base for d in digits):
        raise EvalError("bad base-n numeral")
    return context().mpf(int(digits, base))


# ----------------------------------------------------------------------------- matrices


def _neg(v: Value) -> Value:
    if isinstance(v, tuple):
        return tuple(tuple(-c for c in row) for row in v)
    return -v


def _matmul(a: tuple, b: tuple) -> tuple:
    if len(a[0]) != len(b):
        raise EvalError("matrix shapes do not multiply")
    zero = 0 * a[0][0]
    return tuple(
        tuple(sum((a[i][k] * b[k][j] for k in range(len(b))), zero) for j in range(len(b[0])))
        for i in range(len(a))
    )


def _add(a: Value, b: Value) -> Value:
    ma, mb = isinstance(a, tuple), isinstance(b, tuple)
    if ma != mb:
        raise EvalError("matrix plus scalar")
    if not ma:
        return a + b
    if (len(a), len(a[0])) != (len(b), len(b[0])):
        raise EvalError("matrix shapes differ")
    return tuple(
        tuple(x + y for x, y in zip(ra, rb, strict=True)) for ra, rb in zip(a, b, strict=True)
    )


def _mul(a: Value, b: Value) -> Value:
    ma, mb = isinstance(a, tuple), isinstance(b, tuple)
    if ma and mb:
        return _matmul(a, b)
    if ma or mb:
        mat, scalar = (a, b) if ma else (b, a)
        return tuple(tuple(c * scalar for c in row) for row in mat)
    return a * b


def _reduce(vals: list, op: Callable[[Value, Value], Value]) -> Value:
    acc = vals[0]
    for v in vals[1:]:
        acc = op(acc, v)
    return acc
