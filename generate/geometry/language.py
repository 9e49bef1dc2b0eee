"""English statements for AlphaGeometry problems: the `statement` field of a geometry record.

    a b c = triangle a b c; d = midpoint d a b; e = on_line e a c, on_circle e d a ? cong d a d e

reads (on one line; wrapped here)

    Let ABC be a triangle. Let D be the midpoint of AB. Let E be a point on line AC and on the
    circle centred at D through A. Prove that AD = DE.

Layout: one sentence per clause, in clause order, then one "Prove that ..." sentence for the goal
(none when the problem has no goal), all on one line separated by single spaces. One line keeps
the field readable in a JSON-lines record and lets a trainer treat it as a single paragraph.

Both tables below are data, keyed by a signature in defs.txt's own argument names, so a
template can be checked against its definition (tests/generate/test_language.py does) and read
side by side with defs.txt:

- `CONSTRUCTION_TEMPLATES` completes "Let ...": a subject, " be ", then a description. A
  construction that leaves its point free on a line or circle (on_line, on_circle, s_angle, ...)
  is written "a point on ..." or "a point such that ...", so that a clause with several
  constructions reads as their intersection: "Let E be a point on line AC and on the circle
  centred at D through A", conditions last ("a point on line BC such that ∠(AX, AB) = ...").
- `GOAL_TEMPLATES` completes "Prove that ...". A formal written `*points` takes the remaining
  arguments as a list ("A, B and C"); the formal `deg` is aconst's multiple of pi, shown in
  degrees.

Notation: points upper-case (a1 -> A1), segments "AB", lines "line AB", and ∠(AB, CD) the
directed angle from line AB to line CD, modulo 180° (AlphaGeometry's eqangle and aconst).
s_angle's degrees are directed too (counterclockwise from BA to BX) and print as written, sign
included. British spelling ("centre"), as in the rest of the project.

Never raises for a parsed problem: a construction or predicate missing from the tables (a
custom defs file) falls back to its AlphaGeometry spelling with upper-case points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

from deduction import Clause, ConstructionCall, Problem, Statement

__all__ = ["CONSTRUCTION_TEMPLATES", "GOAL_TEMPLATES", "describe", "describe_goal"]

# One entry per construction of deduction/data/defs.txt, keyed by its signature there.
CONSTRUCTION_TEMPLATES: dict[str, str] = {
    # -- a point left free on a line or circle: "a point ..." phrases, joinable with "and"
    "free a": "{a} be a point",
    "on_line x a b": "{x} be a point on line {a}{b}",
    "on_opline x a b": "{x} be a point on the extension of {b}{a} beyond {a}",
    "on_pline x a b c": "{x} be a point on the line through {a} parallel to {b}{c}",
    "on_tline x a b c": "{x} be a point on the line through {a} perpendicular to {b}{c}",
    "on_bline x a b": "{x} be a point on the perpendicular bisector of {a}{b}",
    "on_circle x o a": "{x} be a point on the circle centred at {o} through {a}",
    "on_circum x a b c": "{x} be a point on the circle through {a}, {b} and {c}",
    "on_dia x a b": "{x} be a point on the circle with diameter {a}{b}",
    "eqdistance x a b c": "{x} be a point on the circle centred at {a} with radius {b}{c}",
    "lc_tangent x a o": "{x} be a point on the tangent at {a} to the circle centred at {o} "
    "through {a}",
    "angle_bisector x a b c": "{x} be a point on the bisector of angle {a}{b}{c}",
    "angle_mirror x a b c": "{x} be a point on the reflection of line {b}{a} in line {b}{c}",
    "s_angle a b x y": "{x} be a point such that ∠{a}{b}{x} = {y}°",
    "on_aline x a b c d e": "{x} be a point such that ∠({a}{x}, {a}{b}) = ∠({d}{c}, {d}{e})",
    "on_aline2 x a b c d e": "{x} be a point such that ∠({x}{a}, {x}{b}) = ∠({d}{c}, {d}{e})",
    "eqangle3 x a b d e f": "{x} be a point such that ∠({x}{a}, {x}{b}) = ∠({d}{e}, {d}{f})",
    "eqangle2 x a b c": "{x} be a point such that ∠({a}{b}, {a}{x}) = ∠({c}{x}, {c}{b})",
    # -- a point fixed by earlier ones
    "midpoint x a b": "{x} be the midpoint of {a}{b}",
    "mirror x a b": "{x} be the point such that {b} is the midpoint of {a}{x}",
    "reflect x a b c": "{x} be the reflection of {a} in line {b}{c}",
    "foot x a b c": "{x} be the foot of the perpendicular from {a} to line {b}{c}",
    "circle x a b c": "{x} be the centre of the circle through {a}, {b} and {c}",
    "circumcenter x a b c": "{x} be the circumcentre of triangle {a}{b}{c}",
    "orthocenter x a b c": "{x} be the orthocentre of triangle {a}{b}{c}",
    "incenter x a b c": "{x} be the incentre of triangle {a}{b}{c}",
    "excenter x a b c": "{x} be the excentre of triangle {a}{b}{c} opposite {a}",
    "intersection_ll x a b c d": "{x} be the intersection of lines {a}{b} and {c}{d}",
    "intersection_lp x a b c m n": "{x} be the intersection of line {a}{b} and the line "
    "through {c} parallel to {m}{n}",
    "intersection_lt x a b c d e": "{x} be the intersection of line {a}{b} and the line "
    "through {c} perpendicular to {d}{e}",
    "intersection_pp x a b c d e f": "{x} be the intersection of the line through {a} "
    "parallel to {b}{c} and the line through {d} parallel to {e}{f}",
    "intersection_tt x a b c d e f": "{x} be the intersection of the line through {a} "
    "perpendicular to {b}{c} and the line through {d} perpendicular to {e}{f}",
    "intersection_lc x a o b": "{x} be the intersection other than {b} of line {a}{b} and "
    "the circle centred at {o} through {b}",
    "intersection_cc x o w a": "{x} be the intersection other than {a} of the circle centred "
    "at {o} through {a} and the circle centred at {w} through {a}",
    "parallelogram a b c x": "{x} be the point such that {a}{b}{c}{x} is a parallelogram",
    # shift's sketch puts x at b + (c - d): BDCX has diagonals BC and DX.
    "shift x b c d": "{x} be the point such that {b}{d}{c}{x} is a parallelogram",
    "psquare x a b": "{x} be the image of {b} under the counterclockwise rotation by 90° about {a}",
    "nsquare x a b": "{x} be the image of {b} under the clockwise rotation by 90° about {a}",
    "eq_triangle x b c": "{x} be a point such that triangle {x}{b}{c} is equilateral",
    # -- a new figure
    "segment a b": "{a}{b} be a segment",
    "triangle a b c": "{a}{b}{c} be a triangle",
    "iso_triangle a b c": "{a}{b}{c} be an isosceles triangle with {a}{b} = {a}{c}",
    "r_triangle a b c": "{a}{b}{c} be a right triangle with the right angle at {a}",
    "risos a b c": "{a}{b}{c} be a right isosceles triangle with the right angle at {a}",
    "ieq_triangle a b c": "{a}{b}{c} be an equilateral triangle",
    "triangle12 a b c": "{a}{b}{c} be a triangle with {a}{c} twice as long as {a}{b}",
    "quadrangle a b c d": "{a}{b}{c}{d} be a quadrilateral",
    "eq_quadrangle a b c d": "{a}{b}{c}{d} be a quadrilateral with {a}{d} = {b}{c}",
    "eqdia_quadrangle a b c d": "{a}{b}{c}{d} be a quadrilateral with diagonals {a}{c} and "
    "{b}{d} of equal length",
    "trapezoid a b c d": "{a}{b}{c}{d} be a trapezoid with {a}{b} parallel to {c}{d}",
    "r_trapezoid a b c d": "{a}{b}{c}{d} be a right trapezoid with {a}{b} parallel to {c}{d} "
    "and {a}{d} perpendicular to {a}{b}",
    "eq_trapezoid a b c d": "{a}{b}{c}{d} be an isosceles trapezoid with {a}{b} parallel to "
    "{c}{d} and {a}{d} = {b}{c}",
    "rectangle a b c d": "{a}{b}{c}{d} be a rectangle",
    "isquare a b c d": "{a}{b}{c}{d} be a square",
    "pentagon a b c d e": "{a}{b}{c}{d}{e} be a pentagon",
    # -- several points at once
    "square a b x y": "{x} and {y} be the points such that {a}{b}{x}{y} is a square",
    "trisegment x y a b": "{x} and {y} be the points that divide {a}{b} into three equal "
    "parts, with {x} nearer {a}",
    "trisect x y a b c": "{x} and {y} be the points on {a}{c} such that {b}{x} and {b}{y} "
    "trisect angle {a}{b}{c}, with {x} nearer {a}",
    "tangent x y a o b": "{x} and {y} be the points where the tangents from {a} touch the "
    "circle centred at {o} through {b}",
    "centroid x y z i a b c": "{x}, {y} and {z} be the midpoints of {b}{c}, {c}{a} and "
    "{a}{b}, and {i} the centroid of triangle {a}{b}{c}",
    "ninepoints x y z i a b c": "{x}, {y} and {z} be the midpoints of {b}{c}, {c}{a} and "
    "{a}{b}, and {i} the centre of the circle through {x}, {y} and {z}",
    "incenter2 x y z i a b c": "{i} be the incentre of triangle {a}{b}{c}, and {x}, {y} and "
    "{z} the points where its incircle touches {b}{c}, {c}{a} and {a}{b}",
    "excenter2 x y z i a b c": "{i} be the excentre of triangle {a}{b}{c} opposite {a}, and "
    "{x}, {y} and {z} the points where its excircle touches lines {b}{c}, {c}{a} and {a}{b}",
    # The sketches place the external tangents; the defining statements allow either kind.
    "cc_tangent0 x y o a w b": "{x} and {y} be points such that {x}{y} is a common external "
    "tangent of the circle centred at {o} through {a} and the circle centred at {w} through "
    "{b}, touching the first at {x} and the second at {y}",
    "cc_tangent x y z i o a w b": "{x}, {y}, {z} and {i} be points such that {x}{y} and "
    "{z}{i} are the common external tangents of the circle centred at {o} through {a} and the "
    "circle centred at {w} through {b}, touching the first at {x} and {z} and the second at "
    "{y} and {i}",
    "2l1c x y z i a b c o": "{x}, {y}, {z} and {i} be points such that the circle centred at "
    "{i} touches line {a}{c} at {x}, line {b}{c} at {y} and the circle centred at {o} through "
    "{a} at {z}",
    "e5128 x y a b c d": "{x} and {y} be points such that {x} is on the circle centred at {c} "
    "through {b}, {y} is on line {a}{b}, {x}, {y} and {d} are collinear, and "
    "∠({a}{b}, {a}{d}) = ∠({x}{a}, {x}{y})",
    "3peq x y z a b c": "{x}, {y} and {z} be points on lines {a}{b}, {a}{c} and {b}{c} such "
    "that {z} is the midpoint of {x}{y}",
}

# One entry per predicate of deduction.types.CANONICAL, side conditions included so that any
# goal renders; keyed by signature, like the construction table.
GOAL_TEMPLATES: dict[str, str] = {
    "coll *points": "{points} are collinear",
    "cyclic *points": "{points} are concyclic",
    "para a b c d": "{a}{b} is parallel to {c}{d}",
    "perp a b c d": "{a}{b} is perpendicular to {c}{d}",
    "cong a b c d": "{a}{b} = {c}{d}",
    "midp m a b": "{m} is the midpoint of {a}{b}",
    "circle o a b c": "{o} is the centre of the circle through {a}, {b} and {c}",
    "eqangle a b c d e f g h": "∠({a}{b}, {c}{d}) = ∠({e}{f}, {g}{h})",
    "eqratio a b c d e f g h": "{a}{b}/{c}{d} = {e}{f}/{g}{h}",
    "eqratio3 a b c d m n": "{m}{a}/{m}{c} = {n}{b}/{n}{d}",
    "simtri a b c p q r": "triangles {a}{b}{c} and {p}{q}{r} are similar with the same orientation",
    "simtri2 a b c p q r": "triangles {a}{b}{c} and {p}{q}{r} are similar with opposite "
    "orientations",
    "contri a b c p q r": "triangles {a}{b}{c} and {p}{q}{r} are congruent with the same "
    "orientation",
    "contri2 a b c p q r": "triangles {a}{b}{c} and {p}{q}{r} are congruent with opposite "
    "orientations",
    "aconst a b c d deg": "∠({a}{b}, {c}{d}) = {deg}",
    "rconst a b c d ratio": "{a}{b}/{c}{d} = {ratio}",
    "ncoll *points": "{points} are not collinear",
    "npara a b c d": "{a}{b} is not parallel to {c}{d}",
    "nperp a b c d": "{a}{b} is not perpendicular to {c}{d}",
    "diff a b": "{a} and {b} are distinct",
    "sameside a b c x y z": "{a} lies between {b} and {c} exactly when {x} lies between {y} "
    "and {z}",
}

Signature = tuple[str, ...]


def _index(table: Mapping[str, str]) -> dict[str, tuple[Signature, str]]:
    """name -> (formal argument names, template), from the signature keys."""
    out: dict[str, tuple[Signature, str]] = {}
    for signature, text in table.items():
        name, *formals = signature.split()
        out[name] = (tuple(formals), text)
    return out


_CONSTRUCTIONS = _index(CONSTRUCTION_TEMPLATES)
_GOALS = _index(GOAL_TEMPLATES)


def _is_number(token: str) -> bool:
    # The parser rejects number-like point names, so a number here is always a value.
    try:
        Fraction(token)
    except (ValueError, ZeroDivisionError):
        return False
    return True


def _show(token: str) -> str:
    return token if _is_number(token) else token.upper()


def _listed(items: Iterable[str]) -> str:
    """Names as an English list: A; A and B; A, B and C."""
    words = list(items)
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _degrees(value: str) -> str:
    """aconst's multiple of pi in degrees: "1/3" -> "60°", "1/8" -> "22.5°", "1/7" -> "(180/7)°"."""
    try:
        deg = Fraction(value) * 180
    except (ValueError, ZeroDivisionError):
        return f"{value}π"
    if deg.denominator == 1:
        return f"{deg.numerator}°"
    if (deg * 10**6).denominator == 1:  # a short decimal: 22.5 rather than 45/2
        return f"{float(deg):.6f}".rstrip("0") + "°"
    return f"({deg})°"


