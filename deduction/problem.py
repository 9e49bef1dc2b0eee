"""AlphaGeometry problem files: parse `premises ? goal` text into `Problem`s.

A problem is `clause; clause; ... ? goal`. A clause is `x y = cons x y a b, cons2 x c d`: the
points it introduces, then one or more constructions of defs.txt that jointly fix them (their
intersection). Every other point a construction names must come from an earlier clause. The goal
is one statement (`? cyclic a o e d`); a problem without '?' has no goal.

Problem files hold a name line followed by its problem line, any number of times (the format of
jgex_ag_231.txt); blank lines and lines starting with '#' are skipped. A problem that fails to
parse is reported as a `ProblemLoadError` and the rest still load.
"""

from __future__ import annotations

import difflib
import logging
import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

from deduction.constructions import (
    CONSTRUCTIONS,
    DATA_DIR,
    SPECIAL_STATEMENTS,
    instantiate,
    known_predicate,
    make_statement,
    parse_value,
)
from deduction.errors import ConstructionError, DeductionError, ParseError
from deduction.types import (
    Clause,
    ConstructionCall,
    ConstructionDef,
    Problem,
    ProblemLoadError,
    Statement,
)

logger = logging.getLogger(__name__)

Pin = tuple[str, float, float]

DEFAULT_PROBLEMS = DATA_DIR / "jgex_ag_231.txt"

__all__ = [
    "DEFAULT_PROBLEMS",
    "Clause",
    "ConstructionCall",
    "Problem",
    "ProblemLoadError",
    "clause_statements",
    "load_problems",
    "parse_problem",
    "parse_problems",
    "premise_statements",
    "problem_names",
    "resolve_name",
]


def _is_number(token: str) -> bool:
    try:
        Fraction(token)
    except (ValueError, ZeroDivisionError):
        return False
    return True


def binding(call: ConstructionCall, cdef: ConstructionDef) -> dict[str, str]:
    """The definition's argument names -> the call's point names and values."""
    return dict(zip(cdef.args, call.args, strict=True))


