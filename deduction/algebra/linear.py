"""Exact sparse linear elimination with provenance: the core of algebraic reasoning (AR).

An equation is `sum(c_i * x_i) = k` over opaque hashable variables, tagged with a premise tag
(any hashable; the engine passes Statements). `LinearSystem` keeps the equations in row echelon
form on sparse dict rows and answers three questions:

- `implies(coeffs, const)`: does the system entail the equation?
- `why(coeffs, const)`: a MINIMAL set of tags that entails it (dropping any tag breaks it);
- `normal_form(coeffs)`: a canonical, hashable residue of a linear form modulo the system. Two
  forms are entailed equal exactly when their normal forms are equal, which lets the chasers
  group candidates by hashing instead of testing them pairwise.

Two number domains, chosen at construction:

- `modular=False` (ratios, distances): coefficients are rationals, the system is a vector space
  over Q. The constant `k` is a sparse vector over *basis constants* (e.g. `{2: 1, 3: -1}` for
  log 2 - log 3): the basis constants are Q-linearly independent reals, so a constant is zero
  only if every component is.
- `modular=True` (angles in units of pi, modulo 1): each equation is a congruence
  `sum(c_i x_i) = k (mod 1)` with INTEGER coefficients and a rational `k`. Dividing a congruence
  is unsound (2x = 1/2 has the two solutions 1/4 and 3/4 mod 1), so only integer combinations
  are allowed: the rows form a lattice kept in echelon (Hermite-like) form, pivots are merged by
  the extended Euclid step rather than division, and constants live in Q/Z (reduced into
  [0, 1)). Over the divisible group Q/Z, `sum(a_i x_i) = t` follows from the system exactly when
  (a, t) is an integer combination of the equations plus an integer, so this is complete as well
  as sound (see `tests/deduction/test_algebra_linear.py` for the 2x = 1/2 pitfall).

Provenance: each row carries its combination of the original equations (`combo`, eq id ->
multiplier), so reducing a target through the rows yields a set of tags that entails it. That
set is minimal but often long: in a closure most equations are redundant, and the echelon form
only sees the independent ones. So `why` (unless the target is one given equation, or its
support has at most two independent equations) grows a subsystem breadth-first from the
target's variables, fewest-variable and oldest equations first, until it entails the target,
and answers from that. A support is accepted as minimal when the spans of its tags' equations
form a direct sum over Q (the target then splits uniquely into one nonzero part per tag, so none
can be dropped; an integer combination is a rational one, so this holds mod 1 too); otherwise it
is minimised by deletion on that small support. Redundant equations cost one reduction and are not
stored as rows. `why(..., upto=n)` uses only the first n equations: an engine that explains a
fact late must not lean on facts derived from it.

Left out: the shortest (minimum-cardinality) `why`. AlphaGeometry approximates it with an LP over
all equations; here `why` is inclusion-minimal (removing any premise breaks the proof, which is
what traceback needs) and short in practice, at no solver's cost.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from deduction.algebra.errors import InconsistentError

logger = logging.getLogger(__name__)

# int in modular systems, Fraction otherwise; the mode is a runtime choice mypy cannot follow.
Number = Any
Const = dict[Hashable, Fraction]
NormalForm = tuple[frozenset[tuple[Hashable, Number]], frozenset[tuple[Hashable, Fraction]]]
Residue = tuple[dict[int, Number], Const]

# The single basis constant of modular systems: "one unit" (pi, for angles in units of pi).
PI = "pi"


class _Row:
    """A row of the echelon form; `coef` is keyed by column index, `combo` by equation id."""

    __slots__ = ("coef", "const", "combo")

    def __init__(self, coef: dict[int, Number], const: Const, combo: dict[int, Number]) -> None:
        self.coef = coef
        self.const = const
        self.combo = combo


def _axpy(x: dict, a: Number, y: Mapping) -> None:
    """x += a * y on sparse dicts, in place, dropping zeros."""
    for k, v in y.items():
        nv = x.get(k, 0) + a * v
        if nv:
            x[k] = nv
        else:
            x.pop(k, None)


def _egcd(a: int, b: int) -> tuple[int, int, int]:
    """(g, u, v) with u*a + v*b = g = gcd(a, b) > 0."""
    u0, v0, u1, v1 = 1, 0, 0, 1
    while b:
        q, r = divmod(a, b)
        a, b = b, r
        u0, u1 = u1, u0 - q * u1
        v0, v1 = v1, v0 - q * v1
    if a < 0:
        return -a, -u0, -v0
    return a, u0, v0


def _rational(value: object, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction | str):
        raise TypeError(f"{what}={value!r} must be an int, Fraction or 'p/q' string")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"{what}={value!r} is not a rational number") from exc


class LinearSystem:
    """An incremental linear system with provenance; see the module docstring."""

    def __init__(self, modular: bool = False) -> None:
        self.modular = modular
        self.version = 0  # bumped whenever the entailed set grows
        self._col: dict[Hashable, int] = {}
        self._var: list[Hashable] = []
        self._rows: dict[int, _Row] = {}
        self._eqs: list[tuple[Hashable, dict[int, Number], Const]] = []
        self._tag_eqs: dict[Hashable, list[int]] = {}
        self._independent: set[int] = set()
        self._col_eqs: dict[int, list[int]] = {}  # column -> ids of the equations using it
        self._exact: dict[tuple, int] = {}  # equation up to sign -> first id stating it
        self._indexed = True  # provenance searches' subsystems skip the two indexes

    # ---- input normalisation -------------------------------------------------------------
    def _coef(self, coeffs: Mapping[Any, object]) -> dict[int, Number]:
        if not isinstance(coeffs, Mapping):
            raise TypeError(f"coeffs={coeffs!r} must be a mapping variable -> coefficient")
        out: dict[int, Number] = {}
        for var, c in coeffs.items():
            value: Number = _rational(c, f"coefficient of {var!r}")
            if self.modular:
                if value.denominator != 1:
                    raise ValueError(
                        f"coefficient of {var!r} is {value}: congruences mod 1 need integers"
                    )
                value = int(value)
            if not value:
                continue
            col = self._col.get(var)
            if col is None:
                # A variable never seen is free; registering it (a column without rows) keeps
                # normal forms of different unknown variables distinct.
                col = self._col[var] = len(self._var)
                self._var.append(var)
            out[col] = out.get(col, 0) + value
        return {k: v for k, v in out.items() if v}

    def _const(self, const: object) -> Const:
        if self.modular:
            if isinstance(const, Mapping):
                raise TypeError(f"const={const!r}: a modular system takes one rational constant")
            value = _rational(const, "const") % 1
            return {PI: value} if value else {}
        if isinstance(const, Mapping):
            out = {k: _rational(v, f"const[{k!r}]") for k, v in const.items()}
            return {k: v for k, v in out.items() if v}
        if const == 0:
            return {}
        raise TypeError(f"const={const!r} must be a mapping basis-constant -> rational (or 0)")

    def _clean(self, const: Const) -> None:
        if self.modular and PI in const:
            value = const[PI] % 1
            if value:
                const[PI] = value
            else:
                del const[PI]

    # ---- elimination ---------------------------------------------------------------------
    def _reduce(
        self, coef: dict[int, Number], const: Const, combo: dict[int, Number] | None
    ) -> None:
        """Reduce in place to the normal form: no pivot column left (Q), or each pivot
        coefficient reduced into [0, pivot) (modular: the lattice's fundamental domain)."""
        rows = self._rows
        # Pivot columns still to visit, smallest first; subtracting a row only touches columns
        # at or after its pivot, so a visited column never changes again.
        heap = [c for c in coef if c in rows]
        heapq.heapify(heap)
        done = -1
        modular = self.modular
        while heap:
            p = heapq.heappop(heap)
            if p <= done:
                continue
            done = p
            a = coef.get(p)
            if not a:
                continue
            row = rows[p]
            q = a // row.coef[p] if modular else a / row.coef[p]
            if not q:
                continue
            for k, v in row.coef.items():
                nv = coef.get(k, 0) - q * v
                if nv:
                    if k not in coef and k in rows:
                        heapq.heappush(heap, k)
                    coef[k] = nv
                else:
                    del coef[k]
            if row.const:
                _axpy(const, -q, row.const)
                if modular:
                    self._clean(const)
            if combo is not None:
                _axpy(combo, -q, row.combo)

    def add(self, coeffs: Mapping[Any, object], const: object, tag: Hashable) -> bool:
        """Add `sum(coeffs[v] * v) = const` (mod 1 if modular) tagged `tag`.

        Returns True if it entails something new, False if redundant. Raises InconsistentError
        (with the tags involved) if it contradicts the system; the system is then unchanged.
        """
        return self._insert(self._coef(coeffs), self._const(const), tag)

    def _insert(self, coef: dict[int, Number], cst: Const, tag: Hashable) -> bool:
        original = (dict(coef), dict(cst))
        eq_id = len(self._eqs)
        combo: dict[int, Number] = {eq_id: 1}
        replaced: list[tuple[int, _Row]] = []
        rows = self._rows
        refined = False
        while coef:
            p = min(coef)
            a = coef[p]
            row = rows.get(p)
            if row is None:
                if self.modular:
                    if a < 0:
                        coef = {k: -v for k, v in coef.items()}
                        cst = {k: -v for k, v in cst.items()}
                        self._clean(cst)
                        combo = {k: -v for k, v in combo.items()}
                else:
                    coef = {k: v / a for k, v in coef.items()}
                    cst = {k: v / a for k, v in cst.items()}
                    combo = {k: v / a for k, v in combo.items()}
                rows[p] = _Row(coef, cst, combo)
                self._record(eq_id, tag, original, independent=not refined)
                return True
            c = row.coef[p]
            if not self.modular or a % c == 0:
                q = a // c if self.modular else a / c
                _axpy(coef, -q, row.coef)
                _axpy(cst, -q, row.const)
                self._clean(cst)
                _axpy(combo, -q, row.combo)
                continue
            # Integer pivots that do not divide: replace the row by the gcd combination and go on
            # with the other unimodular combination, whose pivot coefficient is zero.
            g, u, v = _egcd(c, a)
            new = _Row({}, {}, {})
            for dst, old, mine in (
                (new.coef, row.coef, coef),
                (new.const, row.const, cst),
                (new.combo, row.combo, combo),
            ):
                _axpy(dst, u, old)
                _axpy(dst, v, mine)
            self._clean(new.const)
            rest_c: dict[int, Number] = {}
            rest_k: Const = {}
            rest_m: dict[int, Number] = {}
            for dst, old, mine in (
                (rest_c, row.coef, coef),
                (rest_k, row.const, cst),
                (rest_m, row.combo, combo),
            ):
                _axpy(dst, a // g, old)
                _axpy(dst, -(c // g), mine)
            self._clean(rest_k)
            replaced.append((p, row))
            rows[p] = new
            coef, cst, combo = rest_c, rest_k, rest_m
            refined = True
        if cst:
            for p, saved in reversed(replaced):
                rows[p] = saved
            tags = frozenset(self._eqs[e][0] for e in combo if e != eq_id) | {tag}
            raise InconsistentError(f"equation tagged {tag!r} contradicts {set(tags)!r}", tags)
        if refined:
            self._record(eq_id, tag, original, independent=False)
            return True
        self._record(eq_id, tag, original, independent=None)
        return False

    def _record(
        self,
        eq_id: int,
        tag: Hashable,
        original: tuple[dict[int, Number], Const],
        independent: bool | None,
    ) -> None:
        self._eqs.append((tag, *original))
        if self._indexed:
            self._exact.setdefault(self._key(*original), eq_id)
        self._tag_eqs.setdefault(tag, []).append(eq_id)
        if self._indexed:
            for col in original[0]:
                self._col_eqs.setdefault(col, []).append(eq_id)
        if independent:
            self._independent.add(eq_id)
        if independent is not None:
            self.version += 1

    # ---- queries -------------------------------------------------------------------------
    def _residue(
        self, coeffs: Mapping[Any, object], const: object
    ) -> tuple[dict[int, Number], Const]:
        coef = self._coef(coeffs)
        cst = self._const(const)
        self._reduce(coef, cst, None)
        return coef, cst

    def implies(self, coeffs: Mapping[Any, object], const: object = 0) -> bool:
        coef, cst = self._residue(coeffs, const)
        return not coef and not cst

    def value_of(self, coeffs: Mapping[Any, object]) -> Fraction | Const | None:
        """The constant the system forces for the form, or None if it is not determined.

        Modular: a Fraction in [0, 1). Otherwise: a dict basis-constant -> Fraction.
        """
        coef, cst = self._residue(coeffs, 0)
        if coef:
            return None
        value = {k: -v for k, v in cst.items()}
        self._clean(value)
        if self.modular:
            return value.get(PI, Fraction(0))
        return value

    def normal_form(self, coeffs: Mapping[Any, object], const: object = 0) -> NormalForm:
        """Hashable canonical residue: equal for two forms iff their difference is entailed."""
        coef, cst = self._residue(coeffs, const)
        names = self._var
        return (
            frozenset((names[c], v) for c, v in coef.items()),
            frozenset(cst.items()),
        )

    def residues(self, variables: Iterable[Hashable]) -> dict[Hashable, Residue]:
        """Each variable reduced modulo the system, for `difference_form`."""
        one = 1 if self.modular else Fraction(1)
        out: dict[Hashable, Residue] = {}
        for var in variables:
            col = self._col.get(var)
            if col is None:
                col = self._col[var] = len(self._var)
                self._var.append(var)
            coef: dict[int, Number] = {col: one}
            cst: Const = {}
            self._reduce(coef, cst, None)
            out[var] = (coef, cst)
        return out

    def difference_form(self, plus: Residue, minus: Residue) -> tuple[frozenset, frozenset]:
        """A hashable normal form of v_plus - v_minus from the two residues: equal for two
        differences iff the system entails they are equal. Exact, because each residue differs
        from its variable by an entailed form; cheap, because only the few pivot columns left
        in the residues (modular: coefficients short of a multiple of their pivot) need work."""
        coef = dict(plus[0])
        _axpy(coef, -1, minus[0])
        cst = dict(plus[1])
        if minus[1]:
            _axpy(cst, -1, minus[1])
            self._clean(cst)
        self._reduce(coef, cst, None)
        return frozenset(coef.items()), frozenset(cst.items())

    def why(
        self, coeffs: Mapping[Any, object], const: object = 0, upto: int | None = None
    ) -> frozenset | None:
        """A minimal set of tags entailing the equation, or None if it is not entailed.

        `upto` restricts the search to the first `upto` equations added (`len(system)` at the
        time a fact was derived), so a why computed late never leans on facts that were
        themselves derived from the fact being explained.
        """
        coef = self._coef(coeffs)
        cst = self._const(const)
        if upto is not None and not 0 <= upto <= len(self._eqs):
            raise ValueError(f"{upto=} must be between 0 and {len(self._eqs)}")
        first = self._exact.get(self._key(coef, cst))
        if first is not None and (upto is None or first < upto):
            return frozenset({self._eqs[first][0]})  # one given equation states it outright
        if upto is not None and upto < len(self._eqs):
            return self._why_local(coef, cst, upto)
        residue: tuple = (dict(coef), dict(cst), {})
        self._reduce(*residue)
        if residue[0] or residue[1]:
            return None
        if len(residue[2]) <= 2:
            tags, minimal = self._certify(residue[2])
            if minimal:
                return tags
        return self._why_local(coef, cst, len(self._eqs))

    def _key(self, coef: Mapping[int, Number], cst: Const) -> tuple:
        """The same equation up to sign, for the exact-match shortcut."""
        neg_c = {k: -v for k, v in coef.items()}
        neg_k = {k: -v for k, v in cst.items()}
        self._clean(neg_k)
        one = (frozenset(coef.items()), frozenset(cst.items()))
        two = (frozenset(neg_c.items()), frozenset(neg_k.items()))
        return min(one, two, key=hash)

    def _certify(self, combo: Mapping[int, Number]) -> tuple[frozenset, bool]:
        """The tags a derivation really uses, and whether that set is provably minimal.

        A tag whose equations cancel out in the combination is not used. The rest is minimal
        when the spans of the tags' equations form a direct sum (the sum of their ranks is the
        rank of all of them together): the target then splits uniquely into one nonzero part
        per tag, so no tag can be dropped. Ranks are over Q, which is sound mod 1 as well (an
        integer combination is a rational one). Single independent equations skip the check.
        """
        parts: dict[Hashable, dict[int, Number]] = {}
        for e, m in combo.items():
            tag, c, _ = self._eqs[e]
            _axpy(parts.setdefault(tag, {}), m, c)
        tags = [t for t, part in parts.items() if part]
        owned = [self._tag_eqs[t] for t in tags]
        if all(len(ids) == 1 and ids[0] in self._independent for ids in owned):
            return frozenset(tags), True
        together = LinearSystem(modular=False)
        together._indexed = False
        ranks = 0
        for ids in owned:
            if len(ids) == 1:
                ranks += 1  # one equation with a nonzero part: rank 1
                vector = {c: Fraction(v) for c, v in self._eqs[ids[0]][1].items()}
                together._insert(vector, {}, ids[0])
                continue
            alone = LinearSystem(modular=False)
            alone._indexed = False
            for e in ids:
                vector = {c: Fraction(v) for c, v in self._eqs[e][1].items()}
                ranks += alone._insert(dict(vector), {}, e)
                together._insert(vector, {}, e)
        return frozenset(tags), together.rank == ranks

    def _why_local(self, coef: dict[int, Number], cst: Const, upto: int) -> frozenset | None:
        """Grow a subsystem from the target until it entails the target, then take its why.

        Candidates are the equations touching a column of the target's current residue in the
        subsystem (any derivation must cancel those columns); the next one in brings the fewest
        variables not yet reached, then has the fewest variables, then is the oldest. If the
        candidates run out, every equation touching a reached column is offered, so the search
        is complete. The support found through the whole echelon form is minimal but often
        long: in a closure most equations are redundant, and a short derivation usually lives
        near the target.
        """
        sub = self._sub()
        eqs, col_eqs, tag_eqs = self._eqs, self._col_eqs, self._tag_eqs
        added: set[int] = set()
        reached = set(coef)
        offered: set[int] = set()
        heap: list[tuple[int, int, int]] = []

        def offer(cols: Iterable[int]) -> None:
            for col in cols:
                if col in offered:
                    continue
                offered.add(col)
                for e in col_eqs.get(col, ()):
                    if e < upto and e not in added:
                        c = eqs[e][1]
                        heapq.heappush(heap, (sum(x not in reached for x in c), len(c), e))

        offer(coef)
        while True:
            if not heap:
                offer(reached - offered)
                if not heap:
                    return None  # not entailed by the first `upto` equations
            fresh, size, e = heapq.heappop(heap)
            if e in added:
                continue
            now = sum(x not in reached for x in eqs[e][1])
            if now != fresh:  # stale key: more of its variables were reached since
                heapq.heappush(heap, (now, size, e))
                continue
            tag = eqs[e][0]
            changed = False
            for f in tag_eqs[tag]:  # a tag comes with all its equations
                if f >= upto or f in added:
                    continue
                added.add(f)
                _, c, k = eqs[f]
                changed |= sub._insert(dict(c), dict(k), tag)
                reached.update(c)
            if not changed:
                continue
            residue: tuple = (dict(coef), dict(cst), {})
            sub._reduce(*residue)
            if not residue[0] and not residue[1]:
                return sub._why_found(residue[2], coef, cst)
            offer(residue[0])

    def _why_found(
        self, combo: dict[int, Number], coef: dict[int, Number], cst: Const
    ) -> frozenset:
        tags, minimal = self._certify(combo)
        if minimal:
            return tags
        return self._minimise(set(tags), coef, cst)

    def _minimise(self, tags: set, coef: dict[int, Number], cst: Const) -> frozenset:
        """Deletion: drop each tag (latest first) whose equations are not needed."""

        def latest(tag: Hashable) -> int:
            return max(self._tag_eqs[tag])

        keep = sorted(tags, key=latest, reverse=True)
        for tag in list(keep):
            trial = [t for t in keep if t != tag]
            sub = self._sub()
            for e in sorted(e for t in trial for e in self._tag_eqs[t]):
                t, c, k = self._eqs[e]
                sub._insert(dict(c), dict(k), t)
            residue: tuple = (dict(coef), dict(cst), {})
            sub._reduce(*residue)
            if not residue[0] and not residue[1]:
                keep = trial
        return frozenset(keep)

    def _sub(self) -> LinearSystem:
        """An empty system sharing this one's columns, for provenance searches."""
        sub = LinearSystem(self.modular)
        sub._col, sub._var = self._col, self._var
        sub._indexed = False
        return sub

    # ---- introspection -------------------------------------------------------------------
    @property
    def rank(self) -> int:
        return len(self._rows)

    def __len__(self) -> int:
        return len(self._eqs)

    def tags(self) -> list[Hashable]:
        return list(self._tag_eqs)
