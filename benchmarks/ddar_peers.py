"""Our DD+AR alone against AlphaGeometry2's released DDAR, on the same problems in the same run.

    .venv/bin/python benchmarks/ddar_peers.py [FILE] --timeout 30 --jobs 2
    .venv/bin/python benchmarks/ddar_peers.py --records DIR --sample 300 --seed 0 [--with-aux]
    .venv/bin/python benchmarks/ddar_peers.py --records DIR --aux-only --sample 2000

The question: does DD+AR without auxiliary points prove every statement AG2's DDAR proves
without them? Every (solver, problem) pair runs in its own fresh process with the time limit,
the two solvers' tasks interleaved in one pool of `--jobs` workers so they see the same load:

- ours: `python -m deduction.solve FILE --name NAME --no-aux --timeout T --out F`;
- AG2: `benchmarks/_ag2_driver.py`, run by the peer venv's python (`--peer-python`). AG2's DDAR
  reads points with coordinates plus low-level predicates, so the driver converts each problem
  with AlphaGeometry's own sampler: AG1's `Graph.add_clause` draws the clauses (AG1's
  numericals), each construction becomes the basic predicates of its AG1 definition, and goals
  AG2 has no predicate for are split into ones it has (see the driver's docstring). Its time
  covers interpreter start-up, AG1's draw and AG2's closure; the driver's own `ddar_s` (the
  closure alone) is printed as AG2's "solve" time. Where AG1 cannot draw a problem (it has no
  sketch for `on_aline2`; or no valid draw in the driver's tries), AG2 gets our figure instead
  (a record's coordinates, or `deduction.realise`), and the summary says how often.

Inputs: a problem file (name line, then `premises ? goal`; default the JGEX-AG-231 set), or
`--records DIR` of our generator's output (DIR/data/*.jsonl.gz), from which `--sample` records
are drawn with `--seed`, stated as `problem` (without their auxiliary clauses) or, with
`--with-aux`, as `problem_with_aux`. Goals AG2 cannot state (`eqratio3`, ...) are AG2 `error`s
and are left out of the comparison lines.

Printed: per-task lines, then for each solver solved / unsolved / error counts and median wall
and solve seconds (a failure counts as the limit), then both-solved, only-ours and only-AG2, the
medians on the problems both solve, and the only-AG2 names and statements. `--json` writes the
per-task results; `--explain` asks the driver where in AG2's closure each goal first held (kept
in the JSON and the only-AG2 lines).

Install the peer once (not a dependency of ours; numpy and absl-py only):

    python3 -m venv /work/peers/ag2-venv
    /work/peers/ag2-venv/bin/pip install numpy absl-py
    git clone https://github.com/google-deepmind/alphageometry2 /work/peers/ag2
    git clone https://github.com/google-deepmind/alphageometry /work/peers/ag1
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).resolve().parent / "_ag2_driver.py"
DEFAULT_PROBLEMS = ROOT / "deduction" / "data" / "jgex_ag_231.txt"
PEERS = Path("/work/peers")
PY = sys.executable


def read_problem_file(path: Path) -> list[tuple[str, str]]:
    """(name, text) pairs of a name-line / problem-line file."""
    out, name = [], None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line and "?" not in line:
            name = line
        elif name is not None:
            out.append((name, line))
            name = None
    return out


def read_records(
    root: Path, n: int, seed: int, with_aux: bool, coords: dict, aux_only: bool = False
) -> list[tuple[str, str]]:
    """`n` records drawn with `seed` (all, in file order, when n is 0), as (id, text); each
    record's coordinates go into `coords` (AG2's figure where AG1 cannot draw it). With
    `aux_only`, only records that carry auxiliary clauses are drawn from."""
    records = []
    for f in sorted((root / "data").glob("*.jsonl.gz")):
        with gzip.open(f, "rt") as fh:
            records += [json.loads(line) for line in fh]
    if aux_only:
        records = [r for r in records if r.get("aux_clauses")]
    if n and n < len(records):
        records = random.Random(seed).sample(records, n)
    key = "problem_with_aux" if with_aux else "problem"
    for r in records:  # a record's coordinates are named points; the driver reads {name: [x, y]}
        coords[r["id"][:12]] = {p["name"]: [p["x"], p["y"]] for p in r.get("coordinates") or []}
    return [(r["id"][:12], r[key]) for r in records]


def our_points(name: str, text: str, coords: dict, seed: int) -> dict | None:
    """Our figure of a problem: the record's coordinates, or `deduction.realise`'s."""
    if coords.get(name):
        return coords[name]
    sys.path.insert(0, str(ROOT))
    from deduction import parse_problem, realise

    try:
        return {k: list(v) for k, v in realise(parse_problem(text, name), seed).points.items()}
    except Exception:  # no figure of ours either: AG2's error stands
        return None


def run_ours(path: Path, name: str, text: str, timeout: float, _args) -> dict:
    """Ours without auxiliary points, run as geometry_solve.py runs it."""
    from geometry_solve import run_ours as solve  # this folder is on sys.path when run

    r = solve(path, name, timeout, "--no-aux")
    return {k: r[k] for k in ("status", "wall", "solve", "reason") if k in r}


def run_ag2(path: Path, name: str, text: str, timeout: float, args) -> dict:
    """AG2 on AG1's draw; where AG1 cannot draw the problem, again on our figure (within the
    same time limit, counted from the first start)."""
    cmd = [args.peer_python, str(DRIVER), "--ag1", args.ag1, "--ag2", args.ag2]
    req = {"name": name, "text": text, "seed": args.seed, "explain": args.explain}
    if args.coords.get(name):
        req["points"] = args.coords[name]
    start = time.monotonic()
    for attempt in range(2):
        left = timeout - (time.monotonic() - start)
        try:
            proc = subprocess.run(
                cmd, input=json.dumps(req), capture_output=True, text=True, timeout=left, cwd="/tmp"
            )
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "wall": time.monotonic() - start, "solve": timeout}
        lines = proc.stdout.strip().splitlines()
        try:
            res = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            res = {"status": "error", "reason": (proc.stderr or "no output").strip()[-300:]}
        res.pop("trace", None)
        retry = res.get("reason", "").startswith("RuntimeError: AG1 sampler")
        if attempt or not retry or "points" in req:
            break
        req["points"] = our_points(name, text, args.coords, args.seed)
        if req["points"] is None:
            break
    wall = time.monotonic() - start
    return {"wall": wall, "solve": res.get("ddar_s", wall), **res}


SOLVERS = {"ours": run_ours, "ag2": run_ag2}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(items: list[tuple[str, str]], results: dict, timeout: float) -> None:
    names = [n for n, _ in items]
    text = dict(items)
    for s in SOLVERS:
        rs = [results[s, n] for n in names]
        count = {k: sum(r["status"] == k for r in rs) for k in ("solved", "unsolved", "timeout")}
        errors = len(rs) - sum(count.values())
        walls = [r["wall"] if r["status"] == "solved" else timeout for r in rs]
        solves = [r["solve"] if r["status"] == "solved" else timeout for r in rs]
        print(
            f"{s:5s} solved {count['solved']:4d}/{len(names)}  unsolved {count['unsolved']}"
            f"  timeout {count['timeout']}  error {errors}  wall median {_median(walls):.2f}s"
            f"  solve median {_median(solves):.3f}s"
        )
    given = [n for n in names if results["ag2", n].get("sampler", "ag1") != "ag1"]
    if given:
        print(f"AG2 on our figure where AG1 could not draw the problem: {len(given)}")
    stated = [n for n in names if results["ag2", n]["status"] != "error"]
    ok = {s: {n for n in stated if results[s, n]["status"] == "solved"} for s in SOLVERS}
    print(
        f"on the {len(stated)} AG2 could state: ours {len(ok['ours'])}, AG2 {len(ok['ag2'])}, "
        f"both {len(ok['ours'] & ok['ag2'])}, only ours {len(ok['ours'] - ok['ag2'])}, "
        f"only AG2 {len(ok['ag2'] - ok['ours'])}"
    )
    both = ok["ours"] & ok["ag2"]
    if both:
        print(
            f"on the {len(both)} both solve, medians: "
            + "; ".join(
                f"{s} wall {_median([results[s, n]['wall'] for n in both]):.2f}s"
                f" solve {_median([results[s, n]['solve'] for n in both]):.3f}s"
                for s in SOLVERS
            )
        )
    for n in names:
        if n in ok["ag2"] - ok["ours"]:
            where = results["ag2", n].get("explain")
            print(f"  only AG2: {n} [ours {results['ours', n]['status']}]: {text[n]}")
            if where:
                print(f"    AG2 first held: {json.dumps(where)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_PROBLEMS))
    parser.add_argument("--records", help="a generator output directory instead of a file")
    parser.add_argument("--sample", type=int, default=300, help="records drawn (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="record sample and AG1 draw seed")
    parser.add_argument("--with-aux", action="store_true", help="records with their aux clauses")
    parser.add_argument(
        "--aux-only", action="store_true", help="draw only records with auxiliary clauses"
    )
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N problems")
    parser.add_argument("--peer-python", default=str(PEERS / "ag2-venv" / "bin" / "python"))
    parser.add_argument("--ag1", default=str(PEERS / "ag1"), help="alphageometry checkout")
    parser.add_argument("--ag2", default=str(PEERS / "ag2"), help="alphageometry2 checkout")
    parser.add_argument("--explain", action="store_true", help="where AG2's goal first held")
    parser.add_argument("--json", help="write per-task results here")
    args = parser.parse_args(argv)
    args.coords = {}
    for need in (args.peer_python, f"{args.ag1}/graph.py", f"{args.ag2}/ddar.py"):
        if not Path(need).exists():
            parser.error(f"{need} is missing; see this script's docstring to install the peer")
    with tempfile.TemporaryDirectory() as tmp:
        if args.records:
            items = read_records(
                Path(args.records),
                args.sample,
                args.seed,
                args.with_aux,
                args.coords,
                args.aux_only,
            )
            path = Path(tmp) / "records.txt"
            path.write_text("".join(f"{n}\n{t}\n" for n, t in items))
        else:
            path = Path(args.file).resolve()
            items = read_problem_file(path)
        if args.limit:
            items = items[: args.limit]
        results: dict[tuple[str, str], dict] = {}
        t0 = time.monotonic()
        with ThreadPoolExecutor(args.jobs) as pool:
            futures = {
                pool.submit(SOLVERS[s], path, n, t, args.timeout, args): (s, n)
                for n, t in items
                for s in SOLVERS
            }
            for fut in futures:
                s, n = futures[fut]
                results[s, n] = r = fut.result()
                why = f"  {r['reason']}" if r.get("reason") else ""
                print(f"{s:5s} {r['status']:8s} {r['wall']:7.2f}s {n}{why}", flush=True)
    source = args.records or args.file
    aux = " with aux" if args.with_aux else ""
    print(
        f"\n{len(items)} problems from {source}{aux}, timeout {args.timeout:g}s, {args.jobs} jobs,"
        f" {time.monotonic() - t0:.0f}s total"
    )
    report(items, results, args.timeout)
    if args.json:
        with open(args.json, "w") as fh:
            for (s, n), r in results.items():
                fh.write(json.dumps({"solver": s, "name": n, "text": dict(items)[n], **r}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
