"""Read a final answer's structure: lists, sets, tuples, intervals, relations, expressions.

The reading follows the label policy: a bare comma list or `\\{...\\}` is unordered (Bag),
parentheses make an ordered pair or an open interval (Seq "()"), mixed brackets or infinity
make an interval, `x = 5` is an assignment, `2x+4y=6` an equation, `x \\ge 1` an inequality,
and `a \\pm b` two values. Expressions inside go to `latex_parser`; whatever does not parse
is kept as Text and compared as text.
"""

from __future__ import annotations

import re
from fractions import Fraction

from verifiers.math.latex_parser import ParseError, parse_expression
from verifiers.math.normalize import clean, normalize_number_text, strip_decorations
from verifiers.math.types import (
    Answer,
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

OPEN, CLOSE = "([{⟨⦃", ")]}⟩⦄"
_GROUP_SEP = re.compile(r";|\\text\{\s*(?:and|or)\s*\}|(?<![A-Za-z\\])(?:and|or)(?![A-Za-z])|和|或")
_LIST_SEP = re.compile(r",")
_MONEY = re.compile(r"(\\\$|\$)?\s*(-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?)([^,]*)")
_RELATION = re.compile(r"≤|≥|≠|<|>|=|\\approx|\\in(?![a-zA-Z])|∈|\\sim")
_INEQ = {"<": "<", ">": ">", "≤": "<=", "≥": ">=", "≠": "!="}
_CLOCK = re.compile(
    r"^(\d{1,2}):(\d{2})(?::\d{2})?\s*(?:\\text\{\s*)?(?:([AaPp])\.?\s*[Mm]\.?)?\s*\}?$"
)
_CHOICE = re.compile(r"^\(?([A-J])\)?(?:\s+[A-Z][A-Za-z]*(?:\s+\S+)*)?$")
_DECIMAL_COMMA = re.compile(r"^-?(?:\d+,(?:\d{1,2}|\d{4,})|0,\d+)$")
_WORDS = re.compile(r"^[A-Za-z][A-Za-z\s'\-]*$")
_TEXT = re.compile(r"\\text\{([^{}]*)\}")

_COLON = re.compile(":")
_ITEM_SEP = re.compile(r"[,;]")
_CUP = re.compile(r"\\cup")

_MIXED = re.compile(r"(-?\d+)\s+(\d+)/(\d+)")
_INF = ("const", "inf")
MAX_ITEMS = 300  # more list items than any answer has; each item costs a parse
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{\w+\}(?:\{[a-z|]*\})?")
_PROSE_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_MATH_WORDS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "sqrt", "max", "min"}
_NAMED = re.compile(
    r"[A-Za-z](?:_\{?\w+\}?)?(?:\^\{?-1\}?)?'*\(\s*[a-z](?:\s*,\s*[a-z])*\s*\)|[A-Z]{2,3}"
    r"|\|[A-Z]{2,3}\||\\frac\{[A-Z]{1,3}\}\{[A-Z]{1,3}\}|(?:m\s*)?\\angle\s*[A-Z]{1,3}"
    r"|\\overline\{[A-Z]{2,3}\}"
)
_SET_BUILDER = re.compile(r"⦃\s*[a-zA-Z]\s*(?:\\mid|\||:)\s*(.+)⦄")


def split_top(s: str, pattern: re.Pattern[str]) -> list[str]:
    """Split `s` on `pattern` where it occurs outside all brackets (intervals may mismatch)."""
    if pattern.search(s) is None:
        return [s]
    depth = [0] * (len(s) + 1)
    d = 0
    for i, ch in enumerate(s):
        depth[i] = d
        if ch in OPEN:
            d += 1
        elif ch in CLOSE:
            d = max(d - 1, 0)
    parts, last = [], 0
    for m in pattern.finditer(s):
        if depth[m.start()] == 0 and m.start() >= last:
            parts.append(s[last : m.start()])
            last = m.end()
    parts.append(s[last:])
    if len(parts) > MAX_ITEMS:
        raise ParseError(f"{len(parts)} parts is not an answer")
    return parts


