"""Closure throughput: DD+AR to the fixpoint on premise sets with no goal (the generator's load).

    .venv/bin/python benchmarks/geometry_closure.py [FILE] [--limit N] [--timeout S]
    .venv/bin/python benchmarks/geometry_closure.py --without p04   # A/B: a rule's cost


Takes every problem of FILE (default: the bundled JGEX-AG-231), drops its goal, realises it and
closes its premises under all rules and AR until nothing new is derived, in this one process.
Prints closures per CPU-second, derived facts per CPU-second, median / p90 CPU seconds per
closure, and how many closures hit the time limit before their fixpoint. CPU time
(time.process_time) is used because the machine is shared; wall time is printed too.

`--without RULE[,RULE]` closes every problem twice in turn, with the default rules and without
those, so both see the same load; it prints both lines, the median per-problem CPU ratio, and
the problems whose goal only one of them proves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deduction import DEFAULT_PROBLEMS, DeductionError, Engine, load_problems, load_rules  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_PROBLEMS))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--without", default="", help="A/B: also close without these rules")
    args = parser.parse_args(argv)
    problems = [p for p in load_problems(args.file) if not hasattr(p, "message")]
    if args.limit:
        problems = problems[: args.limit]
    rules = load_rules()
    drop = {r for r in args.without.split(",") if r}
    unknown = drop - {r.name for r in rules}
    if unknown:
        parser.error(f"--without: no rule named {', '.join(sorted(unknown))}")
    sets: dict[str, frozenset[str]] = {"default": frozenset()}
    if drop:
        sets[f"without {args.without}"] = frozenset(drop)
    runs: dict[str, dict[str, tuple[float, bool]]] = {label: {} for label in sets}
    wall0 = time.monotonic()
    for problem in problems:
        for label, chosen in sets.items():
            result = close(problem, chosen, args.timeout)
            if result is not None:
                runs[label][problem.name] = result
    for label, done in runs.items():
        report(label, done, len(problems), args.timeout)
    if drop:
        (a, da), (b, db) = runs.items()
        both = sorted(set(da) & set(db))
        ratios = [db[n][0] / da[n][0] for n in both if da[n][0] > 0]
        print(f"median CPU ratio {b} / {a}: {statistics.median(ratios):.3f}")
        for n in both:
            if da[n][1] != db[n][1]:
                print(f"  goal proved only {a if da[n][1] else b}: {n}")
    print(f"wall {time.monotonic() - wall0:.0f}s")
    return 0


def close(problem, without, timeout: float) -> tuple[float, bool, int, bool] | None:
    """(CPU seconds, goal proved, derived facts, reached the fixpoint), None if undrawable."""
    start = time.process_time()
    try:
        engine = Engine(problem, without=without)
        engine.close(timeout=timeout)
    except DeductionError:
        return None
    proved = problem.goal is not None and engine.holds(problem.goal)
    return time.process_time() - start, proved, len(engine.derived()), engine.fixpoint


def report(label: str, done: dict, total_problems: int, timeout: float) -> None:
    cpu = [r[0] for r in done.values()]
    total = sum(cpu)
    capped = sum(not r[3] for r in done.values())
    failed = total_problems - len(done)
    print(
        f"{label}: {len(cpu)} closures ({failed} not realisable, {capped} stopped at"
        f" {timeout:g}s), {sum(r[1] for r in done.values())} goals proved"
    )
    print(
        f"  closures/s {len(cpu) / total:.2f}  derived facts/s"
        f" {sum(r[2] for r in done.values()) / total:.0f}"
    )
    print(
        f"  CPU s per closure: median {statistics.median(cpu):.3f}  "
        f"p90 {sorted(cpu)[int(0.9 * len(cpu))]:.3f}  max {max(cpu):.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