class _ClauseParser:
    """Parses the clauses of one problem in order, tracking the points defined so far."""

    def __init__(self, name: str, constructions: Mapping[str, ConstructionDef]) -> None:
        self.name = name
        self.constructions = constructions
        self.defined: set[str] = set()

    def fail(self, error: type[DeductionError], what: str, token: str, context: str) -> NoReturn:
        raise error(f"problem {self.name!r}: {what} {token!r} in {context!r}")

    def call(self, text: str, new: tuple[str, ...], clause: str) -> ConstructionCall:
        words = text.split()
        if not words:
            self.fail(ParseError, "empty construction", text, clause)
        cdef = self.constructions.get(words[0])
        if cdef is None:
            self.fail(ConstructionError, "unknown construction", words[0], clause)
        args = tuple(words[1:])
        if len(cdef.args) - len(args) == len(new) > 0 and not set(args) & set(new):
            # AlphaGeometry's short form leaves out the clause's own points: `h = on_tline b a c`
            # stands for `h = on_tline h b a c`, `a b c = triangle` for `triangle a b c`.
            args = new + args
        if len(args) != len(cdef.args):
            self.fail(
                ConstructionError,
                f"wrong arity (expects {len(cdef.args)}: {' '.join(cdef.args)}) for",
                text.strip(),
                clause,
            )
        for formal, actual in zip(cdef.args, args, strict=True):
            if formal in cdef.values:
                if not _is_number(actual):
                    self.fail(ParseError, f"expected a number for {formal!r}, got", actual, clause)
            elif _is_number(actual):
                self.fail(ParseError, f"expected a point for {formal!r}, got", actual, clause)
            elif formal in cdef.points:
                if actual in self.defined:
                    self.fail(ConstructionError, "point defined twice", actual, clause)
                if actual not in new:
                    self.fail(ConstructionError, "point not on the left of '='", actual, clause)
            elif actual not in self.defined:
                self.fail(ConstructionError, "undefined point", actual, clause)
        introduced = [args[cdef.args.index(p)] for p in cdef.points]
        if len(set(introduced)) != len(introduced):
            self.fail(ConstructionError, "one point introduced twice by", text.strip(), clause)
        return ConstructionCall(cdef.name, args)

    def clause(self, text: str) -> Clause:
        text = text.strip()
        if not text:
            self.fail(ParseError, "empty clause", text, text)
        if text.count("=") != 1:
            self.fail(
                ParseError, "malformed clause (expected 'points = constructions')", text, text
            )
        left, right = text.split("=")
        points, pinned = self.points(left, text)
        if not points:
            self.fail(ParseError, "no points left of '='", left, text)
        if len(set(points)) != len(points):
            self.fail(ConstructionError, "point listed twice", left.strip(), text)
        for p in points:
            if p in self.defined:
                self.fail(ConstructionError, "point defined twice", p, text)
            if _is_number(p):
                self.fail(ParseError, "a number is not a point name", p, text)
        calls = tuple(self.call(part, points, text) for part in right.split(","))
        covered = {
            call.args[self.constructions[call.name].args.index(p)]
            for call in calls
            for p in self.constructions[call.name].points
        }
        for p in points:
            if p not in covered:
                self.fail(ConstructionError, "no construction introduces point", p, text)
        self.defined.update(points)
        return Clause(points, calls, pinned)

    def points(self, left: str, clause: str) -> tuple[tuple[str, ...], tuple[Pin, ...]]:
        """The names left of '=', and the coordinates of those written `name@x_y`."""
        names, pinned = [], []
        for token in left.split():
            name, at, where = token.partition("@")
            names.append(name)
            if at:
                try:
                    x, y = (float(v) for v in where.split("_"))
                except ValueError:
                    self.fail(ParseError, "bad position (expected name@x_y)", token, clause)
                if not (math.isfinite(x) and math.isfinite(y)):
                    self.fail(ParseError, "bad position (not finite)", token, clause)
                pinned.append((name, x, y))
        return tuple(names), tuple(pinned)

    def goal(self, text: str) -> Statement | None:
        words = text.split()
        if not words:
            self.fail(ParseError, "empty goal after '?'", text, "? " + text)
        predicate, args = words[0], tuple(words[1:])
        if not known_predicate(predicate):
            self.fail(ParseError, "unknown goal predicate", predicate, text)
        # Values (angles, ratios) trail the points of the predicates that carry them.
        for a in args:
            if a not in self.defined and not (predicate in SPECIAL_STATEMENTS and _is_value(a)):
                self.fail(ConstructionError, "undefined point in goal", a, text)
        try:
            return make_statement(predicate, args)
        except ValueError as exc:
            self.fail(ParseError, f"bad goal ({exc})", text.strip(), text)


def _is_value(token: str) -> bool:
    try:
        parse_value((token,))
    except (ValueError, ZeroDivisionError):
        return False
    return True


def parse_problem(
    text: str, name: str = "", constructions: Mapping[str, ConstructionDef] | None = None
) -> Problem:
    """Parse one `premises ? goal` text. Raises ParseError/ConstructionError naming the problem
    and the offending token."""
    parser = _ClauseParser(name, CONSTRUCTIONS if constructions is None else constructions)
    if text.count("?") > 1:
        parser.fail(ParseError, "more than one '?' in", text.strip(), text.strip())
    premises, _, goal_text = text.partition("?")
    if not premises.strip():
        parser.fail(ParseError, "no premises in", text.strip(), text.strip())
    clauses = tuple(parser.clause(part) for part in premises.split(";"))
    goal = parser.goal(goal_text) if "?" in text else None
    return Problem(name=name, clauses=clauses, goal=goal, text=text.strip())


def _entries(text: str, source: str) -> Iterator[tuple[str, int, str | None]]:
    """(name, line number, problem text) for every problem of a multi-problem text, in order; a
    name line without a problem line after it gives None for the text."""
    pending: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line and "?" not in line:
            if pending is not None:
                yield pending[0], pending[1], None
            pending = (line, number)
            continue
        name, line_no = pending if pending is not None else (f"{source}:{number}", number)
        pending = None
        yield name, line_no, line
    if pending is not None:
        yield pending[0], pending[1], None


def problem_names(text: str, source: str = "<text>") -> list[str]:
    """The names of the problems of a multi-problem text, in order, without parsing them."""
    return [name for name, _, _ in _entries(text, source)]