def _wrapped(s: str) -> tuple[str, str, str] | None:
    """(open, inner, close) if one bracket pair wraps all of `s` (brackets may mismatch)."""
    if len(s) < 2 or s[0] not in OPEN or s[-1] not in CLOSE:
        return None
    d = 0
    for i, ch in enumerate(s):
        if ch in OPEN:
            d += 1
        elif ch in CLOSE:
            d -= 1
            if d == 0 and i != len(s) - 1:
                return None
    return s[0], s[1:-1], s[-1]


def parse_answer(raw: str) -> Answer:
    """The structured reading of one extracted answer (never raises)."""
    s = clean(raw)
    s = s.replace("\\{", "⦃").replace("\\}", "⦄")
    try:
        value = _parse_top(s)
    except (ParseError, ValueError, ZeroDivisionError, RecursionError):
        value = Text(s)
    alternatives: list[object] = []
    clock = _clock(s)
    if clock is not None and clock != value:
        alternatives.append(clock)
    if _DECIMAL_COMMA.match(s):
        alternatives.append(_leaf(s.replace(",", ".")))
    return Answer(value=value, alternatives=tuple(alternatives), raw=s)


def _clock(s: str) -> Clock | None:
    m = _CLOCK.match(s)
    if m is None or int(m.group(2)) >= 60:
        return None
    hours = int(m.group(1)) % 12 if m.group(3) else int(m.group(1))
    if m.group(3) and m.group(3).lower() == "p":
        hours += 12
    return Clock(hours * 60 + int(m.group(2)))


def _parse_top(s: str) -> object:
    if not s:
        return Text("")
    clock = _clock(s)
    if clock is not None and _CLOCK.match(s).group(3):  # type: ignore[union-attr]
        return clock  # 8:34 P.M. is a time; plain 11:21 is a ratio first
    plain = _TEXT.sub(r"\1", s).strip()
    m = _CHOICE.match(plain)
    if m:
        return Choice(m.group(1))
    if s in ("⦃⦄", "{}"):
        return Bag(())
    m = _MONEY.fullmatch(s)
    if m:  # 1,000.99 or \$16,386.20: thousands separators, not a list
        return _leaf(s.replace(",", ""))
    groups = [g for g in split_top(s, _GROUP_SEP) if g.strip(" ,")]
    if len(groups) > 1:
        return _combine([_parse_list(g.strip(" ,")) for g in groups])
    return _parse_list(s)


def _parse_list(s: str) -> object:
    items = [p.strip() for p in split_top(s, _LIST_SEP)]
    items = [p for p in items if p]
    if not items:
        raise ParseError("only separators")
    if len(items) == 1:
        return _item(items[0])
    return _combine([_item(p) for p in items])


def _combine(values: list[object]) -> object:
    """Several answers side by side: an assignment list, a mapping, or a collection."""
    first = values[0]
    if isinstance(first, Assignment) and not any(isinstance(v, Assignment) for v in values[1:]):
        return Assignment(first.name, _bag([first.value, *values[1:]]))  # n = 2, 3, 4
    assignments = [v for v in values if isinstance(v, Assignment)]
    if len(assignments) == len(values):
        names = [v.name for v in assignments]
        bases = {n.split("_")[0] for n in names}
        indexed = len(bases) == 1 and all("_" in n for n in names)
        if len(set(names)) == len(names) and not indexed:
            return Mapping(tuple(assignments))
        return _bag([v.value for v in assignments])  # x = 1, x = 2 or x_1 = .., x_2 = ..
    return _bag(values)


