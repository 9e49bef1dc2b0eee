"""Draw fresh figures of AlphaGeometry-syntax problems with Newclid's JGEX figure builder.

    /work/peers/ncdgen-venv/bin/python benchmarks/_newclid_driver.py < batch.json

Not part of our packages and never imported by them: it runs in Newclid's own venv (see
`benchmarks/geometry_fresh.py` for the install) and `geometry_fresh.py` starts one process of it
per batch of problems. Read against newclid 3.0.1 (`newclid/jgex/problem_builder.py`,
`newclid/jgex/to_newclid.py`).

How a figure is drawn: `JGEXProblemBuilder.build` retries `build_newclid_problem` until
`nc_problem_is_valid` holds, and that check includes the goals, so a figure where the goal is
false is silently drawn again (goal resampling). This driver calls `build_newclid_problem` itself
on the problem without its goal, once per attempt with a fresh `numpy.random.default_rng(seed)`,
and accepts the first draw whose assumptions (the constructions' requirements and added
predicates) all pass Newclid's own numeric check; at most `attempts` draws per figure, else the
figure is `undrawn`. A construction Newclid has no definition for makes the problem
`unsupported` (by construction name); nothing is drawn.

Translation (unless `"literal": true`): the problem text is AlphaGeometry's syntax, which Newclid
reads differently in two places, so the premises are rewritten into Newclid's forms first:
- `s_angle a b x 105`: AlphaGeometry's angle is in degrees, but Newclid reads a bare number as a
  multiple of pi (`newclid.tools.str_to_fraction`: 105 is 105 pi, a straight angle) and writes
  degrees `105o`; the rewrite is `s_angle a b x 105o` (both sketches then rotate ba by 105
  degrees about b).
- `parallelogram a b c x` and `square a b x y`: Newclid's definitions list the new points first
  (`parallelogram x a b c`, `square x y a b`; the only two of defs.txt whose argument order
  differs in Newclid, found by comparing defs.txt's headers with `ALL_JGEX_CONSTRUCTIONS`), so
  the arguments are permuted by name; their defining predicates are then the same.

Input (stdin): `{"problems": [{"key": ..., "text": "clauses ? goal"}], "figures": K, "seed": S,
"attempts": A, "literal": false}`. Figure k of every problem uses seeds derived from
(S, k, attempt).
Output (stdout, last line): `{"results": [{"key", "figures": [{name: [x, y]}, ...], "undrawn",
"unsupported": [construction names], "error", "newclid_false"}]}`; `figures` are the drawn
coordinates (the caller checks the goal with its own predicates), `newclid_false` counts figures
where Newclid's own `check_numerical` (tolerance: `newclid.numerical.close_enough`, absolute 4e-7
or relative 1e-3) finds the goal false, or is null where Newclid cannot state the goal.
"""

from __future__ import annotations

import json
import logging
import sys

import numpy as np
from newclid.jgex.clause import JGEXClause
from newclid.jgex.constructions import ALL_JGEX_CONSTRUCTIONS
from newclid.jgex.definition import JGEXDefinition
from newclid.jgex.errors import JGEXConstructionError
from newclid.jgex.formulation import JGEXFormulation
from newclid.jgex.to_newclid import build_newclid_problem
from newclid.predicates import NUMERICAL_PREDICATES, predicate_from_construction
from newclid.problem import PredicateConstruction
from newclid.symbols.points_registry import PointsRegisty

DEFS = JGEXDefinition.to_dict(ALL_JGEX_CONSTRUCTIONS)
NUMERIC_NAMES = {t.value for t in NUMERICAL_PREDICATES}
# AlphaGeometry argument positions, in Newclid's order (see the module docstring)
REORDER = {"parallelogram": (3, 0, 1, 2), "square": (2, 3, 0, 1)}


def translate(premises: str) -> str:
    """AlphaGeometry-syntax premises in Newclid's forms (see the module docstring)."""
    clauses = []
    for clause in premises.split("; "):
        points, constructions = clause.split(" = ")
        calls = []
        for call in constructions.split(", "):
            name, *args = call.split()
            if name in REORDER and len(args) == len(REORDER[name]):
                args = [args[i] for i in REORDER[name]]
            elif name == "s_angle" and len(args) == 4 and args[3].lstrip("-").isdigit():
                args[3] += "o"
            calls.append(" ".join((name, *args)))
        clauses.append(f"{points} = {', '.join(calls)}")
    return "; ".join(clauses)


def _registry(setup) -> PointsRegisty:
    registry = PointsRegisty()
    for point in setup.points:
        registry.add_point(point)
    return registry


def _holds(construction: PredicateConstruction, registry: PointsRegisty) -> bool:
    predicate = predicate_from_construction(construction, registry)
    return predicate is not None and predicate.check_numerical()


def _goal(text: str) -> PredicateConstruction | None:
    """The goal as Newclid states it, or None where it cannot (a predicate or value form it
    lacks, e.g. `eqratio3`, or degenerate arguments its canonicaliser refuses)."""
    try:
        return PredicateConstruction.from_str(text.split(" ? ")[1].strip())
    except Exception:  # noqa: BLE001 - any refusal means "Newclid cannot state it"
        return None


def draw(text: str, figures: int, seed: int, attempts: int, literal: bool = False) -> dict:
    premises = text.split(" ? ")[0].strip()
    if not literal:
        premises = translate(premises)
    clauses = JGEXClause.from_str(premises)
    missing = sorted(
        {
            c.name
            for clause in clauses
            for c in clause.constructions
            if c.name not in DEFS and c.name not in NUMERIC_NAMES
        }
    )
    out: dict = {"figures": [], "undrawn": 0, "unsupported": missing, "error": None}
    out["newclid_false"] = None
    if missing:
        return out
    problem = JGEXFormulation(setup_clauses=clauses, goals=())
    goal = _goal(text)
    newclid_false = 0
    for k in range(figures):
        for attempt in range(attempts):
            rng = np.random.default_rng([seed, k, attempt])
            try:
                setup, _ = build_newclid_problem(problem, DEFS, rng, 1, False)
            except JGEXConstructionError:
                continue
            registry = _registry(setup)
            if all(_holds(a, registry) for a in setup.assumptions):
                break
        else:
            out["undrawn"] += 1
            continue
        out["figures"].append({p.name: [float(p.num.x), float(p.num.y)] for p in setup.points})
        if goal is not None:
            try:
                newclid_false += not _holds(goal, registry)
            except Exception:  # noqa: BLE001 - e.g. a 4-point `coll` its Coll cannot hold
                goal = None
    if goal is not None:
        out["newclid_false"] = newclid_false
    return out


def main() -> int:
    logging.disable(logging.CRITICAL)
    batch = json.load(sys.stdin)
    results = []
    for problem in batch["problems"]:
        try:
            res = draw(
                problem["text"],
                batch["figures"],
                batch["seed"],
                batch["attempts"],
                batch.get("literal", False),
            )
        except Exception as exc:  # noqa: BLE001 - reported per problem, the batch goes on
            res = {"figures": [], "undrawn": 0, "unsupported": [], "newclid_false": None}
            res["error"] = f"{type(exc).__name__}: {exc}"[:300]
        results.append({"key": problem["key"], **res})
    print(json.dumps({"results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