def parse_problems(
    text: str,
    source: str = "<text>",
    constructions: Mapping[str, ConstructionDef] | None = None,
    names: Collection[str] | None = None,
) -> list[Problem | ProblemLoadError]:
    """Every problem of a multi-problem text (name line, then problem line); with `names`,
    only those (the others are not even parsed: a one-problem run skips the rest)."""
    out: list[Problem | ProblemLoadError] = []
    for name, line_no, line in _entries(text, source):
        if names is not None and name not in names:
            continue
        if line is None:
            out.append(ProblemLoadError(name, "name line without a problem", line_no))
            continue
        try:
            out.append(parse_problem(line, name, constructions))
        except DeductionError as exc:
            logger.debug("skipping %s: %s", name, exc)
            out.append(ProblemLoadError(name, str(exc), line_no))
    return out


def load_problems(
    path: str | Path = DEFAULT_PROBLEMS,
    constructions: Mapping[str, ConstructionDef] | None = None,
    names: Collection[str] | None = None,
) -> list[Problem | ProblemLoadError]:
    """Every problem of a file (or those named); a bad one is reported as a ProblemLoadError,
    the rest load."""
    path = Path(path)
    return parse_problems(path.read_text(), path.name, constructions, names)


def clause_statements(
    clause: Clause, constructions: Mapping[str, ConstructionDef] | None = None
) -> list[Statement]:
    """The defining statements of one clause, instantiated, without repeats."""
    table = CONSTRUCTIONS if constructions is None else constructions
    out: dict[Statement, None] = {}
    for call in clause.constructions:
        cdef = table[call.name]
        mapping = binding(call, cdef)
        for template in cdef.statements:
            out[instantiate(template, mapping)] = None
    return list(out)


def premise_statements(
    problem: Problem, constructions: Mapping[str, ConstructionDef] | None = None
) -> list[tuple[Statement, Clause]]:
    """Every defining statement of every clause with the clause it comes from, in order; a
    statement stated twice is listed once, at its first clause. These are the DD premises."""
    seen: set[Statement] = set()
    out = []
    for clause in problem.clauses:
        for statement in clause_statements(clause, constructions):
            if statement not in seen:
                seen.add(statement)
                out.append((statement, clause))
    return out


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def _closeness(query: str, name: str) -> int | None:
    """How well `query` names `name`: 1 its basename or stem, 2 a suffix of either at a word
    boundary, 3 any suffix, None not at all."""
    forms = (name, _stem(name))
    if query in (name.rsplit("/", 1)[-1], forms[1]):
        return 1
    tails = [f for f in forms if f.endswith(query) and len(f) > len(query)]
    if any(f[-len(query) - 1] in "/_-" for f in tails):
        return 2
    return 3 if tails else None


def resolve_name(query: str, names: Sequence[str]) -> str:
    """The one problem name `query` stands for: the name itself, else the unique name it best
    abbreviates (`_closeness`); the short forms benchmarks/RESULTS.md writes (`morley`,
    `E057-41` for `examples/complete2/unsolved/complete_014_7_Book_00EE_07_E057-41.gex`) work.

    Raises ValueError naming the candidates when `query` is ambiguous, or the closest names
    when nothing matches."""
    if query in names:
        return query
    scored = [(c, n) for n in dict.fromkeys(names) if (c := _closeness(query, n)) is not None]
    if scored:
        best = min(c for c, _ in scored)
        found = [n for c, n in scored if c == best]
        if len(found) == 1:
            return found[0]
        shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
        raise ValueError(f"{query!r} matches {len(found)} problems: {shown}")
    # a misspelt short form is compared with the short forms: each tail of each stem
    short: dict[str, str] = {}
    for n in names:
        stem = _stem(n)
        for i, char in enumerate(stem):
            if char in "_-":
                short.setdefault(stem[i + 1 :], n)
        short.setdefault(stem, n)
        short.setdefault(n, n)
    close = difflib.get_close_matches(query, list(short), n=3, cutoff=0.75)
    hint = "; close: " + ", ".join(dict.fromkeys(short[c] for c in close)) if close else ""
    raise ValueError(f"no problem named {query!r}{hint}")


def with_clauses(problem: Problem, clauses: Sequence[Clause]) -> Problem:
    """The problem with more clauses before its goal (its text spells them): an auxiliary
    construction added to a problem or a premise set."""
    extended = Problem(problem.name, problem.clauses + tuple(clauses), problem.goal, "")
    return Problem(extended.name, extended.clauses, extended.goal, str(extended))
