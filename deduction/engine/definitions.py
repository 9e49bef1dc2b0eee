"""What a compound fact means: `unfold` gives the definitional consequences of midp, circle,
eqratio3 and the triangle facts (each becomes a "def:<pred>" step in a proof)."""

from __future__ import annotations

from deduction.types import Statement


def S(pred: str, *args: str) -> Statement:  # noqa: N802 - reads like the statement it builds
    return Statement(pred, tuple(args))


def unfold(st: Statement) -> list[Statement]:
    """Definitional consequences of a compound fact (its "def:<pred>" children)."""
    a = st.args
    if st.predicate == "midp":
        m, x, y = a
        return [S("coll", m, x, y), S("cong", m, x, m, y)]
    if st.predicate == "circle":
        o, x, y, z = a
        return [S("cong", o, x, o, y), S("cong", o, x, o, z)]
    if st.predicate == "eqratio3":
        x, y, z, w, o, _ = a
        return [S("eqratio", o, x, o, z, o, y, o, w), S("eqratio", o, x, o, z, x, y, z, w)]
    if st.predicate in ("simtri", "simtri2", "contri", "contri2"):
        x, y, z, p, q, r = a
        if st.predicate in ("simtri", "contri"):
            out = [
                S("eqangle", y, x, y, z, q, p, q, r),
                S("eqangle", z, x, z, y, r, p, r, q),
                S("eqangle", x, y, x, z, p, q, p, r),
            ]
        else:
            out = [
                S("eqangle", y, x, y, z, q, r, q, p),
                S("eqangle", z, x, z, y, r, q, r, p),
                S("eqangle", x, y, x, z, p, r, p, q),
            ]
        if st.predicate.startswith("contri"):
            out += [S("cong", x, y, p, q), S("cong", y, z, q, r), S("cong", x, z, p, r)]
        else:
            out += [S("eqratio", x, y, x, z, p, q, p, r), S("eqratio", y, x, y, z, q, p, q, r)]
        return out
    return []
