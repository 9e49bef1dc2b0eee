"""Our DD+AR solver against Newclid on the same problems, in the same run.

    .venv/bin/python benchmarks/geometry_solve.py [FILE] --timeout 60 --jobs 2 [--limit N]

Every (solver, problem) pair runs in its own fresh process with the time limit — ours as
`python -m deduction.solve FILE --name NAME` (with auxiliary points when DD+AR stops short;
`--solvers ours,ours-ddar,newclid` adds ours without them), Newclid (`pip install
newclid[yuclid]`, its compiled matcher) as `newclid jgex --problem-id NAME --file FILE` — so
both pay interpreter start-up, the way a user runs them. The solvers' tasks are interleaved in
one pool of `--jobs` workers so they see the same machine load.

Printed: solved counts (ours: how many with an auxiliary point, and proofs that failed their
re-check as errors), median / p90 wall seconds per problem (process start to exit), median /
p90 solve seconds as each solver reports them (ours: realisation + closure + traceback +
re-check; Newclid: its "runtime"), and the per-problem time ratios of every other solver to the
first on problems both solve. A problem that a solver fails counts as the limit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deduction.problem import DEFAULT_PROBLEMS, load_problems  # noqa: E402

PY = sys.executable
BIN = Path(PY).parent


def run_ours(path: Path, name: str, timeout: float, *flags: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out_file = Path(tmp) / "out.jsonl"
        cmd = [PY, "-m", "deduction.solve", str(path), "--name", name, "--timeout", str(timeout)]
        cmd += ["--out", str(out_file), *flags]
        start = time.monotonic()
        try:
            out = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout + 30, cwd=ROOT
            ).stdout
        except subprocess.TimeoutExpired:
            wall = time.monotonic() - start
            return {"solved": False, "wall": wall, "solve": timeout, "status": "timeout"}
        wall = time.monotonic() - start
        record = json.loads(out_file.read_text() or "{}") if out_file.exists() else {}
    line = next((ln for ln in out.splitlines() if ln.startswith(name + " ")), "")
    words = line[len(name) :].split()
    solved = bool(words) and words[0] == "solved"
    solve = float(words[1]) if len(words) > 1 else wall
    return {
        "solved": solved,
        "wall": wall,
        "solve": solve,
        "status": words[0] if words else "error",
        "reason": " ".join(words[2:]),
        "auxiliary": record.get("auxiliary", []),
    }


def run_ours_ddar(path: Path, name: str, timeout: float) -> dict:
    """Ours without auxiliary points: DD+AR to the fixpoint, as AlphaGeometry's DD+AR."""
    return run_ours(path, name, timeout, "--no-aux")


def run_newclid(path: Path, name: str, timeout: float) -> dict:
    exe = BIN / "newclid"
    cmd = [str(exe), "--log-level", "INFO", "jgex", "--problem-id", name, "--file", str(path)]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd="/tmp"
        )
    except subprocess.TimeoutExpired:
        return {"solved": False, "wall": timeout, "solve": timeout, "status": "timeout"}
    wall = time.monotonic() - start
    text = proc.stdout + proc.stderr
    success = re.findall(r'"success":\s*(true|false)', text)
    runtime = re.findall(r'"runtime":\s*([0-9.eE+-]+)', text)
    solved = bool(success) and success[0] == "true"
    solve = float(runtime[0]) if runtime else wall
    status = "solved" if solved else ("error" if proc.returncode else "unsolved")
    return {"solved": solved, "wall": wall, "solve": solve, "status": status}


SOLVERS = {"ours": run_ours, "ours-ddar": run_ours_ddar, "newclid": run_newclid}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_PROBLEMS))
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N problems")
    parser.add_argument("--solvers", default="ours,newclid")
    parser.add_argument("--json", help="write per-problem results here")
    args = parser.parse_args(argv)
    path = Path(args.file).resolve()
    names = [p.name for p in load_problems(path)]
    if args.limit:
        names = names[: args.limit]
    solvers = args.solvers.split(",")
    if "newclid" in solvers and not (BIN / "newclid").exists():
        parser.error("newclid is not installed: .venv/bin/pip install 'newclid[yuclid]'")
    tasks = [(s, n) for n in names for s in solvers]
    results: dict[tuple[str, str], dict] = {}
    t0 = time.monotonic()
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(SOLVERS[s], path, n, args.timeout): (s, n) for s, n in tasks}
        for fut in futures:
            s, n = futures[fut]
            results[s, n] = r = fut.result()
            aux = f"  aux: {'; '.join(r['auxiliary'])}" if r.get("auxiliary") else ""
            print(f"{s:9s} {r['status']:8s} {r['wall']:7.2f}s {n}{aux}", flush=True)
    print(
        f"\n{len(names)} problems, timeout {args.timeout:g}s, {args.jobs} jobs, "
        f"{time.monotonic() - t0:.0f}s total"
    )
    for s in solvers:
        rs = [results[s, n] for n in names]
        solved = [r for r in rs if r["solved"]]
        walls = [r["wall"] if r["solved"] else args.timeout for r in rs]
        solves = [r["solve"] if r["solved"] else args.timeout for r in rs]
        aux = sum(bool(r.get("auxiliary")) for r in solved)
        errors = sum(r.get("status") == "error" for r in rs)
        print(
            f"{s:9s} solved {len(solved):3d}/{len(names)}"
            + (f" ({aux} with an auxiliary point)" if aux else "")
            + f"  wall median {statistics.median(walls):.2f}s"
            f" p90 {_pct(walls, 0.9):.2f}s  solve median {statistics.median(solves):.3f}s"
            f" p90 {_pct(solves, 0.9):.3f}s  errors {errors}"
        )
    for b in solvers[1:]:
        a = solvers[0]
        both = [n for n in names if results[a, n]["solved"] and results[b, n]["solved"]]
        if both:
            wall_ratio = [results[b, n]["wall"] / results[a, n]["wall"] for n in both]
            solve_ratio = [results[b, n]["solve"] / max(results[a, n]["solve"], 1e-3) for n in both]
            print(
                f"per-problem {b}/{a} on {len(both)} solved by both: wall ratio median "
                f"{statistics.median(wall_ratio):.2f} (p10 {_pct(wall_ratio, 0.1):.2f}, "
                f"p90 {_pct(wall_ratio, 0.9):.2f}); solve-time ratio median "
                f"{statistics.median(solve_ratio):.2f}"
            )
        only_a = [n for n in names if results[a, n]["solved"] and not results[b, n]["solved"]]
        only_b = [n for n in names if results[b, n]["solved"] and not results[a, n]["solved"]]
        print(f"only {a}: {len(only_a)}   only {b}: {len(only_b)}")
        for n in only_b:
            print(f"  only {b}: {n}")
    if args.json:
        with open(args.json, "w") as fh:
            for (s, n), r in results.items():
                fh.write(json.dumps({"solver": s, "name": n, **r}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
