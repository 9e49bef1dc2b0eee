"""The symbolic fact base: what is proved so far, and why.

Facts are not kept as a flat set of statements. Like AlphaGeometry's graph, the base keeps the
geometric objects that make matching cheap and complete:

- lines and circles: maximal collinear / concyclic point sets (`PointSets`); `coll a b c` may
  merge lines, so a fact about any two points of a line is a fact about the line;
- directions: a union-find over point pairs (`para`; every pair on a line joins the line's
  representative pair through a derived `coll` fact);
- lengths: a union-find over point pairs (`cong`);
- angles and ratios: `QuotientTable`s over (direction, direction) and (length, length) keys
  (`eqangle`, `perp`, `aconst` and `eqratio`, `rconst`);
- a few explicit sets: `midp`, `simtri`/`contri` facts.

Every statement that enters the base is a node with exactly one `ProofStep` (its first
derivation). A statement that holds only by structure (two points on a line, a chain of `para`)
gets a node on demand from `justify`, whose premises are older nodes, so the proof graph stays
acyclic. Structural steps are labelled "line"/"circle" (set membership), "AR:angle"/"AR:ratio"
(transitive chains, a special case of algebraic chasing), or "def:<pred>" (unfolding a
definition such as midp = coll + cong).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from fractions import Fraction
from itertools import combinations
from typing import Any

from deduction.engine.definitions import S, unfold
from deduction.engine.tables import Key, Pair, QuotientTable, angle_mirror, ratio_mirror
from deduction.engine.unionfind import PointSets, ProofUnionFind
from deduction.types import ProofStep, Statement

logger = logging.getLogger(__name__)

HALF = Fraction(1, 2)
NUMERIC_PREDICATES = frozenset({"ncoll", "npara", "nperp", "sameside", "diff"})


def _trivial(ps: list[Pair]) -> bool:
    p1, p2, p3, p4 = ps
    return p1 == p2 or p3 == p4 or (p1 == p3 and p2 == p4)


def pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def pairs_of(args: tuple[str, ...]) -> list[Pair]:
    return [pair(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]


class FactBase:
    """Proved facts over named points, with one derivation per statement node."""

    def __init__(self, numeric: Callable[[Statement], bool]) -> None:
        self.numeric = numeric
        self.steps: dict[Statement, ProofStep] = {}
        self.lines: PointSets[Statement] = PointSets(2)
        self.circles: PointSets[Statement] = PointSets(3)
        self.dirs: ProofUnionFind[Pair, Statement] = ProofUnionFind()
        self.lens: ProofUnionFind[Pair, Statement] = ProofUnionFind()
        # Semi-naive matching: every class/object remembers the tick of its last change.
        self.tick = 0
        self.dir_stamp: dict[Pair, int] = {}
        self.len_stamp: dict[Pair, int] = {}
        self.line_stamp: dict[int, int] = {}
        self.circle_stamp: dict[int, int] = {}
        self.fact_stamp: dict[Statement, int] = {}
        clock = lambda: self.tick  # noqa: E731
        self.angles = QuotientTable(self.dirs, angle_mirror, Fraction(0), clock)
        self.ratios = QuotientTable(self.lens, ratio_mirror, Fraction(1), clock)
        self.explicit: dict[str, set[Statement]] = {}
        self.log: list[Statement] = []  # statements in the order they became nodes
        # Equations for algebraic reasoning, in the order the base learnt them:
        # (table, kind, args, value, tag) with table "angle" / "ratio" / "dist" / "line".
        self.events: list[tuple[str, str, tuple, object, Statement]] = []
        self._adders: dict[str, Callable[[Statement], None]] = {
            "coll": self._add_coll,
            "cyclic": self._add_cyclic,
            "para": self._add_para,
            "perp": self._add_perp,
            "eqangle": self._add_eqangle,
            "aconst": self._add_aconst,
            "cong": self._add_cong,
            "eqratio": self._add_eqratio,
            "rconst": self._add_rconst,
        }
        self._holds: dict[str, Callable[[Statement], bool]] = {
            "coll": lambda st: len(st.args) <= 2 or self.lines.find(st.args) is not None,
            "cyclic": lambda st: len(st.args) <= 3 or self.circles.find(st.args) is not None,
            "para": lambda st: self._para(*pairs_of(st.args)),
            "perp": lambda st: self.angles.same(self._akey(st.args), ("const", HALF)),
            "eqangle": lambda st: self._holds_equal_quotients(st, self._dir_same, self.angles),
            "aconst": lambda st: self._holds_constant_quotient(
                st, self._dir_same, self.angles, Fraction(0)
            ),
            "cong": lambda st: self._cong(*pairs_of(st.args)),
            "eqratio": lambda st: self._holds_equal_quotients(st, self._len_same, self.ratios),
            "rconst": lambda st: self._holds_constant_quotient(
                st, self._len_same, self.ratios, Fraction(1)
            ),
            "midp": self._holds_midp,
            "circle": lambda st: all(self.holds(c) for c in unfold(st)),
            "eqratio3": lambda st: all(self.holds(c) for c in unfold(st)),
        }
        for name in ("simtri", "simtri2", "contri", "contri2"):
            self._holds[name] = self._holds_similar
        self._numeric_cache: dict[tuple[str, tuple[str, ...]], bool] = {}
        self._raw_cache: dict[tuple[str, tuple[str, ...]], bool] = {}
        # bumped whenever a node changes the structure; matchers key their caches on it
        self.version = 0
        self.memo: dict[str, tuple[int, Any]] = {}
        # matcher's cache: id(member list) -> (list, length, point -> pairs through it)
        self.pair_index: dict[int, tuple] = {}
        half = ("const", HALF)
        self._raw: dict[str, Callable[[tuple[str, ...]], bool]] = {
            # as rule premises, facts must not be trivial by repeated points
            "coll": lambda a: len(set(a)) == len(a) and self.lines.find(a) is not None,
            "cyclic": lambda a: len(set(a)) == len(a) and self.circles.find(a) is not None,
            "para": self._raw_two(self._para),
            "cong": self._raw_two(self._cong),
            "perp": self._raw_two(lambda p, q: self.angles.same(self.angles.key(p, q), half)),
            "eqangle": self._raw_eqangle,
            "eqangle6": self._raw_eqangle,
            "eqratio": self._raw_eqratio,
            "eqratio6": self._raw_eqratio,
        }

    # ------------------------------------------------------------------ adding
    def add(self, step: ProofStep) -> bool:
        """Record `step.conclusion` with this derivation; False if it was already known."""
        st = step.conclusion
        if st in self.steps or (st.predicate not in NUMERIC_PREDICATES and self.holds(st)):
            return False
        self._node(st, step)
        return True

    def restore(self, step: ProofStep) -> None:
        """Replay one step of another base's `log` (in log order): a statement that does not hold
        yet becomes a node with its effects, one that holds by structure is recorded as
        `justify` recorded it. Replaying a closed base's log gives the same classes and nodes
        without matching a rule (an auxiliary try starts from its problem's fixpoint)."""
        st = step.conclusion
        if st in self.steps:
            return
        if st.predicate in NUMERIC_PREDICATES or not self.holds(st):
            self._node(st, step)
        else:
            self.steps[st] = step
            self.log.append(st)
            if st.predicate in ("cong", "para"):  # made a class by `promote`: keep it so
                self.promote(st)
            if st.predicate == "midp":  # made explicit by fold_midpoints: keep it so
                self.changed()
                self.explicit.setdefault("midp", set()).add(st)
                self.fact_stamp[st] = self.tick
                self.events.append(("dist", "midp", st.args, None, st))

    def promote(self, st: Statement) -> bool:
        """Join the two classes of a `cong` (`para`) that holds only through the ratio (angle)
        table, e.g. from equal ratios over a congruent pair: the table answers `holds`, but the
        length and direction classes, which fold midpoints, drive matching and feed distance
        chasing, would never learn it. The statement becomes a node (justified from the table)
        and then acts as if it had been added. False if its classes were already one."""
        p, q = pairs_of(st.args)
        same = self._len_same if st.predicate == "cong" else self._dir_same
        if same(p, q):
            return False
        self.justify(st)
        self.changed()
        self._adders[st.predicate](st)
        return True

    def changed(self) -> None:
        """Forget what was memoised about the base's structure (a node is being added)."""
        self.version += 1
        self._raw_cache.clear()

    def _node(self, st: Statement, step: ProofStep) -> None:
        self.changed()
        self.steps[st] = step
        self.log.append(st)
        self.fact_stamp[st] = self.tick
        adder = self._adders.get(st.predicate)
        if adder is not None:
            adder(st)
        else:
            self.explicit.setdefault(st.predicate, set()).add(st)
            if st.predicate == "midp":
                self.events.append(("dist", "midp", st.args, None, st))
        for child in unfold(st):
            if child not in self.steps and not self.holds(child):
                self._node(child, ProofStep(child, f"def:{st.predicate}", (st,)))

    def _add_coll(self, st: Statement) -> None:
        obj, _ = self.lines.add(st.args, st)
        self.line_stamp[obj] = self.tick
        self._sync_line(obj)

    def _sync_line(self, obj: int) -> None:
        pts = sorted(self.lines.points(obj))
        rep = (pts[0], pts[1])
        for x, y in combinations(pts, 2):
            if not self.dirs.same((x, y), rep):
                fact = self._structural(S("coll", x, y, *rep))
                self._dir_union((x, y), rep, fact)
        self.events.append(("line", "coll", tuple(pts), None, self._structural(S("coll", *pts))))

    def _add_cyclic(self, st: Statement) -> None:
        obj, _ = self.circles.add(st.args, st)
        self.circle_stamp[obj] = self.tick

    def _add_para(self, st: Statement) -> None:
        p, q = pairs_of(st.args)
        self._dir_union(p, q, st)

    def _dir_union(self, p: Pair, q: Pair, fact: Statement) -> None:
        ra, rb = self.dirs.find(p), self.dirs.find(q)
        if self.dirs.union(p, q, fact):
            live = self.dirs.find(p)
            self.dir_stamp[live] = self.tick
            self.angles.merged(rb if live == ra else ra, live, fact)
            self.events.append(("angle", "para", (p, q), None, fact))

    def _add_perp(self, st: Statement) -> None:
        p, q = pairs_of(st.args)
        self.angles.add_const(st, p, q, HALF)
        self.events.append(("angle", "perp", (p, q), None, st))

    def _add_eqangle(self, st: Statement) -> None:
        pairs = tuple(pairs_of(st.args))
        self.angles.add_equal(st, *pairs)
        self.events.append(("angle", "eqangle", pairs, None, st))

    def _add_eqratio(self, st: Statement) -> None:
        pairs = tuple(pairs_of(st.args))
        self.ratios.add_equal(st, *pairs)
        self.events.append(("ratio", "eqratio", pairs, None, st))

    def _add_aconst(self, st: Statement) -> None:
        p, q = pairs_of(st.args[:4])
        value = Fraction(st.args[4])
        if value == 0:
            self._dir_union(p, q, st)
            return
        self.angles.add_const(st, p, q, value)
        self.events.append(("angle", "aconst", (p, q), value, st))

    def _add_cong(self, st: Statement) -> None:
        p, q = pairs_of(st.args)
        ra, rb = self.lens.find(p), self.lens.find(q)
        if self.lens.union(p, q, st):
            live = self.lens.find(p)
            self.len_stamp[live] = self.tick
            self.ratios.merged(rb if live == ra else ra, live, st)
        self.events.append(("ratio", "cong", (p, q), None, st))
        self.events.append(("dist", "cong", p + q, None, st))

    def _add_rconst(self, st: Statement) -> None:
        p, q = pairs_of(st.args[:4])
        value = Fraction(st.args[4])
        if value == 1:
            self._add_cong(st)
            return
        self.ratios.add_const(st, p, q, value)
        self.events.append(("ratio", "rconst", (p, q), value, st))
        self.events.append(("dist", "rconst", p + q, value, st))

    def line_rep(self, p: Pair) -> Pair:
        """The representative pair of the line through p (its two smallest point names)."""
        obj = self.lines.find(p)
        if obj is None:
            return p
        a, b = sorted(self.lines.points(obj))[:2]
        return (a, b)

    # ------------------------------------------------------------------ truth
    def holds(self, st: Statement) -> bool:
        """Is `st` proved (explicitly or by the structure of the base)?"""
        if st in self.steps:
            return True
        check = self._holds.get(st.predicate)
        if check is None:
            return st in self.explicit.get(st.predicate, ())
        return check(st)

    def numeric_raw(self, predicate: str, args: tuple[str, ...]) -> bool:
        """Numeric truth of `predicate args` as spelled, cached (side conditions repeat a lot)."""
        key = (predicate, args)
        value = self._numeric_cache.get(key)
        if value is None:
            try:
                value = self.numeric(Statement(predicate, args))
            except ValueError:
                value = False
            self._numeric_cache[key] = value
        return value

    def holds_raw(self, predicate: str, args: tuple[str, ...]) -> bool:
        """`holds` for a statement as spelled, skipping canonicalisation where the structure
        does not need it (the matcher's hot path). Memoised until the next node changes the
        base: a DD level asks the same bound premises over and over and adds nothing itself."""
        key = (predicate, args)
        value = self._raw_cache.get(key)
        if value is None:
            fast = self._raw.get(predicate)
            if fast is not None:
                value = fast(args)
            else:
                try:
                    value = self.holds(Statement(predicate, args))
                except ValueError:
                    value = False
            self._raw_cache[key] = value
        return value

    def _raw_pairs(self, args: tuple[str, ...]) -> list[Pair] | None:
        out = []
        for i in range(0, len(args), 2):
            a, b = args[i], args[i + 1]
            if a == b:
                return None
            out.append((a, b) if a < b else (b, a))
        return out

    def _raw_eqangle(self, args: tuple[str, ...]) -> bool:
        ps = self._raw_pairs(args)
        if ps is None or _trivial(ps):
            return False
        p1, p2, p3, p4 = ps
        if self._dir_same(p1, p2) and self._dir_same(p3, p4):
            return True
        if self._dir_same(p1, p3) and self._dir_same(p2, p4):
            return True
        key = self.angles.key
        return self.angles.same(key(p1, p2), key(p3, p4)) or self.angles.same(
            key(p1, p3), key(p2, p4)
        )

    def _raw_eqratio(self, args: tuple[str, ...]) -> bool:
        ps = self._raw_pairs(args)
        if ps is None or _trivial(ps):
            return False
        p1, p2, p3, p4 = ps
        if self._len_same(p1, p2) and self._len_same(p3, p4):
            return True
        if self._len_same(p1, p3) and self._len_same(p2, p4):
            return True
        key = self.ratios.key
        return self.ratios.same(key(p1, p2), key(p3, p4)) or self.ratios.same(
            key(p1, p3), key(p2, p4)
        )

    def _raw_two(self, check: Callable[[Pair, Pair], bool]) -> Callable[[tuple[str, ...]], bool]:
        def fast(args: tuple[str, ...]) -> bool:
            ps = self._raw_pairs(args)
            return ps is not None and ps[0] != ps[1] and check(*ps)

        return fast

    def _dir_same(self, p: Pair, q: Pair) -> bool:
        return p == q or (p in self.dirs and q in self.dirs and self.dirs.same(p, q))

    def _len_same(self, p: Pair, q: Pair) -> bool:
        return p == q or (p in self.lens and q in self.lens and self.lens.same(p, q))

    def _para(self, p: Pair, q: Pair) -> bool:
        """Parallel by a para chain, or by an angle table entry saying the angle is 0."""
        return self._dir_same(p, q) or self.angles.same(self.angles.key(p, q), self.angles.unit)

    def _cong(self, p: Pair, q: Pair) -> bool:
        return self._len_same(p, q) or self.ratios.same(self.ratios.key(p, q), self.ratios.unit)

    def _akey(self, args: tuple[str, ...]) -> tuple:
        p, q = pairs_of(args[:4])
        return self.angles.key(p, q)

    # Angles (directions, mod pi) and ratios (lengths) share one shape of fact: a quotient table
    # over pairs plus a union-find of equal pairs. One check serves both; the registry binds it.
    @staticmethod
    def _holds_equal_quotients(
        st: Statement, same: Callable[[Pair, Pair], bool], table: QuotientTable
    ) -> bool:
        p1, p2, p3, p4 = pairs_of(st.args)
        if same(p1, p2) and same(p3, p4):
            return True
        if same(p1, p3) and same(p2, p4):
            return True
        key = table.key
        return table.same(key(p1, p2), key(p3, p4)) or table.same(key(p1, p3), key(p2, p4))

    @staticmethod
    def _holds_constant_quotient(
        st: Statement, same: Callable[[Pair, Pair], bool], table: QuotientTable, trivial: Fraction
    ) -> bool:
        p, q = pairs_of(st.args[:4])
        value = Fraction(st.args[4])
        if value == trivial and same(p, q):
            return True
        return table.same(table.key(p, q), ("const", value))

    def _holds_midp(self, st: Statement) -> bool:
        if st in self.explicit.get("midp", ()):
            return True
        return all(self.holds(c) for c in unfold(st))

    def _holds_similar(self, st: Statement) -> bool:
        # only as derived (r32..r40): folding angles into simtri here would hide those rules
        return st in self.explicit.get(st.predicate, ())

    # ------------------------------------------------------------------ why
    def justify(self, st: Statement) -> Statement:
        """Make `st` (which must hold) a node, deriving it from older nodes; returns `st`."""
        if st in self.steps:
            return st
        if not self.holds(st):
            raise ValueError(f"cannot justify unproved {st}")
        rule, found = self._why(st)
        premises = tuple(dict.fromkeys(p for p in found if p != st))
        self.steps[st] = ProofStep(st, rule, premises)
        self.log.append(st)
        return st

    def _structural(self, st: Statement) -> Statement:
        return self.justify(st)

    def _dir_chain(self, p: Pair, q: Pair) -> list[Statement]:
        return [] if p == q else list(self.dirs.why(p, q) or [])

    def _len_chain(self, p: Pair, q: Pair) -> list[Statement]:
        return [] if p == q else list(self.lens.why(p, q) or [])

    def _to_roots(self, uf: ProofUnionFind, pairs: Iterable[Pair]) -> list[Statement]:
        out: list[Statement] = []
        for p in pairs:
            if p in uf:
                out += uf.why(p, uf.find(p)) or []
        return out

    def _table_why(
        self, table: QuotientTable, uf: ProofUnionFind, a: Key, b: Key, pairs: list[Pair]
    ) -> list[Statement]:
        path = table.why(a, b) or []
        touched = list(pairs)
        for f in path:
            touched += list(table.pairs.get(f, ()))
        return path + self._to_roots(uf, touched)

    def _why(self, st: Statement) -> tuple[str, list[Statement]]:
        pred, a = st.predicate, st.args
        if pred == "coll":
            return "line", self.lines.why(a) or []
        if pred == "cyclic":
            return "circle", self.circles.why(a) or []
        if pred == "para":
            p, q = pairs_of(a)
            if self._dir_same(p, q):
                return "AR:angle", self._dir_chain(p, q)
            key = self.angles.key(p, q)
            return "AR:angle", self._table_why(
                self.angles, self.dirs, key, self.angles.unit, [p, q]
            )
        if pred == "cong":
            p, q = pairs_of(a)
            if self._len_same(p, q):
                return "AR:ratio", self._len_chain(p, q)
            key = self.ratios.key(p, q)
            return "AR:ratio", self._table_why(
                self.ratios, self.lens, key, self.ratios.unit, [p, q]
            )
        if pred in ("perp", "aconst"):
            p, q = pairs_of(a[:4])
            value = HALF if pred == "perp" else Fraction(a[4])
            if value == 0 and self._dir_same(p, q):
                return "AR:angle", self._dir_chain(p, q)
            key = self.angles.key(p, q)
            return "AR:angle", self._table_why(
                self.angles, self.dirs, key, ("const", value), [p, q]
            )
        if pred == "rconst":
            p, q = pairs_of(a[:4])
            value = Fraction(a[4])
            if value == 1 and self._len_same(p, q):
                return "AR:ratio", self._len_chain(p, q)
            key = self.ratios.key(p, q)
            return "AR:ratio", self._table_why(
                self.ratios, self.lens, key, ("const", value), [p, q]
            )
        if pred in ("eqangle", "eqratio"):
            p1, p2, p3, p4 = pairs_of(a)
            same = self._dir_same if pred == "eqangle" else self._len_same
            chain = self._dir_chain if pred == "eqangle" else self._len_chain
            label = "AR:angle" if pred == "eqangle" else "AR:ratio"
            if same(p1, p2) and same(p3, p4):
                return label, chain(p1, p2) + chain(p3, p4)
            if same(p1, p3) and same(p2, p4):
                return label, chain(p1, p3) + chain(p2, p4)
            table = self.angles if pred == "eqangle" else self.ratios
            uf = self.dirs if pred == "eqangle" else self.lens
            if not table.same(table.key(p1, p2), table.key(p3, p4)):
                p2, p3 = p3, p2
            return label, self._table_why(
                table, uf, table.key(p1, p2), table.key(p3, p4), [p1, p2, p3, p4]
            )
        # midp, circle, eqratio3 hold through their unfolded parts
        return f"def:{pred}", [self.justify(c) for c in unfold(st)]
