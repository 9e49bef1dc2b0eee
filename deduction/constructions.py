"""AlphaGeometry's construction language: parse defs.txt into `ConstructionDef`s.

defs.txt is a sequence of 6-line blocks (the sixth line blank):

    on_bline x a b                      name and arguments
    x : x a b                           per introduced point, the points it depends on
    a b = diff a b                      preconditions on the existing points
    x : cong x a x b, eqangle ...       defining statements, ';'-separated groups, each optionally
                                        led by the points it introduces ("x :")
    bline a b                           the numeric sketch: objects whose intersection is x

Arguments that are neither introduced nor listed before '=' in the precondition line are numbers
(only `s_angle`'s degrees). Statements use the predicates of `deduction.types.CANONICAL` plus
three spellings with numeric values, turned into canonical `Statement`s by `make_statement`:
`s_angle a b x d` (the angle a-b-x is d degrees, i.e. `aconst a b b x d/180`), and
`aconst`/`rconst` whose value is written "p/q", "ppi/q" or as two integers "p q".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path

from deduction.errors import ParseError
from deduction.types import (
    ALIASES,
    CANONICAL,
    ConstructionCall,
    ConstructionDef,
    Statement,
    Template,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFS_FILE = "defs.txt"


def parse_value(words: tuple[str, ...]) -> Fraction:
    """A numeric value written "p/q", "ppi/q", "pi/q", "p" or as the two integers "p q"."""
    if len(words) == 2:
        return Fraction(int(words[0]), int(words[1]))
    if len(words) != 1:
        raise ValueError(f"expected one value, got {' '.join(words)!r}")
    text = words[0]
    if "pi" in text:  # "2pi/3", "pi/3", "-pi/2", "pi": multiples of pi, stored as the multiple
        head, _, tail = text.partition("pi")
        text = (head if head not in ("", "-") else head + "1") + tail
    return Fraction(text)


def _s_angle(args: tuple[str, ...]) -> Statement:
    # AlphaGeometry's sketch turns ray b->a by +d degrees to get ray b->x, so the directed angle
    # from line ab to line bx is d degrees.
    if len(args) != 4:
        raise ValueError(f"s_angle takes 3 points and a degree value, got {args!r}")
    a, b, x, degrees = args
    return Statement("aconst", (a, b, b, x, str((Fraction(degrees) / 180) % 1)))


def _with_value(predicate: str) -> Callable[[tuple[str, ...]], Statement]:
    def build(args: tuple[str, ...]) -> Statement:
        if len(args) not in (5, 6):
            raise ValueError(f"{predicate} takes 4 points and a value, got {args!r}")
        return Statement(predicate, args[:4] + (str(parse_value(args[4:])),))

    return build


# Predicates whose text form carries numbers; every other predicate goes to Statement directly.
SPECIAL_STATEMENTS: dict[str, Callable[[tuple[str, ...]], Statement]] = {
    "s_angle": _s_angle,
    "aconst": _with_value("aconst"),
    "rconst": _with_value("rconst"),
}


def make_statement(predicate: str, args: tuple[str, ...]) -> Statement:
    """The canonical Statement for a predicate as written in defs.txt or a problem goal.

    Raises ValueError for an unknown predicate, a wrong arity or a malformed value.
    """
    special = SPECIAL_STATEMENTS.get(predicate)
    if special is not None:
        try:
            return special(args)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(str(exc)) from exc
    return Statement(predicate, args)


def known_predicate(predicate: str) -> bool:
    return predicate in SPECIAL_STATEMENTS or ALIASES.get(predicate, predicate) in CANONICAL


def instantiate(template: Template, mapping: Mapping[str, str]) -> Statement:
    """The template with every argument name replaced through `mapping` (others kept as is)."""
    return make_statement(template.predicate, tuple(mapping.get(a, a) for a in template.args))


def _templates(text: str) -> list[Template]:
    words = (part.split() for part in text.split(","))
    return [Template(w[0], tuple(w[1:])) for w in words if w]


def _check_templates(templates: list[Template], values: tuple[str, ...], where: str) -> None:
    # Instantiate once with a sample value for the numeric arguments to catch bad arity early.
    sample = {v: "1" for v in values}
    for t in templates:
        try:
            instantiate(t, sample)
        except ValueError as exc:
            raise ParseError(f"{where}: bad statement {str(t)!r}: {exc}") from exc


def _depends(line: str, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for part in line.split(","):
        if not part.strip():
            continue
        if ":" not in part:
            raise ParseError(f"{where}: dependency {part.strip()!r} lacks 'points : deps'")
        points, deps = part.split(":", 1)
        for p in points.split():
            out.append((p, tuple(deps.split())))
    return tuple(out)


def parse_block(lines: list[str], first_line: int = 1) -> ConstructionDef:
    """One 5-line block (name, depends, preconditions, statements, sketch)."""
    if len(lines) != 5 or not lines[0].split():
        raise ParseError(f"defs line {first_line}: expected a 5-line block, got {lines!r}")
    name, *args = lines[0].split()
    where = f"construction {name!r} (defs line {first_line})"
    if len(set(args)) != len(args):
        raise ParseError(f"{where}: repeated argument in {lines[0]!r}")
    depends = _depends(lines[1], where)
    if "=" not in lines[2]:
        raise ParseError(f"{where}: precondition line {lines[2]!r} lacks '='")
    pre_points, pre_text = lines[2].split("=", 1)
    preconditions = _templates(pre_text)

    points: list[str] = []
    statements: list[Template] = []
    for group in lines[3].split(";"):
        if ":" in group:
            introduced, group = group.split(":", 1)
            points += [p for p in introduced.split() if p not in points]
        statements += _templates(group)
    known = set(points) | set(pre_points.split())
    values = tuple(a for a in args if a not in known)
    _check_templates(preconditions + statements, values, where)
    unknown = (set(points) | set(pre_points.split())) - set(args)
    if unknown:
        raise ParseError(f"{where}: points {sorted(unknown)} are not arguments")
    if not points:
        raise ParseError(f"{where}: introduces no point")
    # In argument order: a sketch that returns several points returns them in this order.
    points = [a for a in args if a in points]
    sketch = tuple(
        ConstructionCall(words[0], tuple(words[1:]))
        for words in (part.split() for part in lines[4].split(","))
        if words
    )
    if not sketch:
        raise ParseError(f"{where}: no numeric sketch")
    return ConstructionDef(
        name=name,
        args=tuple(args),
        points=tuple(points),
        values=values,
        depends=depends,
        preconditions=tuple(preconditions),
        statements=tuple(statements),
        sketch=sketch,
    )


def parse_defs(text: str) -> dict[str, ConstructionDef]:
    """Every block of a defs.txt text, by name."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    out: dict[str, ConstructionDef] = {}
    for start in range(0, len(lines), 6):
        block = lines[start : start + 5]
        separator = lines[start + 5] if start + 5 < len(lines) else ""
        if separator.strip():
            raise ParseError(f"defs line {start + 6}: expected a blank line, got {separator!r}")
        cdef = parse_block(block, start + 1)
        if cdef.name in out:
            raise ParseError(f"defs line {start + 1}: construction {cdef.name!r} defined twice")
        out[cdef.name] = cdef
    return out


def load_defs(path: str | Path | None = None) -> dict[str, ConstructionDef]:
    """The bundled defs.txt, or another file in the same format."""
    return parse_defs(Path(path or DATA_DIR / DEFS_FILE).read_text())


# name -> definition. Parsing the ~400-line bundled file takes about a millisecond.
CONSTRUCTIONS: dict[str, ConstructionDef] = load_defs()
