"""Equivalence of two parsed answers under the label policy, dispatched on their shapes.

`equivalent(gold, pred)` returns True, False, or None when the cheap in-process methods cannot
decide (the caller then asks the sympy worker). Each pair of shapes has one rule in `_RULES`;
pairs with no rule are not equal (a set is never a tuple, an equation never its right side).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from verifiers.math.evaluate import EvalError, exact
from verifiers.math.normalize import text_key
from verifiers.math.numbers import canonical, has_free_symbols, nodes_equal, proportional
from verifiers.math.realsets import realsets_equal
from verifiers.math.types import (
    Assignment,
    Bag,
    Choice,
    Clock,
    Equation,
    Inequality,
    Interval,
    Mapping,
    RealSet,
    Scalar,
    Seq,
    Text,
)

Verdict3 = bool | None
MAX_PAIRWISE = 64
_FUNCTION_NAME = re.compile(r"[A-Za-z]\([a-z]\)")


def _all(results: list[Verdict3]) -> Verdict3:
    if any(r is False for r in results):
        return False
    if any(r is None for r in results):
        return None
    return True


def _scalar_scalar(a: Scalar, b: Scalar) -> Verdict3:
    """`a` is the reference side, `b` the prediction (the percent rule is not symmetric)."""
    if a.unit is not None and b.unit is not None and a.unit != b.unit:
        return False
    if a.percent == b.percent:
        return nodes_equal(a.node, b.node)
    pct, plain = (a, b) if a.percent else (b, a)
    hundredth = ("div", pct.node, ("num", Fraction(100), None))
    result = nodes_equal(hundredth, plain.node)
    if result:
        return True
    # x% also equals x (the sign may be dropped) -- but a prediction that *adds* a % to a
    # reference written as a proper fraction changes a proportion: 1/2 is not 1/2%.
    try:
        v = exact(plain.node)
        proportion = isinstance(v, Fraction) and v.denominator != 1 and abs(v) < 1
    except EvalError:
        proportion = False
    if proportion and pct is b:
        return result
    same = nodes_equal(pct.node, plain.node)
    return True if same else (None if result is None or same is None else False)


def _key(x: object) -> Fraction | None:
    """An exact hashable value for plain rational items, so large collections compare in
    linear time; None for anything that needs the pairwise comparison."""
    if not isinstance(x, Scalar) or x.percent or x.unit is not None:
        return None
    try:
        v = exact(x.node)
    except EvalError:
        return None
    return v if isinstance(v, Fraction) else None


def _bag_bag(a: Bag, b: Bag) -> Verdict3:
    ka, kb = [_key(x) for x in a.items], [_key(x) for x in b.items]
    if None not in ka and None not in kb:
        return set(ka) == set(kb)
    if len(a.items) > MAX_PAIRWISE or len(b.items) > MAX_PAIRWISE:
        return None  # quadratic matching of this many symbolic items is not a cheap path
    ua, ub = _unique(a.items), _unique(b.items)
    if ua is None or ub is None:
        return None
    if len(ua) != len(ub):
        return False
    unmatched = list(ub)
    undecided = False
    for x in ua:
        for i, y in enumerate(unmatched):
            r = equivalent(x, y)
            if r:
                del unmatched[i]
                break
            undecided |= r is None
        else:
            return None if undecided else False
    return True


def _unique(items: tuple) -> list | None:
    """Items without duplicates; None if there are too many non-rational ones to compare."""
    keys = [_key(x) for x in items]
    if None not in keys:
        return list({k: x for k, x in zip(keys, items, strict=True)}.values())
    if len(items) > MAX_PAIRWISE:
        return None
    out: list = []
    for x in items:
        if not any(equivalent(x, y) for y in out):
            out.append(x)
    return out


def _bag_other(a: Bag, b: object) -> Verdict3:
    if isinstance(b, Mapping):
        return _bag_bag(a, Bag(tuple(p.value for p in b.pairs)))
    items = _unique(a.items)
    if items is None:
        return None
    if len(items) == 1:
        return equivalent(items[0], b)
    return realsets_equal(a, b) if isinstance(b, RealSet) else False


def _seq_seq(a: Seq, b: Seq) -> Verdict3:
    if (a.brackets == ":") != (b.brackets == ":") or len(a.items) != len(b.items):
        return False
    return _all([equivalent(x, y) for x, y in zip(a.items, b.items, strict=False)])


def _seq_scalar(a: Seq, b: Scalar) -> Verdict3:
    # A column vector \begin{pmatrix} 3 \\ -1 \\ 2 \end{pmatrix} is the tuple (3, -1, 2).
    node = b.node
    if node[0] == "mat" and all(len(row) == 1 for row in node[1]) and a.brackets != ":":
        entries = [row[0] for row in node[1]]
        if len(entries) != len(a.items):
            return False
        return _all([equivalent(x, Scalar(e)) for x, e in zip(a.items, entries, strict=False)])
    return False


def _assign_assign(a: Assignment, b: Assignment) -> Verdict3:
    if a.name == b.name:
        return equivalent(a.value, b.value)
    if _is_function_name(a.name) and _is_function_name(b.name):
        # y = 2x + 3 and f(x) = 2x + 3 name one function the same way
        if isinstance(a.value, Scalar) and has_free_symbols(a.value.node):
            return equivalent(a.value, b.value)
    ea, eb = _as_equation(a), _as_equation(b)
    if ea is not None and eb is not None:
        return _equation_equation(ea, eb)
    return False


def _is_function_name(name: str) -> bool:
    return name == "y" or bool(_FUNCTION_NAME.fullmatch(name))


def _as_equation(a: Assignment) -> Equation | None:
    if not isinstance(a.value, Scalar) or not has_free_symbols(a.value.node):
        return None
    if not a.name.isidentifier() and "_" not in a.name:
        return None
    return Equation(("sym", a.name), a.value.node)


def _assign_other(a: Assignment, b: object) -> Verdict3:
    if isinstance(b, Equation):
        e = _as_equation(a)
        return _equation_equation(e, b) if e is not None else False
    return equivalent(a.value, b)


def _equation_equation(a: Equation, b: Equation) -> Verdict3:
    fa = ("add", a.lhs, ("neg", a.rhs))
    fb = ("add", b.lhs, ("neg", b.rhs))
    if canonical(fa) == canonical(fb) or canonical(fa) == canonical(("neg", fb)):
        return True
    return proportional(fa, fb)


def _mapping_mapping(a: Mapping, b: Mapping) -> Verdict3:
    da = {p.name: p.value for p in a.pairs}
    db = {p.name: p.value for p in b.pairs}
    if set(da) != set(db):
        return _seq_seq(_values(a), _values(b)) if len(da) == len(db) else False
    return _all([equivalent(da[k], db[k]) for k in da])


def _values(m: Mapping) -> Seq:
    return Seq(tuple(p.value for p in m.pairs))


def _mapping_seq(a: Mapping, b: Seq) -> Verdict3:
    return _seq_seq(_values(a), b)


def _text_text(a: Text, b: Text) -> Verdict3:
    return text_key(a.text) == text_key(b.text)


def _realset(a: object, b: object) -> Verdict3:
    r = realsets_equal(a, b)
    if r is None and isinstance(a, Seq) and isinstance(b, Seq):
        return _seq_seq(a, b)
    return bool(r)


_SETLIKE = (Interval, RealSet, Inequality)

# Rules take the two shapes named in their key; Any because the dict holds many signatures.
_RULES: dict[tuple[type, type], Callable[[Any, Any], Verdict3]] = {
    (Scalar, Scalar): _scalar_scalar,
    (Bag, Bag): _bag_bag,
    (Seq, Seq): _seq_seq,
    (Seq, Scalar): _seq_scalar,
    (Mapping, Mapping): _mapping_mapping,
    (Mapping, Seq): _mapping_seq,
    (Equation, Equation): _equation_equation,
    (Assignment, Assignment): _assign_assign,
    (Text, Text): _text_text,
    (Choice, Choice): lambda a, b: a.letter == b.letter,
    (Clock, Clock): lambda a, b: a.minutes == b.minutes,
}
for _x in _SETLIKE:
    for _y in (*_SETLIKE, Seq):
        _RULES[(_x, _y)] = _realset
    _RULES[(Seq, _x)] = _realset


def equivalent(gold: object, pred: object) -> Verdict3:
    """True/False under the policy, None if undecidable without symbolic algebra."""
    rule = _RULES.get((type(gold), type(pred)))
    if rule is not None:
        return rule(gold, pred)
    rule = _RULES.get((type(pred), type(gold)))
    if rule is not None:
        return rule(pred, gold)
    if isinstance(gold, Assignment):
        return _assign_other(gold, pred)
    if isinstance(pred, Assignment):
        if isinstance(gold, Equation):
            return _assign_other(pred, gold)
        return equivalent(gold, pred.value)  # keep the reference first (percent rule)
    if isinstance(gold, Bag):
        return _bag_other(gold, pred)
    if isinstance(pred, Bag):
        single = _bag_single(pred)
        if single is not None:
            return equivalent(gold, single)
        return _bag_other(pred, gold)
    return False


def _bag_single(bag: Bag) -> object | None:
    """The one distinct item of a collection like {2} or 2, 2 -- else None."""
    items = _unique(bag.items) if len(bag.items) <= MAX_PAIRWISE else None
    return items[0] if items is not None and len(items) == 1 else None
