"""The auxiliary-point search on a whole problem file, run as a user runs it.

    .venv/bin/python benchmarks/geometry_aux.py ../shared/geometry/imo_ag_30.txt \
        --timeout 300 --jobs 2 [--baseline] [--json out.jsonl]

Runs `python -m deduction.solve FILE --jobs J --timeout T --out ...` once (DD+AR on every
problem, `jobs` at a time, then the auxiliary search of each problem left at its fixpoint, its
attempts spread over the `jobs` workers) and, with `--baseline`, the same with `--no-aux` first,
in the same run. Prints each problem's line with the auxiliary clauses it used and the attempt
that found them, then: solved (with / without auxiliary points), errors (a proof that failed its
re-check on the figure or on the fresh figures counts here), time per solved problem (median /
p90 / max, as the solver reports it: closure, search, trace and re-check), and the wall time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def run(file: Path, timeout: float, jobs: int, *flags: str) -> tuple[list[dict], float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [PY, "-m", "deduction.solve", str(file), "--timeout", str(timeout)]
        cmd += ["--jobs", str(jobs), "--out", str(out), *flags]
        start = time.monotonic()
        subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
        records = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return records, wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(label: str, records: list[dict], wall: float) -> str:
    solved = [r for r in records if r["status"] == "solved"]
    aux = [r for r in solved if r.get("auxiliary")]
    errors = [r for r in records if r["status"] == "error"]
    times = [r["seconds"] for r in solved]
    med = statistics.median(times) if times else float("nan")
    return (
        f"{label:14s} solved {len(solved)}/{len(records)} ({len(aux)} with auxiliary points)"
        f"  errors {len(errors)}  seconds per solved: median {med:.1f}, p90 "
        f"{_pct(times, 0.9):.1f}, max {max(times, default=float('nan')):.1f}  wall {wall:.0f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", action="store_true", help="also run --no-aux first")
    parser.add_argument("--name", action="append", default=[], help="only these problems")
    parser.add_argument("--json", type=Path, help="write every record here")
    args = parser.parse_args(argv)
    flags = ["--seed", str(args.seed)] + [f for n in args.name for f in ("--name", n)]
    lines = []
    base: list[dict] = []
    if args.baseline:
        base, wall = run(args.file.resolve(), args.timeout, args.jobs, "--no-aux", *flags)
        lines.append(summary("DD+AR alone", base, wall))
    records, wall = run(args.file.resolve(), args.timeout, args.jobs, *flags)
    for r in records:
        extra = ""
        if r.get("auxiliary"):
            attempt = r.get("stats", {}).get("auxiliary_attempt")
            extra = f"  attempt {attempt}: " + "; ".join(r["auxiliary"])
        elif r["status"] != "solved":
            extra = f"  {r.get('message', '')}"[:160]
        tried = r.get("stats", {}).get("auxiliary_tried", 0)
        print(f"{r['name']:40s} {r['status']:8s} {r['seconds']:7.1f}s tried {tried:4d}{extra}")
    lines.append(summary("with auxiliary", records, wall))
    print()
    print("\n".join(lines))
    if args.json:
        with args.json.open("w") as fh:
            for r in base:
                fh.write(json.dumps({"run": "no-aux", **r}) + "\n")
            for r in records:
                fh.write(json.dumps({"run": "aux", **r}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