# Formals shown by a function of the raw argument rather than as a point or a number.
_VALUE_FORMATS: dict[str, Callable[[str], str]] = {"deg": _degrees}


def _fill(formals: Signature, args: Signature, template: str) -> str | None:
    """The template with each formal replaced by its argument; None when the arity differs."""
    fixed = formals[:-1] if formals and formals[-1].startswith("*") else formals
    if len(args) < len(fixed) or (fixed == formals and len(args) != len(formals)):
        return None
    mapping = {
        f: _VALUE_FORMATS.get(f, _show)(a) for f, a in zip(fixed, args[: len(fixed)], strict=True)
    }
    if fixed != formals:
        mapping[formals[-1][1:]] = _listed(_show(a) for a in args[len(fixed) :])
    return template.format_map(mapping)


def _body(call: ConstructionCall, clause: Clause) -> str:
    """What follows "Let " for one construction, e.g. `X be the midpoint of AB`."""
    entry = _CONSTRUCTIONS.get(call.name)
    text = None if entry is None else _fill(entry[0], call.args, entry[1])
    if text is None:  # not in the table (a custom defs file): AlphaGeometry's own spelling
        points = _listed(p.upper() for p in clause.points)
        args = ", ".join(_show(a) for a in call.args)
        text = f"{points} be given by {call.name}({args})"
    return text


