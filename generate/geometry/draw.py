"""Draw one geometry record: `python -m generate.geometry.draw RUN_DIR ID --out fig.png`.

A generated theorem is checked faster by eye than by reading coordinates, so this draws the
figure of one record, found by its id (or a unique prefix of it) in the shards of a run.

The objects come from the premise statements of `problem_with_aux` (`SHAPES` maps a predicate
to the objects it names) and are drawn in light grey:

- `coll`: the segment spanning the collinear points; `cyclic`: the circle through them;
  `circle o a b c`, a construction whose sketch is a circle (`on_circle`, `intersection_lc`,
  ...) and a clause making one point equidistant from three (`circle`, `incenter2`, ...): the
  circle centred there;
- the segments that para/perp/cong/eqangle/eqratio/aconst/rconst/simtri statements name, and
  the sides of constructions that only introduce points (triangle, quadrangle, ...), which no
  statement names;
- every point as a dot with its upper-case label; the auxiliary points (those `aux_clauses`
  introduce) as orange diamonds, and the objects of their clauses dashed orange;
- the goal in red: its segments, its circle (cyclic), its lines across the view
  (coll/para/perp), and its points ringed.

Scope: coordinates are drawn as stored, never recomputed. Angles are not marked (an eqangle goal
shows its four lines). A point further than `FAR` median spreads from the figure's centre is
left outside the view and shown by an arrow at its edge, so that one distant intersection does
not shrink the rest of the figure to a dot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from deduction import (
    CONSTRUCTIONS,
    Clause,
    DeductionError,
    Statement,
    parse_problem,
    premise_statements,
)
from generate.errors import GenerateError
from generate.geometry.lookup import coordinates, find_record

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_record", "main", "make_figure"]

FAR = 5.0  # points further than this many median spreads from the centre are off view
PREMISE, AUX, GOAL = "#b0b0b0", "#e07b00", "#d62728"
# role -> (colour, line width, line style, z-order), in drawing order
STYLES = {
    "premise": (PREMISE, 1.0, "-", 1.0),
    "aux": (AUX, 1.1, "--", 1.5),
    "goal": (GOAL, 2.2, "-", 3.0),
}


@dataclass(frozen=True, slots=True)
class Shape:
    """One object of the figure by point names; coordinates are looked up when drawing."""

    kind: str  # "segment" (its two ends), "line" (points on it) or "circle" (points on it)
    points: tuple[str, ...]
    centre: str = ""  # a circle's centre; without one, the circle through `points`
    extend: bool = False  # a line drawn across the whole view (the goal's lines)


def _pairs(args: tuple[str, ...]) -> list[Shape]:
    ends = zip(args[::2], args[1::2], strict=False)
    return [Shape("segment", (a, b)) for a, b in ends if a != b]


def _triangles(args: tuple[str, ...]) -> list[Shape]:
    a, b, c, p, q, r = args
    return _pairs((a, b, b, c, c, a, p, q, q, r, r, p))


def _nothing(args: tuple[str, ...]) -> list[Shape]:
    return []  # side conditions: ncoll, diff, sameside, ...


# predicate -> the objects a statement names; a predicate missing here names none
SHAPES: dict[str, Callable[[tuple[str, ...]], list[Shape]]] = {
    **dict.fromkeys(("para", "perp", "cong", "eqangle", "eqratio"), _pairs),
    **dict.fromkeys(("simtri", "simtri2", "contri", "contri2"), _triangles),
    "aconst": lambda a: _pairs(a[:4]),  # the value is the fifth argument
    "rconst": lambda a: _pairs(a[:4]),
    "coll": lambda a: [Shape("line", a)],
    "midp": lambda a: [Shape("line", (a[1], a[0], a[2]))],
    # eqratio3 a b c d m n: m on ac, n on bd
    "eqratio3": lambda a: [Shape("line", (a[0], a[4], a[2])), Shape("line", (a[1], a[5], a[3]))],
    "cyclic": lambda a: [Shape("circle", a)],
    "circle": lambda a: [Shape("circle", a[1:], centre=a[0])],
}
GOAL_LINES = frozenset({"coll", "para", "perp"})


def _clause_shapes(clause: Clause, statements: list[Statement]) -> list[Shape]:
    """The objects of one clause: its statements', its centred circles, its polygon's sides."""
    shapes = [s for st in statements for s in SHAPES.get(st.predicate, _nothing)(st.args)]
    around: dict[str, set[str]] = {}
    for st in statements:
        if st.predicate == "cong" and len(set(st.args)) == 3:  # cong o a o b
            (o,) = set(st.args[:2]) & set(st.args[2:])
            around.setdefault(o, set()).update(set(st.args) - {o})
    # a point equidistant from three (circumcentre, incentre, nine-point centre) centres a
    # circle; two are not enough, or every midpoint would get one
    shapes += [Shape("circle", tuple(sorted(on)), o) for o, on in around.items() if len(on) > 2]
    for call in clause.constructions:
        cdef = CONSTRUCTIONS[call.name]
        names = dict(zip(cdef.args, call.args, strict=True))
        if len(call.args) > 1 and set(cdef.points) == set(cdef.args):
            ring = call.args + call.args[:1] if len(call.args) > 2 else call.args
            shapes += [Shape("segment", (p, q)) for p, q in zip(ring, ring[1:], strict=False)]
        for step in cdef.sketch:
            if step.name == "circle" and len(step.args) == 3:
                # `circle c p q` is centred on c with radius |pq| and passes the new point
                centre, p, q = (names.get(a, a) for a in step.args)
                on = q if centre == p else names[cdef.points[0]]
                shapes.append(Shape("circle", (on,), centre))
    return shapes


@dataclass(frozen=True, slots=True)
class Scene:
    """What one record's figure shows, before any drawing."""

    coords: dict[str, tuple[float, float]]
    aux: frozenset[str]
    shapes: list[tuple[Shape, str]]  # (shape, role), the roles of STYLES
    goal_points: tuple[str, ...]
    title: str
    record_id: str


