"""The shapes a parsed final answer can take, defined once for the math verifier.

Expressions are small tuples (`Node`) built by `latex_parser`; everything a comparison needs
beyond an expression (collections, intervals, relations) is a frozen dataclass here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# An expression tree: ("num", Fraction, digits|None), ("sym", name), ("const", name),
# ("add", *terms), ("mul", *factors), ("neg", x), ("div", a, b), ("pow", a, b), ("fn", name, x),
# ("app", name, x), ("fact", x), ("binom", n, k), ("abs", x), ("root", x, n), ("mat", rows),
# ("log", x, base), ("base", digits, base).
Node = tuple


@dataclass(frozen=True, slots=True)
class Scalar:
    """One expression, with the decorations the policy lets a reader drop or must respect."""

    node: Node
    percent: bool = False
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Seq:
    """An ordered group: `(a, b)` ("paren", also an open interval), `[a, b]`, `<a, b>`."""

    items: tuple[object, ...]
    brackets: str = "()"


@dataclass(frozen=True, slots=True)
class Bag:
    """An unordered collection: `\\{a, b\\}`, a bare list, several boxed answers, `a \\pm b`."""

    items: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Interval:
    lo: Node
    hi: Node
    lo_closed: bool
    hi_closed: bool


@dataclass(frozen=True, slots=True)
class RealSet:
    """A subset of the real line: a union of intervals and points, minus some points."""

    parts: tuple[Interval | Bag | Inequality, ...]
    minus: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Inequality:
    """A chain `e0 op0 e1 op1 e2 ...` with ops among < <= > >= !=."""

    parts: tuple[Node, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Equation:
    lhs: Node
    rhs: Node


@dataclass(frozen=True, slots=True)
class Assignment:
    """`name = value` where name is a variable, f(x), a ratio or tuple of names."""

    name: str
    value: object


@dataclass(frozen=True, slots=True)
class Mapping:
    pairs: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    letter: str


@dataclass(frozen=True, slots=True)
class Clock:
    minutes: int


@dataclass(frozen=True, slots=True)
class Answer:
    """One side of a comparison: its primary reading and alternative readings (e.g. `1,5`
    read as a list or as a decimal with a comma)."""

    value: object
    alternatives: tuple[object, ...] = field(default=())
    raw: str = ""
