"""holds(): every predicate on hand-made figures, true and false, orientation included."""

import itertools
import math

import pytest

from deduction.numeric import TOL, direction, holds, length
from deduction.types import CANONICAL, Statement

# A scalene triangle abc, its mirror image pqr (reflected in the x-axis), a copy uvw rotated
# by 30 degrees and scaled by 2, square sqr0..3, collinear k, l, n, midpoint m of ab,
# circumcentre o of abc.
_A, _B, _C = (0.0, 0.0), (1.0, 0.0), (0.3, 0.8)


def _rot(p, angle, k=1.0, shift=(0.0, 0.0)):
    c, s = math.cos(angle), math.sin(angle)
    return (k * (p[0] * c - p[1] * s) + shift[0], k * (p[0] * s + p[1] * c) + shift[1])


def _circumcentre(a, b, c):
    d = 2 * (a[0] * (b[1] - c[1]) + b[0] * (c[1] - a[1]) + c[0] * (a[1] - b[1]))
    ux = (
        (a[0] ** 2 + a[1] ** 2) * (b[1] - c[1])
        + (b[0] ** 2 + b[1] ** 2) * (c[1] - a[1])
        + (c[0] ** 2 + c[1] ** 2) * (a[1] - b[1])
    ) / d
    uy = (
        (a[0] ** 2 + a[1] ** 2) * (c[0] - b[0])
        + (b[0] ** 2 + b[1] ** 2) * (a[0] - c[0])
        + (c[0] ** 2 + c[1] ** 2) * (b[0] - a[0])
    ) / d
    return (ux, uy)


P = {
    "a": _A,
    "b": _B,
    "c": _C,
    "p": (_A[0] + 3, -_A[1]),
    "q": (_B[0] + 3, -_B[1]),
    "r": (_C[0] + 3, -_C[1]),
    "u": _rot(_A, 0.5, 2, (1, 2)),
    "v": _rot(_B, 0.5, 2, (1, 2)),
    "w": _rot(_C, 0.5, 2, (1, 2)),
    "e": _rot(_A, 1.1, 1, (-2, 1)),
    "f": _rot(_B, 1.1, 1, (-2, 1)),
    "g": _rot(_C, 1.1, 1, (-2, 1)),
    "k": (0.0, 1.0),
    "l": (1.0, 2.0),
    "n": (2.5, 3.5),
    "m": (0.5, 0.0),
    "o": _circumcentre(_A, _B, _C),
    "s0": (0.0, 0.0),
    "s1": (1.0, 0.0),
    "s2": (1.0, 1.0),
    "s3": (0.0, 1.0),
    "h": (0.3, 0.0),  # foot of c on ab
    "t": (0.3, 5.0),  # on line ch beyond c
}
# the reflection of c in the line ab, and a point on the circumcircle of abc
P["c2"] = (_C[0], -_C[1])
_o, _r = P["o"], length(P["o"], _A)
# Trapezoid ta tb td tc (ta tb parallel to tc td); tm, tn a quarter of the way along ta-tc and
# tb-td, so |tm ta|/|tm tc| = |tn tb|/|tn td| = 1/3; tx halfway along tb-td instead.
P.update(ta=(0.0, 3.0), tb=(1.0, 3.0), tc=(0.5, 5.0), td=(2.0, 5.0))
P.update(tm=(0.125, 3.5), tn=(1.25, 3.5), tx=(1.5, 4.0))
P["d"] = (_o[0] + _r * math.cos(2.0), _o[1] + _r * math.sin(2.0))

TRUE = [
    "coll k l n",
    "coll a m b h",
    "para a b s3 s2",
    "para a m h b",  # one line counts as parallel to itself
    "perp a b c h",
    "perp s0 s2 s1 s3",
    "cong o a o c",
    "cong s0 s1 s1 s2",
    "midp m a b",
    "circle o a b c",
    "cyclic a b c d",
    "cyclic s0 s1 s2 s3",
    "eqangle a b a c u v u w",  # rotation keeps directed angles
    "eqangle a b a c e f e g",
    "eqangle a b a c p r p q",  # reflection negates them
    "eqratio a b a c u v u w",
    "eqratio3 ta tb tc td tm tn",
    "simtri a b c u v w",
    "simtri a b c e f g",
    "simtri2 a b c p q r",
    "contri a b c e f g",
    "contri2 a b c p q r",
    "aconst s0 s1 s0 s2 1/4",
    "aconst s0 s2 s0 s1 3/4",
    "aconst a b c h 1/2",
    "rconst u v a b 2",
    "rconst u w a c 2",
    "ncoll a b c",
    "npara a b a c",
    "nperp a b a c",
    "diff a b",
    "sameside h a b h s0 s1",  # h inside segment ab, h inside segment s0 s1
    "sameside t c h n k l",  # both outside
]