def scene(record: dict[str, Any]) -> Scene:
    """The objects to draw for a record; ValueError if it lacks what a figure needs."""
    record_id = str(record.get("id", ""))
    text = record.get("problem_with_aux") or record.get("problem")
    if not text:
        raise ValueError(f"record {record_id!r} has no problem_with_aux")
    problem = parse_problem(text, name=record_id)
    coords = coordinates(record.get("coordinates"))
    missing = [p for p in problem.points if p not in coords]
    if missing:
        raise ValueError(f"record {record_id!r} has no coordinates for {' '.join(missing)}")
    aux = frozenset(p for c in record.get("aux_clauses") or [] for p in _introduced(c))
    by_clause: dict[Clause, list[Statement]] = {c: [] for c in problem.clauses}
    for statement, clause in premise_statements(problem):
        by_clause[clause].append(statement)
    shapes: list[tuple[Shape, str]] = []
    for clause, statements in by_clause.items():
        role = "aux" if aux & set(clause.points) else "premise"
        shapes += [(s, role) for s in _clause_shapes(clause, statements)]
    goal_points: tuple[str, ...] = ()
    if (goal := problem.goal) is not None:
        for shape in SHAPES.get(goal.predicate, _nothing)(goal.args):
            if goal.predicate in GOAL_LINES:
                shape = Shape("line", shape.points, extend=True)
            shapes.append((shape, "goal"))
        goal_points = tuple(dict.fromkeys(a for a in goal.args if a in coords))
    goal_text = str(record.get("goal") or goal or "")
    title = " ".join(w.upper() if w in coords else w for w in goal_text.split())
    return Scene(coords, aux, shapes, goal_points, title, record_id)


def _introduced(clause_text: str) -> list[str]:
    """The points left of '=' in `e f = ...`, without a pinned position (`e@1.0_2.0`)."""
    return [token.partition("@")[0] for token in clause_text.partition("=")[0].split()]


# ---------------------------------------------------------------- geometry and drawing

Geometry = tuple[Any, ...]  # ("segment"|"line", (x, y), (x, y)) or ("circle", (x, y), r)


