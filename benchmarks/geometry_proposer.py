"""The solver with and without the policy: heuristic auxiliary search alone against the
policy's proposals + the same search, same problems, same budget (issue 19).

    .venv/bin/python benchmarks/geometry_proposer.py RUN_DIR [--timeout 30] [--jobs 2]
    .venv/bin/python benchmarks/geometry_proposer.py RUN_DIR --file ../shared/geometry/imo_ag_30.txt

RUN_DIR is a `python -m generate.rest_em --domain geometry` run: its policy (the best held-out
iteration, as `--proposer` picks it) proposes, and by default the problems are its held-out
split (`problems.json`), stated without their auxiliary clauses. `--file` takes any problem file
instead (IMO-AG-30, JGEX). Each side is one run of the real command, one after the other:
`python -m deduction.solve FILE` and `python -m generate.rest_em.solve FILE --proposer RUN_DIR`,
with the same `--timeout`, `--jobs` and `--seed`. Prints, per side, the problems solved, how many
with auxiliary points and (policy side) how many by a proposal, and the median seconds to solve;
then the same on the problems both solve, and which problems only one side solves. A problem's
seconds exclude the policy's sampling, done once for all problems before solving starts; the
wall column includes it (and loading the model).
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
sys.path.insert(0, str(ROOT))

from generate.rest_em.datasets import load_problems  # noqa: E402


def held_out_file(run: Path, out: Path) -> int:
    """Write the run's held-out problems as a problem file; their count."""
    config = json.loads((run / "config.json").read_text())
    split = json.loads((run / "problems.json").read_text())
    source = config["problems"]
    if source == "builtin":
        source = str(run / "problems")
    held = set(split["held_out"])
    loaded = load_problems("geometry", source, None, timeout_s=float(config["timeout"]))
    problems = [p for p in loaded if p.id in held]
    out.write_text("".join(f"{p.id}\n{p.prompt}\n" for p in problems))
    return len(problems)


def solve(command: list[str], out: Path) -> tuple[dict[str, dict], float]:
    start = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command[:4])} ... failed ({done.returncode}): {done.stderr[-500:]}")
    rows = {}
    for line in out.read_text().splitlines():
        row = json.loads(line)
        rows[row["name"]] = row
    return rows, wall


def summary(label: str, rows: dict[str, dict], wall: float) -> None:
    solved = [r for r in rows.values() if r["status"] == "solved"]
    aux = sum(1 for r in solved if r.get("auxiliary"))
    proposed = sum(1 for r in solved if r.get("proposed"))
    times = [r["seconds"] for r in solved]
    median = f"{statistics.median(times):.2f}" if times else "-"
    print(
        f"{label:<22} solved {len(solved)}/{len(rows)}  with aux {aux}  by a proposal "
        f"{proposed}  median s to solve {median}  wall {wall:.0f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("run", type=Path, help="a geometry ReST-EM run directory")
    parser.add_argument("--file", type=Path, help="problems to solve (default: held-out split)")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=16, help="policy completions a problem")
    args = parser.parse_args(argv)
    if not (args.run / "config.json").is_file():
        parser.error(f"{args.run}: not a ReST-EM run directory (no config.json)")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        problems = args.file
        if problems is None:
            problems = tmpdir / "held_out.txt"
            n = held_out_file(args.run, problems)
            print(f"{n} held-out problems of {args.run}")
        common = [
            str(problems),
            "--timeout",
            str(args.timeout),
            "--jobs",
            str(args.jobs),
            "--seed",
            str(args.seed),
        ]
        python = sys.executable
        plain, plain_wall = solve(
            [python, "-m", "deduction.solve", *common, "--out", str(tmpdir / "a.jsonl")],
            tmpdir / "a.jsonl",
        )
        policy, policy_wall = solve(
            [
                python,
                "-m",
                "generate.rest_em.solve",
                *common,
                "--proposer",
                str(args.run),
                "--samples",
                str(args.samples),
                "--out",
                str(tmpdir / "b.jsonl"),
            ],
            tmpdir / "b.jsonl",
        )
    summary("heuristic search", plain, plain_wall)
    summary("policy + search", policy, policy_wall)
    both = [
        n
        for n in plain
        if plain[n]["status"] == "solved" and policy.get(n, {}).get("status") == "solved"
    ]
    if both:
        a = statistics.median(plain[n]["seconds"] for n in both)
        b = statistics.median(policy[n]["seconds"] for n in both)
        print(f"both solve {len(both)}: median s {a:.2f} (search) / {b:.2f} (policy + search)")
    for label, one, other in (("search", plain, policy), ("policy", policy, plain)):
        only = [
            n
            for n, r in one.items()
            if r["status"] == "solved" and other.get(n, {}).get("status") != "solved"
        ]
        print(f"only {label}: {len(only)} {' '.join(sorted(only))[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
