"""Deduction rules as data: AlphaGeometry's 43 (`rules.txt`) and our additions.

Each line of a rules file reads `premise, premise, ... => conclusion`; a premise or conclusion
is a predicate followed by variable names. The rules of rules.txt are numbered r00..r42 in file
order, which is the numbering AlphaGeometry's papers and logs use; those of
`rules_proofloom.txt` p00, p01, ... (a prefix of their own, so an r-number always means
AlphaGeometry's rule). Two sets are bundled (`RULE_SETS`):

- "ag1": AlphaGeometry's 43 alone, for proofs that cite only rules AlphaGeometry has;
- "proofloom" (the default): the 43 and ours, rules Newclid and AlphaGeometry2 added that
  the 43 reach only through an auxiliary point or not at all.

Two spellings carry meaning beyond the predicate:

- `eqangle6` / `eqratio6` in a premise: AlphaGeometry matches these against any of the equivalent
  forms of the fact. Our `Statement` canonicalises both to the plain predicate, and the matcher
  works on the fact's meaning (equal directed angles / equal ratios), so they behave the same.
- `simtri*` / `contri*` in a conclusion: the triangles are similar (congruent) with either
  orientation; the engine picks `simtri`/`simtri2` (`contri`/`contri2`) from the coordinates.

`side_conditions` are premises checked on the coordinates only (AlphaGeometry's `ncoll`, `npara`,
`sameside`, `diff`): they are non-degeneracy assumptions, not facts to prove.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from deduction.errors import ParseError
from deduction.types import ALIASES, CANONICAL

# Premise predicates that are checked numerically instead of being proved.
NUMERIC_ONLY = frozenset({"ncoll", "npara", "nperp", "sameside", "diff"})
# Conclusion spellings whose orientation is decided on the coordinates.
STARRED = {"simtri*": ("simtri", "simtri2"), "contri*": ("contri", "contri2")}


# The bundled sets: files of deduction/data with the prefix their rules are numbered by.
RULE_SETS: dict[str, tuple[tuple[str, str], ...]] = {
    "ag1": (("rules.txt", "r"),),
    "proofloom": (("rules.txt", "r"), ("rules_proofloom.txt", "p")),
}
# Strength over AlphaGeometry compatibility: the extra rules close gaps AlphaGeometry2's DDAR
# closes (it proves their conclusions without auxiliary points); "ag1" remains one flag away.
DEFAULT_RULE_SET = "proofloom"


# What each rule of the bundled rules.txt says, for proofs a person reads: rules.txt itself has
# only the formulas, and AlphaGeometry's logs cite rules by number. Keyed by the r-number, so the
# names describe the bundled file only (tests/deduction/test_rules.py checks each name against
# its rule's conclusion, which catches a reordered or edited file).
RULE_NAMES = {
    "r00": "perpendiculars to one line are parallel",
    "r01": "points equidistant from a centre are concyclic",
    "r02": "equal angles with a transversal give parallels",
    "r03": "inscribed angles on one chord are equal",
    "r04": "equal angles on one segment give concyclic points",
    "r05": "equal inscribed angles subtend congruent chords",
    "r06": "the midline is parallel to the base",
    "r07": "Thales: parallels cut proportional segments",
    "r08": "two perpendicular pairs make equal angles",
    "r09": "equal angles are transitive",
    "r10": "equal ratios are transitive",
    "r11": "bisector theorem, converse: ratios give equal angles",
    "r12": "bisector theorem: equal angles give proportional sides",
    "r13": "isosceles triangle: equal base angles",
    "r14": "equal base angles: isosceles triangle",
    "r15": "tangent-chord angle equals the inscribed angle",
    "r16": "tangent-chord angle: tangent perpendicular to the radius",
    "r17": "inscribed angle is half the central angle",
    "r18": "half the central angle: the chord's midpoint",
    "r19": "right triangle: the hypotenuse midpoint is equidistant",
    "r20": "angle in a semicircle is right",
    "r21": "cyclic trapezoid: equal base angles",
    "r22": "a point on the perpendicular bisector is equidistant",
    "r23": "two equidistant points give the perpendicular bisector",
    "r24": "cyclic kite: a right angle between unequal sides",
    "r25": "diagonals bisecting each other: parallelogram",
    "r26": "parallelogram: diagonals bisect each other",
    "r27": "Thales converse: proportional segments give parallels",
    "r28": "two parallels through one point: collinear",
    "r29": "midpoints halve segments in equal ratios",
    "r30": "equal angles to perpendicular lines give perpendiculars",
    "r31": "equal ratios over equal segments give congruent segments",
    "r32": "SSS congruence",
    "r33": "SAS congruence",
    "r34": "AA similarity",
    "r35": "AA similarity, mirrored",
    "r36": "AAS congruence",
    "r37": "AAS congruence, mirrored",
    "r38": "SSS similarity",
    "r39": "SAS similarity",
    "r40": "SSS similarity with an equal side: congruence",
    "r41": "trapezoid: proportional points give a parallel",
    "r42": "trapezoid: a parallel cuts the legs proportionally",
    # rules_proofloom.txt
    "p00": "the perpendicular from a centre bisects the chord: midpoint",
    "p01": "angle bisector and perpendicular bisector meet on the circle: concyclic",
    "p02": "right triangle: the hypotenuse point equidistant from two vertices is the midpoint",
    "p03": "orthocenter: the third altitude is perpendicular",
    "p04": "a chord seen at half the central angle: the point is equidistant from the centre",
}


def rule_label(rule: str) -> str:
    """A step's rule as a proof shows it: `r13 (isosceles triangle: equal base angles)` for a
    rule of rules.txt, the label itself for the others (`AR:angle`, `circle`, `def:midp`)."""
    name = RULE_NAMES.get(rule)
    return f"{rule} ({name})" if name else rule


@dataclass(frozen=True, slots=True)
class Pattern:
    """A predicate over rule variables, e.g. `Pattern("para", ("A", "B", "C", "D"))`."""

    predicate: str
    args: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join((self.predicate,) + self.args)


@dataclass(frozen=True, slots=True)
class Rule:
    """One deduction rule: facts to match, side conditions to check, one conclusion."""

    name: str
    premises: tuple[Pattern, ...]
    side_conditions: tuple[Pattern, ...]
    conclusion: Pattern
    text: str

    @property
    def variables(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for pattern in self.premises + self.side_conditions + (self.conclusion,):
            seen.update(dict.fromkeys(pattern.args))
        return tuple(seen)

    def __str__(self) -> str:
        return f"{self.name}: {self.text}"


def _pattern(text: str, where: str) -> Pattern:
    words = text.split()
    if not words:
        raise ParseError(f"{where}: empty predicate")
    name, args = words[0], tuple(words[1:])
    base = STARRED.get(name, (ALIASES.get(name, name),))[0]
    spec = CANONICAL.get(base)
    if spec is None:
        raise ParseError(f"{where}: unknown predicate {name!r}")
    arity = spec[0]
    if (arity is None and len(args) < 2) or (arity is not None and len(args) != arity):
        raise ParseError(f"{where}: {name!r} takes {arity or '2 or more'} arguments, got {args}")
    return Pattern(name, args)


@functools.cache
def orientation_variants(rule: Rule) -> tuple[Rule, ...]:
    """A starred rule (`=> simtri*`, `=> contri*`) as its two oriented forms.

    AlphaGeometry reads the `eqangle6` premises of such a rule with the triangles' orientation:
    for same-orientation triangles as written (concluding simtri / contri), for mirrored ones
    with the second angle reversed (`Q P Q R` read as `Q R Q P`, concluding simtri2 / contri2).
    Ratio premises do not depend on orientation. Other rules are returned unchanged. Cached:
    the same rule gives the same variant objects, whose join plans the matcher keeps."""
    names = STARRED.get(rule.conclusion.predicate)
    if names is None:
        return (rule,)
    same, mirrored = names
    angles = [p for p in rule.premises if p.predicate in ("eqangle", "eqangle6")]
    if not angles:
        return (rule,)
    flipped = tuple(
        Pattern(p.predicate, p.args[:4] + p.args[6:] + p.args[4:6]) if p in angles else p
        for p in rule.premises
    )
    return (
        Rule(
            rule.name,
            rule.premises,
            rule.side_conditions,
            Pattern(same, rule.conclusion.args),
            rule.text,
        ),
        Rule(
            rule.name,
            flipped,
            rule.side_conditions,
            Pattern(mirrored, rule.conclusion.args),
            rule.text,
        ),
    )


def parse_rule(line: str, name: str) -> Rule:
    """Parse one `a, b => c` line into a Rule called `name`."""
    if line.count("=>") != 1:
        raise ParseError(f"rule {name}: expected one '=>' in {line!r}")
    left, right = line.split("=>")
    patterns = [_pattern(p, f"rule {name}") for p in left.split(",") if p.strip()]
    if not patterns:
        raise ParseError(f"rule {name}: no premises in {line!r}")
    conclusion = _pattern(right, f"rule {name}")
    facts = tuple(p for p in patterns if p.predicate not in NUMERIC_ONLY)
    sides = tuple(p for p in patterns if p.predicate in NUMERIC_ONLY)
    rule = Rule(name, facts, sides, conclusion, line.strip())
    bound = {v for p in facts + sides for v in p.args}
    free = [v for v in conclusion.args if v not in bound]
    if free:
        raise ParseError(f"rule {name}: conclusion variables {free} not in any premise")
    return rule


def parse_rules(text: str, prefix: str = "r") -> tuple[Rule, ...]:
    """Parse rules file text; blank lines and `#` comments are skipped, numbering is
    {prefix}00, {prefix}01, ..."""
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    return tuple(parse_rule(line, f"{prefix}{i:02d}") for i, line in enumerate(lines))


def default_rules_text() -> str:
    """The bundled rules.txt (a copy of AlphaGeometry's, CC-BY 4.0; see deduction/data/NOTICE)."""
    return _data_text("rules.txt")


def _data_text(name: str) -> str:
    return resources.files("deduction").joinpath("data", name).read_text()


def load_rules(source: str | Path | None = None) -> tuple[Rule, ...]:
    """A bundled set by name (`RULE_SETS`: "ag1", "proofloom"), the default set when `source`
    is None, or the rules of a file (numbered r00, r01, ...). Bundled sets are parsed once per
    process: the matcher caches join plans by rule identity, so every engine must share them."""
    if source is None:
        source = DEFAULT_RULE_SET
    if isinstance(source, str) and source in RULE_SETS:
        return _bundled_rules(source)
    return parse_rules(Path(source).read_text())


@functools.cache
def _bundled_rules(name: str) -> tuple[Rule, ...]:
    return tuple(rule for file, prefix in RULE_SETS[name] for rule in _bundled_file(file, prefix))


@functools.cache
def _bundled_file(file: str, prefix: str) -> tuple[Rule, ...]:
    # one parse per file: the sets share the objects of the rules they have in common
    return parse_rules(_data_text(file), prefix)