def _geometry(shape: Shape, xy: dict[str, np.ndarray]) -> Geometry | None:
    """Where a shape lies, rounded so that an object named twice is drawn once; None if it is
    degenerate (a circle through collinear points, a line through one point)."""
    pts = [xy[p] for p in dict.fromkeys(shape.points)]
    if shape.kind == "circle":
        if shape.centre:
            c = xy[shape.centre]
            r = max((float(np.linalg.norm(p - c)) for p in pts), default=0.0)
        elif (found := _circumcircle(pts)) is not None:
            c, r = found
        else:
            return None
        return ("circle", _round(c), round(r, 9)) if r > 1e-9 else None
    # the two points furthest apart span the line: every other one lies between them
    pairs = [(p, q) for i, p in enumerate(pts) for q in pts[i + 1 :]]
    lengths = [float(np.linalg.norm(p - q)) for p, q in pairs]
    if max(lengths, default=0.0) < 1e-9:
        return None
    p, q = pairs[int(np.argmax(lengths))]
    return ("line" if shape.extend else "segment", *sorted((_round(p), _round(q))))


def _circumcircle(pts: list[np.ndarray]) -> tuple[np.ndarray, float] | None:
    # the centre u solves 2(b - a).u = |b|^2 - |a|^2 and 2(c - a).u = |c|^2 - |a|^2
    for c in pts[2:]:
        a, b = pts[0], pts[1]
        m = 2 * np.array([b - a, c - a])
        if abs(np.linalg.det(m)) > 1e-12:
            u = np.linalg.solve(m, [b @ b - a @ a, c @ c - a @ a])
            return u, float(np.linalg.norm(a - u))
    return None


def _round(p: np.ndarray) -> tuple[float, float]:
    return (round(float(p[0]), 9), round(float(p[1]), 9))


def _view(xy: dict[str, np.ndarray], circles: Iterable[Geometry]) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left and upper-right corners: the points near the centre, then the circles of
    about the figure's size (a huge circle is nearly a line and is clipped instead), padded;
    a side beyond which points lie gets room for their arrows."""
    pts = np.array(list(xy.values()), dtype=float)
    dist = np.linalg.norm(pts - np.median(pts, axis=0), axis=1)
    spread = float(np.median(dist)) or float(dist.max()) or 1.0
    near = dist <= FAR * spread
    lo, hi = pts[near].min(axis=0), pts[near].max(axis=0)
    size = float(max(hi - lo)) or 1.0
    for _, centre, r in circles:
        c = np.array(centre)
        if r <= size and (c - r >= lo - size / 2).all() and (c + r <= hi + size / 2).all():
            lo, hi = np.minimum(lo, c - r), np.maximum(hi, c + r)
    pad = 0.08 * float(max(hi - lo)) or 1.0
    far = pts[~near]
    room_lo = pad + 0.12 * size * (far < lo).any(axis=0)
    room_hi = pad + 0.12 * size * (far > hi).any(axis=0)
    return lo - room_lo, hi + room_hi


def make_figure(record: dict[str, Any]) -> Figure:
    """The record's figure, not yet saved.

    A bare `Figure` rather than pyplot: it never opens a window nor changes the process-wide
    backend (the caller may be a notebook), renders PNG with Agg, and is freed when dropped.
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle
    except ImportError:
        raise ImportError("drawing needs matplotlib: pip install 'proofloom[draw]'") from None
    sc = scene(record)
    xy = {p: np.array(v, dtype=float) for p, v in sc.coords.items()}
    drawn: dict[Geometry, str] = {}
    for role in STYLES:  # premise first: an object an aux clause names again stays solid
        for shape, r in sc.shapes:
            geometry = _geometry(shape, xy) if r == role else None
            if geometry is not None and (role == "goal" or geometry not in drawn):
                drawn[geometry] = role
    lo, hi = _view(xy, (g for g in drawn if g[0] == "circle"))
    width, height = hi - lo
    fig = Figure(figsize=(6.0, 6.0 * min(max(height / width, 0.6), 1.4)))
    ax = fig.add_subplot()
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal", adjustable="box")  # keep the limits: off-view points use them
    ax.set_axis_off()
    for geometry, role in sorted(drawn.items(), key=lambda gr: STYLES[gr[1]][3]):
        colour, lw, ls, z = STYLES[role]
        kind, *where = geometry
        if kind == "circle":
            ax.add_patch(Circle(where[0], where[1], fill=False, ec=colour, lw=lw, ls=ls, zorder=z))
        elif kind == "line":
            ax.axline(where[0], where[1], color=colour, lw=lw, ls=ls, zorder=z)
        else:
            ax.plot(*zip(*where, strict=True), color=colour, lw=lw, ls=ls, zorder=z)
    _draw_points(ax, sc, xy, lo, hi)
    ax.set_title(sc.title, fontsize=11)
    ax.set_title(sc.record_id[:8], loc="right", fontsize=7, color="grey")
    legend = [Line2D([], [], color=GOAL, lw=2.2, label="goal")]
    if sc.aux:
        legend.append(Line2D([], [], color=AUX, ls="--", marker="D", ms=5, label="auxiliary"))
    ax.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=len(legend),
        fontsize=8,
        frameon=False,
    )
    return fig


