"""Run AlphaGeometry2's released DDAR on one problem written in AlphaGeometry syntax.

    /work/peers/ag2-venv/bin/python benchmarks/_ag2_driver.py --ag1 DIR --ag2 DIR < problem.json

Not part of our packages and never imported by them: it runs in the peer's own venv (numpy and
absl-py; AG1's matplotlib and scipy imports are stubbed, see `_stub_unused_imports`), beside
checkouts of google-deepmind/alphageometry (AG1, `--ag1`) and google-deepmind/alphageometry2 (AG2,
`--ag2`). `benchmarks/ddar_peers.py` starts one process of it per problem, killed at the limit.

AG2's DDAR reads a problem as points with coordinates plus low-level predicates (`coll`, `cong`,
`perp`, `eqangle`, `rconst`, ...), not as constructions. So the problem goes through AG1's own
sampler first: `graph.Graph.add_clause` draws each clause with AG1's numericals (retrying a clause
set whose draw fails or whose goal is numerically false — AG1's `numericals.check`, or ours for
`rconst`/`cong` — as `Graph.build_problem` does, but at most `--tries` times), and each
construction is expanded into the predicates its AG1 definition (`defs.txt`, the same file as our
`deduction/data/defs.txt`) lists as its basics. Two basics are
rewritten into AG2's forms: `rconst a b c d 1 2` becomes `rconst a b c d 1/2`, and AG1's
`s_angle a b x y` (angle a b x = y degrees) becomes `aconst b x a b Y` with Y the directed angle
read off the drawn figure (y or 180 - y). Goals AG2 has no predicate for are split into ones it has:
`midp m a b` into `coll m a b` and `cong m a m b`; `contri` into three `cong`; `simtri` and
`simtri2` into two `eqratio` (the side ratios, which fix the triangle up to reflection); `contri2`
as `contri`; `circle o a b c` into `cong`s; our `aconst a b c d r` (r times pi) into AG2's
`aconst a b c d Y` in degrees, its sign read off the drawn figure. Any other goal AG2 lacks
(`eqratio3`, ...) is an `error`.

Input (stdin): `{"name": ..., "text": "clauses ? goal", "seed": 0, "explain": false, "points":
{name: [x, y]}}`; `points` (optional: ours, from `deduction.realise` or a record's coordinates) is
used only where AG1 cannot draw the problem, and `sampler` in the output says which was used.
Output (stdout, last line): one JSON object with `status` (solved, unsolved or error), `reason`,
`sample_s`, `ddar_s`, `pstring` (AG2's input) and, with `explain`, `explain`: where in AG2's
closure the goal first held — `premises` (the premises' linear algebra alone), or the loop
round and phase (`similar`, `concyclic`, `circles`, `merge`, `dist_add_mul`, `dist_arc_mul`),
and for `similar` / `concyclic` the triangle pair or point set whose forcing made it hold.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import time
import traceback
import types
from contextlib import redirect_stdout
from fractions import Fraction

AG1_MODULES = ("geometry", "graph", "graph_utils", "numericals", "problem", "pretty", "ar", "dd")


def _ag1_sample(
    ag1: str, text: str, seed: int, tries: int, given: dict | None
) -> tuple[dict, list[str], str]:
    """Draw `text`'s clauses with AG1's sampler: (point -> (x, y), AG2 premise strings, "ag1").
    Where AG1 cannot draw them (a construction it has no sketch for, such as `on_aline2`, or no
    valid draw in `tries`), the `given` coordinates (ours) are used instead: sampler "given"."""
    sys.path.insert(0, ag1)
    _stub_unused_imports()
    import graph as gh
    import numericals as nm
    import numpy as np
    import problem as pr

    defs = pr.Definition.from_txt_file(f"{ag1}/defs.txt", to_dict=True)
    clauses_txt = text.split(" ? ")[0].strip()
    goal = text.split(" ? ")[1].split() if " ? " in text else None
    np.random.seed(seed)
    random.seed(seed)
    last_error = "no draw"
    for _ in range(tries):
        problem = pr.Problem.from_txt(clauses_txt, translate=False)
        g = gh.Graph()
        plevel = 0
        try:
            for clause in problem.clauses:
                _, plevel = g.add_clause(clause, plevel, defs, verbose=False)
        except (
            nm.InvalidLineIntersectError,
            nm.InvalidQuadSolveError,
            gh.DepCheckFailError,
            gh.PointTooCloseError,
            gh.PointTooFarError,
        ) as exc:
            last_error = type(exc).__name__
            continue
        except KeyError as exc:  # numericals has no sketch_<name> for this construction
            last_error = f"AG1 cannot draw {exc}"
            break
        points = {p.name: (float(p.num.x), float(p.num.y)) for p in g.all_points()}
        if goal and goal[0] not in ("rconst", "aconst", "cong"):
            # AG1's own numeric check of the goal, as its Graph.build_problem does
            args = [g.get(x, lambda x=x: int(x)) for x in goal[1:]]
            try:
                holds = nm.check(goal[0], args)
            except (TypeError, ValueError):  # some AG1 checks fail on some figures: no verdict
                holds = None
            if holds is False:
                last_error = "goal false on the drawn figure"
                continue
        if goal and not _goal_holds(goal, points):
            last_error = "goal false on the drawn figure"
            continue
        return points, _premises(problem, defs, points), "ag1"
    if given:
        problem = pr.Problem.from_txt(clauses_txt, translate=False)
        names = [p for clause in problem.clauses for p in clause.points]
        points = {p: tuple(given[p]) for p in names}
        return points, _premises(problem, defs, points), f"given ({last_error})"
    raise RuntimeError(f"AG1 sampler: {last_error} ({tries} tries)")


def _stub_unused_imports() -> None:
    """AG1's sampler needs neither its drawing (matplotlib) nor its AR (scipy), which its modules
    import at the top; stand-ins save their import (seconds on a loaded machine) and any use of
    them fails loudly."""

    class Unused(types.ModuleType):
        def __getattr__(self, attr: str):
            if attr.startswith("__"):
                raise AttributeError(attr)
            raise RuntimeError(f"{self.__name__}.{attr} is stubbed out by _ag2_driver")

    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.colors", "scipy", "scipy.optimize"):
        sys.modules.setdefault(name, Unused(name))
    mpl, scipy = sys.modules["matplotlib"], sys.modules["scipy"]
    mpl.use = lambda *a, **k: None
    mpl.pyplot, mpl.colors = sys.modules["matplotlib.pyplot"], sys.modules["matplotlib.colors"]
    scipy.optimize = sys.modules["scipy.optimize"]


def _premises(problem, defs, points: dict) -> list[str]:
    out = []
    for clause in problem.clauses:
        for c in clause.constructions:
            cdef = defs[c.name]
            mapping = dict(zip(cdef.construction.args, c.args, strict=True))
            for _, basics in cdef.basics:
                for b in basics:
                    args = [mapping.get(a, a) for a in b.args]
                    if b.name == "rconst":
                        *pts, num, den = args
                        out.append(f"rconst {' '.join(pts)} {Fraction(int(num), int(den))}")
                    elif b.name == "s_angle":
                        a, bb, x, _ = args
                        deg = _direction(points, bb, x) - _direction(points, a, bb)
                        out.append(f"aconst {bb} {x} {a} {bb} {round(deg % 180) % 180}")
                    else:
                        out.append(" ".join([b.name, *args]))
    return out


def _direction(points: dict, a: str, b: str) -> float:
    (ax, ay), (bx, by) = points[a], points[b]
    return math.degrees(math.atan2(by - ay, bx - ax))


def _dist(points: dict, a: str, b: str) -> float:
    (ax, ay), (bx, by) = points[a], points[b]
    return math.hypot(bx - ax, by - ay)


def _goal_holds(goal: list[str], points: dict) -> bool:
    """Our numeric check of the goals AG1's `numericals.check` does not know (rconst with a
    fraction) or we want exact (cong); the others are checked by AG1 in `_ag1_sample`."""
    name, *args = goal
    if name == "rconst":
        a, b, c, d, r = args
        return math.isclose(_dist(points, a, b) / _dist(points, c, d), float(Fraction(r)))
    if name == "cong":
        a, b, c, d = args
        return math.isclose(_dist(points, a, b), _dist(points, c, d), rel_tol=1e-6)
    return True


def ag2_goals(goal: list[str], points: dict) -> list[str]:
    name, *a = goal
    if name == "aconst":  # ours: the angle from line ab to line cd is r*pi; AG2: degrees
        p, q, r, s, frac = a
        deg = (_direction(points, p, q) - _direction(points, r, s)) % 180
        for want in (Fraction(frac) * 180 % 180, -Fraction(frac) * 180 % 180):
            if abs((deg - float(want) + 90) % 180 - 90) < 1e-4:
                return [f"aconst {p} {q} {r} {s} {want}"]
        raise ValueError(f"aconst goal false on the drawn figure ({deg} degrees)")
    if name == "midp":
        m, x, y = a
        return [f"coll {m} {x} {y}", f"cong {m} {x} {m} {y}"]
    if name == "contri":
        x, y, z, p, q, r = a
        return [f"cong {x} {y} {p} {q}", f"cong {y} {z} {q} {r}", f"cong {z} {x} {r} {p}"]
    if name in ("contri2",):
        return ag2_goals(["contri", *a], points)
    if name == "circle":
        o, x, *rest = a
        return [f"cong {o} {x} {o} {y}" for y in rest]
    if name in ("simtri", "simtri2"):
        x, y, z, p, q, r = a
        return [
            f"eqratio {x} {y} {p} {q} {y} {z} {q} {r}",
            f"eqratio {x} {y} {p} {q} {z} {x} {r} {p}",
        ]
    return [" ".join(goal)]


def _swap_to_ag2(ag1: str, ag2: str) -> None:
    """AG1 and AG2 both have top-level `numericals` and `ddar`; drop AG1's before importing AG2."""
    for mod in AG1_MODULES + ("ddar",):
        sys.modules.pop(mod, None)
    sys.path.remove(ag1)
    sys.path.insert(0, ag2)


