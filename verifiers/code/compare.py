"""Comparison, always on the host, of what came out of the sandbox with what was expected.

Stdio: exact text after per-line normalisation (trailing whitespace of each line, trailing blank
lines, \\r\\n vs \\n); with a tolerance, tokens that both parse as floats compare numerically.
Missing or extra lines fail (no zip()-style prefix matching).

Function results: the decoded values are builtin data only (the harness refuses anything else), so
comparing them runs none of the candidate's code. Equality is type-aware: list != tuple, bool is not
int (True is not 1), set vs frozenset differ; int and float compare by value as Python's `==`
does. Floats match within `atol` (evalplus: 1e-6 when the task gives 0) plus a 1e-7 relative slack,
at any depth; two NaNs match.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

FLOAT_DEFAULT_ATOL = 1e-6
FLOAT_RTOL = 1e-7


def normalise_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _float_token(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def _tokens_match(got: str, exp: str, tol: float) -> bool:
    if got == exp:
        return True
    g, e = _float_token(got), _float_token(exp)
    if g is None or e is None:
        return False
    if math.isnan(g) or math.isnan(e):
        return math.isnan(g) and math.isnan(e)
    return abs(g - e) <= tol + FLOAT_RTOL * abs(e)


def stdio_matches(got: str, expected: str, tol: float = 0.0) -> tuple[bool, str]:
    """(match, why not). `tol` > 0 enables numeric token comparison."""
    g, e = normalise_lines(got), normalise_lines(expected)
    if len(g) != len(e):
        return False, f"{len(g)} output lines, expected {len(e)}"
    for n, (gl, el) in enumerate(zip(g, e, strict=True), 1):
        if gl == el:
            continue
        if tol > 0:
            gt, et = gl.split(), el.split()
            pairs = zip(gt, et, strict=False)
            if len(gt) == len(et) and all(_tokens_match(a, b, tol) for a, b in pairs):
                continue
        return False, f"line {n}: got {gl[:80]!r}, expected {el[:80]!r}"
    return True, ""


def _is_number(x: object) -> bool:
    return type(x) in (int, float)


def values_equal(got: object, exp: object, atol: float = 0.0) -> bool:
    if type(got) is float or type(exp) is float:
        if not (_is_number(got) and _is_number(exp)):
            return False
        if got == exp:
            return True
        g, e = float(got), float(exp)  # type: ignore[arg-type]
        if math.isnan(g) or math.isnan(e):
            return math.isnan(g) and math.isnan(e)
        return abs(g - e) <= (atol or FLOAT_DEFAULT_ATOL) + FLOAT_RTOL * abs(e)
    if type(got) is not type(exp):
        return False
    if isinstance(exp, list | tuple):
        return len(got) == len(exp) and all(  # type: ignore[arg-type]
            values_equal(a, b, atol)
            for a, b in zip(got, exp, strict=True)  # type: ignore[call-overload]
        )
    if isinstance(exp, dict):
        if got.keys() != exp.keys():  # type: ignore[attr-defined]
            return False
        return all(values_equal(got[k], v, atol) for k, v in exp.items())  # type: ignore[index]
    if isinstance(exp, complex):
        return abs(got - exp) <= (atol or FLOAT_DEFAULT_ATOL)  # type: ignore[operator]
    return bool(got == exp)


def _poly(xs: Any, x: float) -> float:
    return sum(c * math.pow(x, i) for i, c in enumerate(xs))


def _poly_root(got: object, exp: object, args: tuple, atol: float) -> bool:
    # HumanEval/32 find_zero: any root is right, not only the reference's
    if not _is_number(got) or not args:
        return False
    try:
        return abs(_poly(args[0], float(got))) <= (atol or FLOAT_DEFAULT_ATOL)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return False


def _apps(got: object, exp: object, args: tuple, atol: float) -> bool:
    # APPS' call-based rule: tuples count as lists, and [x] as expected also accepts x
    if type(got) is tuple:
        got = list(got)
    if values_equal(got, exp, atol):
        return True
    return type(exp) is list and len(exp) == 1 and values_equal(got, exp[0], atol)


def _unordered(got: object, exp: object, args: tuple, atol: float) -> bool:
    # MBPP tasks whose own assertion reads `set(f(...)) == set(...)`: order and repeats are free
    kinds = (list, tuple, set, frozenset)
    if type(got) not in kinds or type(exp) not in kinds:
        return values_equal(got, exp, atol)
    try:
        return set(got) == set(exp)  # type: ignore[call-overload]
    except TypeError:  # unhashable members
        return sorted(map(repr, got)) == sorted(map(repr, exp))  # type: ignore[call-overload]


Oracle = Callable[[object, object, tuple, float], bool]

# evalplus's special oracles, by name; loaders attach them to the tasks that need them.
ORACLES: dict[str, Oracle] = {
    "equal": lambda got, exp, args, atol: values_equal(got, exp, atol),
    "poly_root": _poly_root,
    # Mbpp/295 sum_div: 0 is also accepted (the task statement is ambiguous about it)
    "equal_or_zero": lambda got, exp, args, atol: values_equal(got, exp, atol) or got == 0,
    # MBPP check_str & co: the harness returns only `result is not None` (a re.Match is not data)
    "not_none": lambda got, exp, args, atol: values_equal(got, exp, atol),
    # Mbpp/164 are_equivalent: evalplus accepts any result (its reference is disputed)
    "any": lambda got, exp, args, atol: True,
    "apps": _apps,
    "unordered": _unordered,
}