def _draw_points(
    ax: Axes, sc: Scene, xy: dict[str, np.ndarray], lo: np.ndarray, hi: np.ndarray
) -> None:
    """Dots and labels. A label sits on the side away from the figure's centre; a point outside
    the view is an arrow at the edge towards it, with its label."""
    inside = {p: bool((v >= lo).all() and (v <= hi).all()) for p, v in xy.items()}
    centre = np.mean([v for p, v in xy.items() if inside[p]] or list(xy.values()), axis=0)
    for name, v in xy.items():
        colour = AUX if name in sc.aux else "black"
        away = v - centre
        norm = float(np.linalg.norm(away))
        away = away / norm if norm > 1e-9 else np.array([0.6, 0.8])
        text: dict[str, Any] = dict(ha="center", va="center", color=colour, gid=f"label-{name}")
        if not inside[name]:
            edge = tuple(np.clip(v, lo, hi))
            arrow = {"arrowstyle": "->", "color": colour}
            text.update(textcoords="offset points", arrowprops=arrow)
            ax.annotate(name.upper(), edge, tuple(-24 * away), **text)
            continue
        marker, size = ("D", 5.5) if name in sc.aux else ("o", 4.5)
        ax.plot(*v, marker=marker, ms=size, color=colour, zorder=4, gid=f"point-{name}")
        if name in sc.goal_points:
            ax.plot(*v, marker="o", ms=11, mfc="none", mec=GOAL, mew=1.5, zorder=4)
        gap = 12 if name in sc.goal_points else 9  # clear of the goal ring
        ax.annotate(name.upper(), tuple(v), tuple(gap * away), textcoords="offset points", **text)


def figure_format(out: str | Path) -> str:
    """'png' or 'svg', from the file name; ValueError for any other suffix."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"cannot draw into {str(out)!r}: the figure must end in .png or .svg")
    return suffix[1:]


def draw_record(record: dict[str, Any], out: str | Path) -> Path:
    """Draw one record into `out` (.png or .svg; folders created) and return the path. The SVG
    keeps its labels as text (searchable, smaller) and has the same bytes on every run."""
    out = Path(out)
    fmt = figure_format(out)
    fig = make_figure(record)
    from matplotlib import rc_context  # importable: make_figure imported matplotlib

    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if fmt == "svg" else {}
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "proofloom"}):
        fig.savefig(out, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
    return out


# ---------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generate.geometry.draw",
        description="Draw the figure of one record of a geometry run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("run_dir", type=Path, help="a run directory of python -m generate.geometry")
    parser.add_argument("id", help="a record id, or a unique prefix of one")
    # '%(default).0s' prints nothing; it only stops the formatter adding "(default: None)"
    where = "the figure, .png or .svg (default: RUN_DIR/figures/ID.png)%(default).0s"
    parser.add_argument("--out", type=Path, help=where)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.out is not None:
            figure_format(args.out)  # before reading any shard
        record = find_record(args.run_dir, args.id)
        out = draw_record(record, args.out or args.run_dir / "figures" / f"{record['id']}.png")
    except (GenerateError, DeductionError, ValueError, ImportError, OSError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the exception holds
        print(f"python -m generate.geometry.draw: error: {message}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