FALSE = [
    "coll a b c",
    "para a b a c",
    "perp a b a c",
    "cong a b a c",
    "midp h a b",
    "circle o a b s2",
    "cyclic a b c s2",
    "cyclic a b m c",  # three collinear points lie on no circle
    "eqangle a b a c p q p r",  # the mirror image has the opposite directed angle
    "eqangle a b a c a c a b",
    "eqratio a b a c a b b c",
    "simtri a b c p q r",  # mirrored: similar only with reversed orientation
    "simtri2 a b c u v w",
    "simtri a b c a c b",
    "contri a b c u v w",  # similar but twice the size
    "contri a b c p q r",
    "contri2 a b c e f g",
    "aconst s0 s1 s0 s2 3/4",
    "aconst s0 s1 s0 s2 1/3",
    "rconst u v a b 1/2",
    "ncoll a m b",
    "npara a b s3 s2",
    "nperp a b c h",
    "diff s0 a",
    "sameside h a b t c h",
    "para a a b c",  # a degenerate line is never parallel ...
    "npara a a b c",  # ... nor non-parallel
    "cong a a b b",
    "eqratio3 ta tb tc td tm tx",
]


def test_fixture_points_are_as_described():
    assert abs(length(P["u"], P["v"]) - 2.0) < 1e-12
    assert abs(length(P["o"], P["d"]) - length(P["o"], P["a"])) < 1e-12


@pytest.mark.parametrize("text", TRUE)
def test_true_statements_hold(text):
    assert holds(Statement.parse(text), P)


@pytest.mark.parametrize("text", FALSE)
def test_false_statements_fail(text):
    assert not holds(Statement.parse(text), P)


def test_every_predicate_is_covered_true_and_false():
    def predicates(texts):
        return {Statement.parse(t).predicate for t in texts}

    assert predicates(TRUE) == set(CANONICAL)
    assert predicates(FALSE) == set(CANONICAL)


def test_every_spelling_of_a_fact_has_the_same_truth():
    # Canonicalisation must not change meaning: permuted spellings agree numerically.
    for text in ["eqangle a b a c u v u w", "eqangle a b a c p q p r", "simtri2 a b c p q r"]:
        words = text.split()
        pred, args = words[0], words[1:]
        truth = holds(Statement.parse(text), P)
        if pred == "eqangle":
            lines = [args[i : i + 2] for i in range(0, 8, 2)]
            variants = [
                lines[2] + lines[3] + lines[0] + lines[1],
                lines[0] + lines[2] + lines[1] + lines[3],
            ]
        else:
            variants = [args[3:] + args[:3], [args[1], args[0], args[2], args[4], args[3], args[5]]]
        for v in variants:
            assert holds(Statement(pred, tuple(v)), P) == truth, (text, v)


def test_tolerance_separates_rounding_from_real_error():
    shaken = dict(P, m=(0.5 + 1e-12, 1e-12))
    assert holds(Statement.parse("midp m a b"), shaken)
    shaken = dict(P, m=(0.5 + 1e-6, 0.0))
    assert not holds(Statement.parse("midp m a b"), shaken)
    assert TOL < 1e-6


def test_helpers():
    assert direction((0, 0), (1, 1)) == pytest.approx(math.pi / 4)
    assert direction((1, 1), (0, 0)) == pytest.approx(math.pi / 4)  # lines, not rays
    assert 0 <= direction((0, 0), (1, -1e-15)) < math.pi
    assert length((0, 0), (3, 4)) == 5
    with pytest.raises(ValueError):
        direction((1, 1), (1, 1))


def test_numpy_points_are_accepted():
    np = pytest.importorskip("numpy")
    points = {k: np.array(v) for k, v in P.items()}
    assert holds(Statement.parse("perp a b c h"), points)
    assert not holds(Statement.parse("coll a b c"), points)