def _bag(values: list[object]) -> Bag | RealSet:
    flat: list[object] = []
    for v in values:
        flat.extend(v.items if isinstance(v, Bag) else [v])
    if len(flat) > 1 and all(isinstance(v, Inequality | Interval | RealSet) for v in flat):
        # x < -1 or x > 1 is one set, the union of its pieces
        parts: list[Interval | Bag | Inequality] = []
        for v in flat:
            if isinstance(v, RealSet):
                parts.extend(v.parts)
            elif isinstance(v, Inequality | Interval):
                parts.append(v)
        return RealSet(tuple(parts))
    return Bag(tuple(flat))


def _item(s: str) -> object:
    if "\\cup" in s or "\\setminus" in s or "\\mathbb" in s:
        return _real_set(s)
    parts = split_top(s, _RELATION)
    if len(parts) > 1:
        ops = _top_ops(s)
        return _relation([p.strip() for p in parts], ops)
    if ":" in s and not s.startswith("\\"):
        ratio = split_top(s, _COLON)
        if len(ratio) > 1:
            return Seq(tuple(_item(p.strip()) for p in ratio), ":")
    m = _SET_BUILDER.fullmatch(s)
    if m:  # {x | x > 2} is the set its condition describes
        return _item(m.group(1).strip())
    w = _wrapped(s)
    if w is not None:
        return _bracketed(*w)
    return _leaf(s)


def _top_ops(s: str) -> list[str]:
    pieces = split_top(s, _RELATION)
    ops, pos = [], 0
    for piece in pieces[:-1]:
        pos += len(piece)
        m = _RELATION.match(s, pos)
        if m is None:
            raise ParseError("relation operator not found")
        ops.append(m.group(0))
        pos = m.end()
    return ops


def _bracketed(left: str, inner: str, right: str) -> object:
    if left == "⦃" or (left == "{" and right == "}"):
        if not inner.strip():
            return Bag(())
        return _bag([_parse_list(inner)])
    items = [p.strip() for p in split_top(inner, _ITEM_SEP)]
    if len(items) == 1:
        if left == "(" and right == ")" or left == "[" and right == "]":
            return _item(inner)
        raise ParseError("single item in interval brackets")
    values = tuple(_item(p) for p in items)
    has_inf = any(isinstance(v, Scalar) and _is_inf(v.node) for v in values)
    if len(values) == 2 and (left + right in ("[)", "(]") or has_inf or left + right == "[]"):
        lo, hi = (_scalar_node(v) for v in values)
        return Interval(lo, hi, left == "[", right == "]")
    return Seq(values, "()" if left in "(⟨" else "[]")


def _is_inf(node: tuple) -> bool:
    return node == _INF or (node[0] == "neg" and node[1] == _INF)


def _scalar_node(v: object) -> tuple:
    if not isinstance(v, Scalar):
        raise ParseError("interval endpoint is not a number")
    return v.node


def _real_set(s: str) -> RealSet:
    minus: tuple = ()
    if "\\setminus" in s:
        base, _, rest = s.partition("\\setminus")
        removed = _item(rest.strip())
        if not isinstance(removed, Bag):
            raise ParseError("set difference with a non-finite set")
        minus = tuple(_scalar_node(v) for v in removed.items)
        s = base.strip()
    parts: list[Interval | Bag] = []
    for p in split_top(s, _CUP):
        p = p.strip()
        if re.fullmatch(r"\\mathbb\{?R\}?", p):
            parts.append(Interval(("neg", _INF), _INF, False, False))
            continue
        v = _item(p)
        if isinstance(v, Seq) and len(v.items) == 2 and v.brackets == "()":
            v = Interval(_scalar_node(v.items[0]), _scalar_node(v.items[1]), False, False)
        if isinstance(v, Scalar):
            v = Bag((v,))
        if not isinstance(v, Interval | Bag):
            raise ParseError("union of non-sets")
        parts.append(v)
    return RealSet(tuple(parts), minus)


