"""Statements and proof steps: the two core types of the deduction engine.

A `Statement` is a predicate over named points, canonicalised at construction so that every
spelling of the same fact (`para a b c d`, `para d c b a`, ...) is one hashable value. Canonical
forms follow the symmetries of each predicate under AlphaGeometry's semantics:

- `coll`, `cyclic`: sets of points.
- `para`, `perp`, `cong`: an unordered pair of unordered point pairs.
- `midp m a b`, `circle o a b c`: the first point is special, the rest a set.
- `eqangle a b c d e f g h` says the directed angle from line ab to line cd equals the one from
  ef to gh (mod pi). With lines L1..L4 that is d2 - d1 = d4 - d3, which is invariant under the
  8 permutations below; `eqratio` (|ab|/|cd| = |ef|/|gh|) has the same group.
- `simtri`/`simtri2`/`contri`/`contri2 a b c p q r`: the correspondence a~p, b~q, c~r as a set
  of pairs, and the two triangles as an unordered pair.
- `aconst a b c d v`: the directed angle from ab to cd is v*pi, v a Fraction in [0, 1) written
  "p/q" (reduced mod 1; `aconst c d a b` carries 1 - v); `rconst a b c d v`: |ab|/|cd| = v
  (`rconst c d a b` carries 1/v).
- `eqratio3 a b c d m n`: m on ac, n on bd with |ma|/|mc| = |nb|/|nd| (AlphaGeometry's Thales
  ratio, produced by rule r07).
- `ncoll`, `npara`, `nperp`, `diff`, `sameside`: numeric side conditions, canonical like their
  positive counterparts; `sameside a b c x y z` as two (point, unordered segment) triples.

`eqangle6` and `eqratio6` are AlphaGeometry's matching variants of `eqangle`/`eqratio`; as facts
they are the same, so they are stored under the plain name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

Args = tuple[str, ...]

# Forms of an 8-argument "ratio of two pairs of pairs" fact (eqangle, eqratio) that state the same
# relation: d2 - d1 = d4 - d3. Each entry permutes the four pairs (L1, L2, L3, L4).
_EQ4_FORMS = (
    (0, 1, 2, 3),
    (2, 3, 0, 1),
    (1, 0, 3, 2),
    (3, 2, 1, 0),
    (0, 2, 1, 3),
    (1, 3, 0, 2),
    (2, 0, 3, 1),
    (3, 1, 2, 0),
)

ALIASES = {"eqangle6": "eqangle", "eqratio6": "eqratio"}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _pairs(args: Args) -> list[tuple[str, str]]:
    return [_pair(args[i], args[i + 1]) for i in range(0, len(args), 2)]


def _as_set(args: Args) -> Args:
    return tuple(sorted(set(args)))


def _two_pairs(args: Args) -> Args:
    a, b, c, d = args
    p = (a, b) if a <= b else (b, a)
    q = (c, d) if c <= d else (d, c)
    return p + q if p <= q else q + p


def _head_then_set(args: Args) -> Args:
    return (args[0],) + tuple(sorted(set(args[1:])))


def _eq4(args: Args) -> Args:
    # The 8 forms of _EQ4_FORMS spelled out: this runs for every eqangle/eqratio the engine
    # builds, and explicit tuples are ~3x faster than indexing through the table.
    a, b, c, d, e, f, g, h = args
    p = (a, b) if a <= b else (b, a)
    q = (c, d) if c <= d else (d, c)
    r = (e, f) if e <= f else (f, e)
    s = (g, h) if g <= h else (h, g)
    best = min(
        (p, q, r, s),
        (r, s, p, q),
        (q, p, s, r),
        (s, r, q, p),
        (p, r, q, s),
        (q, s, p, r),
        (r, p, s, q),
        (s, q, r, p),
    )
    return best[0] + best[1] + best[2] + best[3]


def _triangles(args: Args) -> Args:
    a, b = args[:3], args[3:]
    one = tuple(sorted(zip(a, b, strict=True)))
    two = tuple(sorted(zip(b, a, strict=True)))
    best = min(one, two)
    return tuple(x for x, _ in best) + tuple(y for _, y in best)


def _aconst(args: Args) -> Args:
    # The angle from L1 to L2 is v*pi exactly when the angle from L2 to L1 is (1 - v)*pi.
    *points, value = args
    p, q = _pairs(tuple(points))
    v = Fraction(value) % 1
    if q < p:
        p, q, v = q, p, (-v) % 1
    return p + q + (str(v),)


def _rconst(args: Args) -> Args:
    # |ab|/|cd| = v exactly when |cd|/|ab| = 1/v.
    *points, value = args
    p, q = _pairs(tuple(points))
    v = Fraction(value)
    if v <= 0:
        raise ValueError(f"rconst ratio must be positive, got {value!r}")
    if q < p:
        p, q, v = q, p, 1 / v
    return p + q + (str(v),)


def _eqratio3(args: Args) -> Args:
    # eqratio3 a b c d m n: m on ac, n on bd, |ma|/|mc| = |nb|/|nd|. The same fact reads with
    # the two segments swapped (b d n for a c m) or both ends reversed (c d for a b).
    a, b, c, d, m, n = args
    forms = ((a, b, c, d, m, n), (b, a, d, c, n, m), (c, d, a, b, m, n), (d, c, b, a, n, m))
    return min(forms)


def _sameside(args: Args) -> Args:
    # sameside a b c x y z: a lies inside segment bc exactly when x lies inside segment yz (or
    # both outside). Each segment is unordered and the two triples are interchangeable.
    one = (args[0],) + tuple(sorted(args[1:3]))
    two = (args[3],) + tuple(sorted(args[4:6]))
    return min(one + two, two + one)


# predicate -> (arity or None for "at least 2", canonicaliser)
CANONICAL: dict[str, tuple[int | None, Callable[[Args], Args]]] = {
    "coll": (None, _as_set),
    "cyclic": (None, _as_set),
    "para": (4, _two_pairs),
    "perp": (4, _two_pairs),
    "cong": (4, _two_pairs),
    "midp": (3, _head_then_set),
    "circle": (4, _head_then_set),
    "eqangle": (8, _eq4),
    "eqratio": (8, _eq4),
    "eqratio3": (6, _eqratio3),
    "simtri": (6, _triangles),
    "simtri2": (6, _triangles),
    "contri": (6, _triangles),
    "contri2": (6, _triangles),
    "aconst": (5, _aconst),
    "rconst": (5, _rconst),
    "ncoll": (None, _as_set),
    "npara": (4, _two_pairs),
    "nperp": (4, _two_pairs),
    "diff": (2, _as_set),
    "sameside": (6, _sameside),
}


_set = object.__setattr__  # frozen instances are written once, in __init__


@dataclass(frozen=True, init=False)
class Statement:
    """A canonical, hashable geometric fact. Build with `Statement("para", ("a","b","c","d"))`.

    The hash is computed once: the engine keeps millions of statements in sets and dicts, and
    the dataclass-generated hash rebuilds a tuple on every lookup (~6x slower). That needs a
    slot outside the dataclass fields, hence `__slots__` by hand rather than `slots=True`;
    pickling rebuilds the statement so the hash is recomputed in the receiving process (string
    hashes differ between processes).
    """

    __slots__ = ("predicate", "args", "_hash")

    predicate: str
    args: Args

    def __init__(self, predicate: str, args: Args) -> None:
        # Written out rather than dataclass-generated + __post_init__: statements are built in
        # the engine's inner loop, and this saves two attribute writes and a call.
        name = ALIASES.get(predicate, predicate)
        spec = CANONICAL.get(name)
        if spec is None:
            raise ValueError(f"unknown predicate {predicate!r}")
        arity, canonicalise = spec
        args = tuple(args)
        if (arity is None and len(args) < 2) or (arity is not None and len(args) != arity):
            raise ValueError(f"{name} takes {arity or '2 or more'} arguments, got {args!r}")
        args = canonicalise(args)
        _set(self, "predicate", name)
        _set(self, "args", args)
        _set(self, "_hash", hash((name, args)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]  # a hand-made slot

    def __reduce__(self) -> tuple[type[Statement], tuple[str, Args]]:
        return (Statement, (self.predicate, self.args))

    def __str__(self) -> str:
        return " ".join((self.predicate,) + self.args)

    @classmethod
    def parse(cls, text: str) -> Statement:
        """`Statement.parse("para a b c d")`."""
        words = text.split()
        if not words:
            raise ValueError("empty statement")
        return cls(words[0], tuple(words[1:]))

    def to_json(self) -> str:
        """JSON form: the statement's text, `"para a b c d"`."""
        return str(self)

    @classmethod
    def from_json(cls, data: str) -> Statement:
        return cls.parse(data)


