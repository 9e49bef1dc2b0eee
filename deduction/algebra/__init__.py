"""Algebraic reasoning (AR): angle, ratio and distance chasing by exact linear algebra.

AlphaGeometry's AR in three tables, each a `LinearSystem` of exact rational equations on sparse
rows, fed facts one at a time with a premise tag (any hashable; the engine passes Statements),
and asked for every new fact they entail, each with a MINIMAL set of tags (`Derived.why`):

- `AngleChaser`: line directions mod pi; para, perp, aconst, eqangle in and out. Congruences
  mod 1 are solved with integer combinations only, so `2x = 1/2` never yields `x = 1/4`.
- `RatioChaser`: log lengths; cong, rconst, eqratio in and out; rational constants are exact
  (exponent vectors over primes), never floats.
- `DistanceChaser`: lengths along lines; coll positions, cong, midp, rconst in; cong, rconst out.

The module does not know the engine: ids are opaque hashables, numeric values (directions,
lengths, positions along a line) are floats the engine computes from its diagram and are used
only to choose candidates. Nothing is derived because two numbers agree.

How the engine calls it (ids are the engine's own: here line / segment names and Statements):

    >>> import math
    >>> from deduction.algebra import AngleChaser
    >>> from deduction.types import Statement
    >>> angles = AngleChaser()
    >>> for line, radians in [("ab", 0.0), ("cd", math.pi / 2), ("ef", 0.0), ("gh", math.pi / 2)]:
    ...     angles.add_line(line, radians)   # direction from the numeric realisation
    >>> p1, p2 = Statement.parse("perp a b c d"), Statement.parse("perp c d e f")
    >>> angles.add("perp", ("ab", "cd"), p1)
    True
    >>> angles.add("perp", ("cd", "ef"), p2)
    True
    >>> for fact in angles.derive():        # call after each DD round; returns only new facts
    ...     print(fact.kind, fact.args, fact.value, sorted(map(str, fact.why)))
    para ('ab', 'ef') None ['perp a b c d', 'perp c d e f']
    perp ('ab', 'cd') None ['perp a b c d']
    >>> angles.derive()                      # nothing new was added: nothing to report
    []
    >>> angles.why("perp", ("ef", "cd"))
    frozenset({Statement(predicate='perp', args=('c', 'd', 'e', 'f'))})
    >>> angles.implies("perp", ("ab", "gh"))  # numerically perpendicular, but not entailed
    False

The engine turns each `Derived` into a Statement (`fact.kind`, point pairs of its lines, value)
and a ProofStep with rule "AR:angle" / "AR:ratio" / "AR:distance" and premises `fact.why`.
Computing whys is most of the cost of `derive()`; an engine that discards many derived facts
(already known, or not needed) should call `derive(with_why=False)` and then `explain(fact)`
only for the facts it keeps. `explain` uses only the equations known when the fact was derived
(`fact.stamp`), so the premises never include facts that were derived from it later:

    >>> angles.add_line("xy", 0.0)
    >>> angles.add("para", ("xy", "ab"), "given")
    True
    >>> lazy = [f for f in angles.derive(with_why=False) if f.args == ("ef", "xy")]
    >>> lazy[0].why is None
    True
    >>> sorted(map(str, angles.explain(lazy[0])))
    ['given', 'perp a b c d', 'perp c d e f']

`derive()` reports `eqangle`/`eqratio`/`aconst`/`rconst` between the representatives of classes
of parallel lines / equal segments (the earliest registered); `expand=True` lists every member
combination instead, and `implies`/`why` answer any query on demand, e.g. while matching rules.
Contradictory input raises `InconsistentError` (a DeductionError) and leaves the system as it was.
"""

from deduction.algebra.angles import AngleChaser
from deduction.algebra.distances import DistanceChaser, segment
from deduction.algebra.errors import InconsistentError
from deduction.algebra.linear import LinearSystem
from deduction.algebra.ratios import RatioChaser, factorise
from deduction.algebra.types import Derived

__all__ = [
    "AngleChaser",
    "Derived",
    "DistanceChaser",
    "InconsistentError",
    "LinearSystem",
    "RatioChaser",
    "factorise",
    "segment",
]