def _spellings(args):
    """Every argument order for up to 6 arguments; for 8 (eqangle, eqratio) every order of the
    four pairs with each pair either way round (the orders that could spell the same fact)."""
    if len(args) <= 6:
        yield from itertools.permutations(args)
        return
    pairs = [args[i : i + 2] for i in range(0, len(args), 2)]
    for order in itertools.permutations(pairs):
        for flips in itertools.product((False, True), repeat=len(pairs)):
            yield tuple(
                x for pair, f in zip(order, flips, strict=True) for x in (pair[::-1] if f else pair)
            )


def test_canonical_forms_never_merge_facts_of_different_truth():
    # Evaluate the raw (uncanonicalised) argument order: every spelling that canonicalises to
    # a true fact must itself be true on the figure, or canonicalisation merged two facts.
    from deduction.numeric import realise
    from deduction.numeric.predicates import CHECKS
    from deduction.problem import DEFAULT_PROBLEMS, load_problems, premise_statements

    checked = set()
    for problem in load_problems(DEFAULT_PROBLEMS)[::3]:
        points = realise(problem, seed=0).points
        facts = [s for s, _ in premise_statements(problem)] + [problem.goal]
        for fact in facts:
            if fact.predicate not in CHECKS or len(fact.args) > 8:
                continue
            for args in _spellings(fact.args):
                if Statement(fact.predicate, args) == fact:
                    checked.add(fact.predicate)
                    raw = CHECKS[fact.predicate]([points[a] for a in args], TOL)
                    assert raw, (problem.name, str(fact), args)
    assert checked >= {"coll", "cong", "cyclic", "eqangle", "para", "perp"}


def test_collapsed_point_sets_do_not_crash():
    # Regression: `diff a a` canonicalises to a one-point set and crashed holds().
    assert not holds(Statement.parse("diff a a"), P)
    assert holds(Statement.parse("cyclic a a b"), P)
    assert holds(Statement.parse("coll a b b"), P)
    assert not holds(Statement.parse("ncoll a b b"), P)
    assert not holds(Statement.parse("midp a b b"), P)
    assert not holds(Statement.parse("circle o o o o"), P)


def test_checker_memoises_holds():
    from deduction.numeric import checker

    check = checker(P)
    for text in TRUE + FALSE:
        statement = Statement.parse(text)
        assert check(statement) == holds(statement, P)
        assert check(statement) == holds(statement, P)  # second call served from the memo


def test_figure_agrees_with_holds_on_random_and_true_statements():
    import random

    from deduction.numeric import Figure, realise
    from deduction.problem import DEFAULT_PROBLEMS, load_problems, premise_statements

    rng = random.Random(5)
    shapes = [("para", 4), ("perp", 4), ("eqangle", 8), ("cong", 4), ("eqratio", 8)]
    shapes += [("coll", 3), ("cyclic", 4), ("aconst", 4), ("rconst", 4), ("midp", 3)]
    agreed = {True: 0, False: 0}
    for problem in load_problems(DEFAULT_PROBLEMS)[::5]:
        points = realise(problem, seed=1).points
        names = list(points)
        statements = [s for s, _ in premise_statements(problem)] + [problem.goal]
        for predicate, k in shapes:
            for _ in range(10):
                args = tuple(rng.choice(names) for _ in range(k))
                if predicate in ("aconst", "rconst"):
                    args += (rng.choice(["1/2", "1/3", "2", "3/4"]),)
                try:
                    statements.append(Statement(predicate, args))
                except ValueError:
                    continue
        figure = Figure(points)
        for statement in statements + statements:  # the second pass reads the caches
            truth = holds(statement, points)
            assert figure(statement) == truth, (problem.name, str(statement))
            agreed[truth] += 1
    assert agreed[True] > 300 and agreed[False] > 300


def test_no_pattern_of_repeated_points_crashes_holds():
    # Canonical forms of set-like predicates shrink when points repeat (`midp a b b`).
    from deduction.numeric import Figure

    square = {"a": (0.0, 0.0), "b": (1.0, 0.2), "c": (0.3, 0.9), "d": (-0.5, 0.4)}
    figure = Figure(square)
    for predicate, (arity, _) in CANONICAL.items():
        n = arity or 4
        valued = predicate in ("aconst", "rconst")
        letters = "abc" if n > 5 else "abcd"
        for args in itertools.product(letters, repeat=n - 1 if valued else n):
            try:
                statement = Statement(predicate, args + (("1/2",) if valued else ()))
            except ValueError:
                continue
            assert figure(statement) == holds(statement, square)
