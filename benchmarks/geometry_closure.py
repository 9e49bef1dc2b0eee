"""Closure throughput: DD+AR to the fixpoint on premise sets with no goal (the generator's load).

    .venv/bin/python benchmarks/geometry_closure.py [FILE] [--limit N] [--timeout S]

Takes every problem of FILE (default: the bundled JGEX-AG-231), drops its goal, realises it and
closes its premises under all rules and AR until nothing new is derived, in this one process.
Prints closures per CPU-second, derived facts per CPU-second, median / p90 CPU seconds per
closure, and how many closures hit the time limit before their fixpoint. CPU time
(time.process_time) is used because the machine is shared; wall time is printed too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deduction import DEFAULT_PROBLEMS, DeductionError, Engine, load_problems  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_PROBLEMS))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    problems = [p for p in load_problems(args.file) if not hasattr(p, "message")]
    if args.limit:
        problems = problems[: args.limit]
    cpu, facts, capped, failed = [], 0, 0, 0
    wall0 = time.monotonic()
    for problem in problems:
        start = time.process_time()
        try:
            engine = Engine(problem)
            engine.close(timeout=args.timeout)
        except DeductionError:
            failed += 1
            continue
        cpu.append(time.process_time() - start)
        facts += len(engine.derived())
        capped += not engine.fixpoint
    total = sum(cpu)
    print(f"{len(cpu)} closures ({failed} not realisable, {capped} stopped at {args.timeout:g}s)")
    print(f"closures/s {len(cpu) / total:.2f}  derived facts/s {facts / total:.0f}")
    print(
        f"CPU s per closure: median {statistics.median(cpu):.3f}  "
        f"p90 {sorted(cpu)[int(0.9 * len(cpu))]:.3f}  max {max(cpu):.2f}"
    )
    print(f"wall {time.monotonic() - wall0:.0f}s for {total:.0f} CPU-s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