_POINT = "a point"
_SUCH_THAT = "such that "


def _join(descriptions: list[str]) -> str:
    """Descriptions of one subject as their intersection.

    When every part is "a point ...", the loci share one "a point": places first, then
    conditions under one "such that" ("a point on line BC such that ∠ABX = 30°"); otherwise
    the parts are joined with "and".
    """
    if not all(d == _POINT or d.startswith(_POINT + " ") for d in descriptions):
        return " and ".join(descriptions)
    tails = [d[len(_POINT) :].strip() for d in descriptions]
    places = [t for t in tails if t and not t.startswith(_SUCH_THAT)]
    conditions = [t[len(_SUCH_THAT) :] for t in tails if t.startswith(_SUCH_THAT)]
    text = _POINT
    if places:
        text += " " + " and ".join(places)
    if conditions:
        text += " " + _SUCH_THAT + " and ".join(conditions)
    return text


def _clause_sentence(clause: Clause) -> str:
    bodies = [_body(call, clause) for call in clause.constructions]
    if not bodies:  # not produced by the parser, but a Problem can be built by hand
        return f"Let {_listed(p.upper() for p in clause.points)} be points."
    parts = [body.partition(" be ") for body in bodies]
    subjects = {subject for subject, _, _ in parts}
    if len(subjects) == 1:
        return f"Let {parts[0][0]} be {_join([rest for _, _, rest in parts])}."
    # Constructions introducing different points of one clause: one "let" each.
    return "Let " + ", and let ".join(bodies) + "."


def describe_goal(goal: Statement) -> str:
    """The goal as one sentence: `Prove that AD = DE.` for `cong d a d e`.

    The arguments are read in `Statement`'s canonical order, so the wording follows that order
    rather than the problem text's (`cong d a d e` is stored as `cong a d d e`).
    """
    entry = _GOALS.get(goal.predicate)
    text = None if entry is None else _fill(entry[0], goal.args, entry[1])
    if text is None:
        text = " ".join([goal.predicate, *(_show(a) for a in goal.args)])
    return f"Prove that {text}."


def describe(problem: Problem) -> str:
    """The problem as English sentences on one line: a "Let ..." per clause, then the goal."""
    sentences = [_clause_sentence(clause) for clause in problem.clauses]
    if problem.goal is not None:
        sentences.append(describe_goal(problem.goal))
    return " ".join(sentences)