def _name(s: str) -> str | None:
    """The variable name if `s` is an assignment target: x, a_3, f(x), A:B, (p,q)."""
    s = s.strip()
    w = _wrapped(s)
    if w is not None and w[0] == "(":
        names = [_name(p) for p in split_top(w[1], _LIST_SEP)]
        return "(" + ",".join(names) + ")" if all(names) else None  # type: ignore[arg-type]
    if ":" in s:
        names = [_name(p) for p in s.split(":")]
        return ":".join(names) if all(names) else None  # type: ignore[arg-type]
    if _NAMED.fullmatch(s):  # P(x), f^{-1}(x), AB, |AB|, \frac{NO}{BO}, \angle ABC
        return re.sub(r"\s+", "", s)
    try:
        node = parse_expression(s)
    except ParseError:
        return None
    if node[0] == "sym" or node[0] == "app":
        return re.sub(r"\s+", "", s).replace("{", "").replace("}", "")
    return None


def _relation(parts: list[str], ops: list[str]) -> object:
    if any(op in ("\\in", "∈") for op in ops):
        return _item(parts[-1])  # x \in S is S
    if all(op in ("=", "\\approx", "\\sim") for op in ops):
        name = _name(parts[0])
        if ops[0] in ("\\approx", "\\sim") and name is None:
            return _item(parts[0])  # sqrt(3)/3 \approx 0.577: the exact form is the answer
        # x = 5+5+1 = 1/3 \approx 0.33: the value is the last exact part of the chain
        last = ops.index("\\approx") if "\\approx" in ops else len(ops)
        if name is not None:
            return Assignment(name, _item(parts[max(last, 1)]))
        if last < len(ops):
            return _item(parts[last])
        if len(parts) == 2:
            rname = _name(parts[1])
            lhs = _expr(parts[0])
            if rname is not None and not _has_symbols(lhs):
                return Assignment(rname, _item(parts[0]))
            rhs = _expr(parts[1])
            if not _has_symbols(lhs) and not _has_symbols(rhs):
                return _item(parts[1])  # 1 + 1 = 2: a computation ending in its value
            return Equation(lhs, rhs)
        return _item(parts[-1])
    if any(op in ("=", "\\approx", "\\sim", "\\in") for op in ops):
        raise ParseError("mixed relation chain")
    return Inequality(tuple(_expr(p) for p in parts), tuple(_INEQ[op] for op in ops))


def _has_symbols(node: tuple) -> bool:
    if node[0] in ("sym", "app"):
        return True
    return any(isinstance(c, tuple) and _has_symbols(c) for c in node[1:])


def _expr(s: str) -> tuple:
    core, _, _ = strip_decorations(s)
    return parse_expression(normalize_number_text(core))


def _leaf(s: str) -> object:
    core, percent, unit = strip_decorations(s)
    if not core:
        raise ParseError("empty value")
    if "\\pm" in core or "\\mp" in core:
        plus = core.replace("\\pm", "+").replace("\\mp", "-")
        minus = core.replace("\\pm", "-").replace("\\mp", "+")
        return Bag((_leaf_value(plus, percent, unit), _leaf_value(minus, percent, unit)))
    return _leaf_value(core, percent, unit)


def _leaf_value(core: str, percent: bool, unit: str | None) -> object:
    core = normalize_number_text(core)
    text = _TEXT.sub(r"\1", core).strip()
    if _WORDS.match(text) and (core.startswith("\\text") or max(map(len, text.split())) >= 3):
        return Text(text)
    words = _PROSE_WORD.findall(_ENVIRONMENT.sub(" ", core))
    if any(w.lower() not in _MATH_WORDS for w in words):
        raise ParseError("prose is not an expression")  # "not 0" is not n*o*t*0
    m = _MIXED.fullmatch(core) if len(core) < 100 else None
    if m:  # 1 1/2 is a mixed number
        whole, num, den = int(m.group(1)), int(m.group(2)), int(m.group(3))
        value = abs(whole) + Fraction(num, den)
        return Scalar(("num", -value if whole < 0 else value, None), percent, unit)
    try:
        return Scalar(parse_expression(core), percent, unit)
    except ParseError:
        if _WORDS.match(text) and len(text) > 1:
            return Text(text)
        raise