PHASES = (
    ("similar", "search_similar"),
    ("concyclic", "search_concyclic"),
    ("circles", "search_circles"),
    ("merge", "merge_points"),
    ("dist_add_mul", "transfer_dist_add_mul"),
    ("dist_arc_mul", "transfer_dist_arc_mul"),
)


def _closure_explained(ddar, goals) -> dict:
    """AG2's `deduction_closure` loop, checking the goals after every phase; the first hit."""
    holds = lambda: all(ddar.check_pred(g) for g in goals)  # noqa: E731
    if holds():
        return {"where": "premises"}
    found: dict = {}
    orig_sim, orig_cyc = ddar.force_similar, ddar.force_concyclic

    def force_similar(t1, t2):
        changed = orig_sim(t1, t2)
        if changed and not found:
            ddar.update_cache()
            if holds():
                found["trigger"] = f"similar {' '.join(map(str, t1))} ~ {' '.join(map(str, t2))}"
        return changed

    def force_concyclic(points, centers):
        changed = orig_cyc(points, centers)
        if changed and not found:
            ddar.update_cache()
            if holds():
                found["trigger"] = f"concyclic {' '.join(map(str, points))}" + (
                    f" centre {' '.join(map(str, centers))}" if centers else ""
                )
        return changed

    ddar.force_similar, ddar.force_concyclic = force_similar, force_concyclic
    rnd = 0
    changed = True
    while changed:
        rnd += 1
        ddar.update_cache()
        changed = False
        for label, method in PHASES:
            step = getattr(ddar, method)
            last = step(verbose=False) if method == "search_similar" else step()
            changed = changed or last
            if last:
                ddar.update_cache()
            if holds():
                return {"where": f"round {rnd} {label}", **found}
    return {"where": None}