@dataclass(frozen=True, slots=True)
class ProofStep:
    """One derivation: a hyper-edge from premises to a conclusion, labelled with its rule.

    `rule` is a rules.txt rule name (e.g. "r03"), "AR:angle"/"AR:ratio"/"AR:distance" for
    algebraic chasing, or "premise"/"construction" for given facts.
    """

    conclusion: Statement
    rule: str
    premises: tuple[Statement, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "conclusion": str(self.conclusion),
            "rule": self.rule,
            "premises": [str(p) for p in self.premises],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProofStep:
        premises = tuple(Statement.parse(p) for p in data.get("premises", ()))
        return cls(Statement.parse(data["conclusion"]), data["rule"], premises)


@dataclass(frozen=True, slots=True)
class Theorem:
    """A (premises, conclusion) pair, the unit a generator writes out with its proof."""

    name: str
    premises: tuple[Statement, ...]
    conclusion: Statement

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "premises": [str(p) for p in self.premises],
            "conclusion": str(self.conclusion),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Theorem:
        premises = tuple(Statement.parse(p) for p in data["premises"])
        return cls(data["name"], premises, Statement.parse(data["conclusion"]))


# --- The problem language (AlphaGeometry's defs.txt constructions and problem files) ---


@dataclass(frozen=True, slots=True)
class ConstructionCall:
    """One use of a construction in a clause, `on_line x a b`, or one numeric sketch step."""

    name: str
    args: Args

    def __str__(self) -> str:
        return " ".join((self.name,) + self.args)


@dataclass(frozen=True, slots=True)
class Clause:
    """`x = on_line x a b, on_circle x o a`: the points it introduces and the constructions that
    jointly fix them (their intersection).

    `pinned` holds coordinates given in the text as `x@4.96_-0.13` (AlphaGeometry's notation for
    a figure reproduced exactly); realisation places those points there instead of sampling.
    """

    points: Args
    constructions: tuple[ConstructionCall, ...]
    pinned: tuple[tuple[str, float, float], ...] = ()

    def __str__(self) -> str:
        where = {name: f"@{x!r}_{y!r}" for name, x, y in self.pinned}
        left = " ".join(p + where.get(p, "") for p in self.points)
        return left + " = " + ", ".join(str(c) for c in self.constructions)


@dataclass(frozen=True, slots=True)
class Problem:
    """A parsed problem: clauses in order (each uses only earlier points), an optional goal."""

    name: str
    clauses: tuple[Clause, ...]
    goal: Statement | None
    text: str

    @property
    def points(self) -> Args:
        return tuple(p for clause in self.clauses for p in clause.points)

    def __str__(self) -> str:
        """The problem in AlphaGeometry syntax, canonically spelled; it parses back to the same
        clauses and goal (what a generator writes out)."""
        text = "; ".join(str(c) for c in self.clauses)
        return text if self.goal is None else f"{text} ? {self.goal}"


@dataclass(frozen=True, slots=True)
class ProblemLoadError:
    """A problem of a multi-problem file that failed to parse; the others still load."""

    name: str
    message: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Template:
    """A statement over a construction's argument names, e.g. `cong x a x b` in `on_bline x a b`.

    The predicate is as written in defs.txt (`s_angle`, `rconst a b c d 1 2`, ...); it becomes a
    `Statement` only when instantiated with a clause's point names and values.
    """

    predicate: str
    args: Args

    def __str__(self) -> str:
        return " ".join((self.predicate,) + self.args)


@dataclass(frozen=True, slots=True)
class ConstructionDef:
    """One block of defs.txt.

    `points` are the points the construction introduces, `values` its numeric arguments (the
    degrees of `s_angle`), `depends` maps each introduced point to the points its position depends
    on, `preconditions` must hold before it applies, `statements` are the facts it creates (the
    DD premises) and `sketch` the numeric objects whose intersection places the point(s).
    """

    name: str
    args: Args
    points: Args
    values: Args
    depends: tuple[tuple[str, Args], ...]
    preconditions: tuple[Template, ...]
    statements: tuple[Template, ...]
    sketch: tuple[ConstructionCall, ...]


@dataclass(frozen=True, slots=True)
class Realisation:
    """Coordinates for every point of a problem, found with `seed` after `attempts` tries."""

    problem: str
    points: dict[str, tuple[float, float]]
    seed: int
    attempts: int = 1