def run(ag1: str, ag2: str, req: dict, tries: int) -> dict:
    t0 = time.monotonic()
    text = req["text"]
    goal = text.split(" ? ")[1].split() if " ? " in text else None
    if not goal:
        return {"status": "error", "reason": "no goal"}
    points, premises, sampler = _ag1_sample(ag1, text, req.get("seed", 0), tries, req.get("points"))
    sample_s = time.monotonic() - t0
    _swap_to_ag2(ag1, ag2)
    from ddar import DDAR
    from parse import AGPredicate, AGProblem

    goals = ag2_goals(goal, points)
    head = "; ".join(f"{n}@{x!r}_{y!r} = " for n, (x, y) in points.items())
    pstring = head + ", ".join(premises) + " ? " + goals[0]
    problem = AGProblem.parse(pstring)
    names = {p.name: p for p in problem.points}
    preds = [AGPredicate.parse(g).replace_points(names) for g in goals]
    t1 = time.monotonic()
    with redirect_stdout(io.StringIO()):  # AG2 prints a progress dot per round
        ddar = DDAR(problem.points)
        for pred in problem.preds:
            ddar.force_pred(pred)
        if req.get("explain"):
            explain = _closure_explained(ddar, preds)
        else:
            ddar.deduction_closure()
    solved = all(ddar.check_pred(p) for p in preds)
    out = {
        "status": "solved" if solved else "unsolved",
        "sampler": sampler,
        "sample_s": sample_s,
        "ddar_s": time.monotonic() - t1,
        "pstring": pstring + "".join(f" & {g}" for g in goals[1:]),
    }
    if req.get("explain"):
        out["explain"] = explain
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--ag1", required=True, help="checkout of google-deepmind/alphageometry")
    parser.add_argument("--ag2", required=True, help="checkout of google-deepmind/alphageometry2")
    parser.add_argument("--tries", type=int, default=200, help="AG1 draws before giving up")
    args = parser.parse_args(argv)
    req = json.loads(sys.stdin.read())
    try:
        out = run(args.ag1, args.ag2, req, args.tries)
    except Exception as exc:  # a peer's failure is reported as this problem's error, not ours
        out = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"[:300]}
        out["trace"] = traceback.format_exc()[-1500:]
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
