"""Solve AlphaGeometry problem files with DD+AR.

    python -m deduction.solve [FILE] [--name NAME] [--timeout S] [--jobs N] [--out results.jsonl]
                              [--no-aux] [--no-ar]

FILE defaults to the bundled JGEX-AG-231 set. A problem DD+AR does not prove at its fixpoint is
tried again with one auxiliary point at a time (`deduction.engine.auxiliary`) until the time
limit; `--no-aux` turns that off, and `--out` records the auxiliary clause a proof used.

Each problem runs in its own process (forked, so start-up is paid once) with a hard time limit;
the output is one line per problem, `NAME solved|unsolved|error SECONDS`, in input order, then
`solved N of M`. A problem that does not parse, cannot be realised or crashes is an `error` line
and the run goes on. Ctrl-C stops the run and prints the summary of the problems finished so
far. `--out` writes one JSON object per problem, with the traced proof of every solved one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deduction.engine.solver import solve_problem
from deduction.problem import DEFAULT_PROBLEMS, load_problems
from deduction.types import Problem, ProblemLoadError

# Time a child gets beyond --timeout to trace, re-check and report before it is killed.
GRACE_SECONDS = 5.0


def _child(problem: Problem, timeout: float, use_ar: bool, aux: bool, conn: Any) -> None:
    # Ctrl-C is the parent's to handle (it kills the children and prints the summary)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result = solve_problem(problem, timeout=timeout, use_ar=use_ar, auxiliary=aux).to_json()
    except Exception as exc:  # noqa: BLE001 - reported as an error line, the run goes on
        result = {
            "name": problem.name,
            "status": "error",
            "seconds": 0.0,
            "message": f"{type(exc).__name__}: {exc}",
        }
    conn.send(result)
    conn.close()


def _error(name: str, message: str, seconds: float = 0.0) -> dict[str, Any]:
    return {"name": name, "status": "error", "seconds": round(seconds, 4), "message": message}


def run_all(
    items: Sequence[Problem | ProblemLoadError],
    timeout: float,
    jobs: int,
    use_ar: bool = True,
    emit: Any = None,
    aux: bool = True,
) -> list[dict[str, Any]]:
    """Solve every item with at most `jobs` child processes; results in input order. `emit` is
    called with each result as soon as it and all earlier ones are done."""
    ctx = mp.get_context("fork")
    results: dict[int, dict[str, Any]] = {}
    running: dict[int, tuple[Any, Any, float]] = {}
    pending = list(enumerate(items))
    pending.reverse()
    shown = 0
    try:
        while pending or running:
            while pending and len(running) < jobs:
                i, item = pending.pop()
                if isinstance(item, ProblemLoadError):
                    results[i] = _error(item.name, item.message)
                    continue
                recv, send = ctx.Pipe(duplex=False)
                args = (item, timeout, use_ar, aux, send)
                proc = ctx.Process(target=_child, args=args, daemon=True)
                proc.start()
                send.close()
                running[i] = (proc, recv, time.monotonic())
            for i, (proc, recv, started) in list(running.items()):
                elapsed = time.monotonic() - started
                name = items[i].name
                if recv.poll():
                    try:
                        results[i] = recv.recv()
                    except EOFError:
                        results[i] = _error(name, "solver process died", elapsed)
                elif not proc.is_alive():
                    results[i] = _error(
                        name, f"solver process exited with {proc.exitcode}", elapsed
                    )
                elif elapsed > timeout + GRACE_SECONDS:
                    proc.kill()
                    results[i] = {
                        "name": name,
                        "status": "unsolved",
                        "seconds": round(elapsed, 4),
                        "message": "killed at the time limit",
                    }
                else:
                    continue
                proc.join(1)
                recv.close()
                del running[i]
            while shown in results:
                if emit is not None:
                    emit(results[shown])
                shown += 1
            if running:
                time.sleep(0.005)
    finally:
        for proc, recv, _ in running.values():
            proc.kill()
            proc.join(1)
            recv.close()
    return [results[i] for i in sorted(results)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deduction.solve",
        description="Solve AlphaGeometry problems with DD+AR and print one line per problem.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("file", nargs="?", default=str(DEFAULT_PROBLEMS), help="problem file")
    parser.add_argument("--name", action="append", help="only this problem (repeatable)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per problem")
    parser.add_argument("--jobs", type=int, default=1, help="problems solved in parallel")
    parser.add_argument("--out", help="write one JSON object per problem to this file")
    parser.add_argument("--no-ar", action="store_true", help="DD only, all 43 rules")
    parser.add_argument(
        "--no-aux", action="store_true", help="no auxiliary points: stop at the DD+AR fixpoint"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0:
        parser.error(f"--jobs={args.jobs} must be >= 1 and --timeout={args.timeout} > 0")
    path = Path(args.file)
    if not path.is_file():
        parser.error(f"no such problem file: {path}")
    wanted = set(args.name) if args.name else None
    items = load_problems(path, names=wanted)
    if wanted is not None:
        missing = wanted - {p.name for p in items}
        if missing:
            parser.error(f"no problem named {sorted(missing)[0]!r} in {path}")
    out = open(args.out, "w") if args.out else None  # noqa: SIM115 - closed in finally
    done: list[dict[str, Any]] = []

    def emit(result: dict[str, Any]) -> None:
        done.append(result)
        line = f"{result['name']} {result['status']} {result['seconds']:.3f}"
        if result["status"] == "error" and result.get("message"):
            line += f"  {result['message']}"  # the reason, not only in --out
        print(line, flush=True)
        if out is not None:
            out.write(json.dumps(result) + "\n")
            out.flush()

    try:
        run_all(items, args.timeout, args.jobs, not args.no_ar, emit, aux=not args.no_aux)
    except KeyboardInterrupt:
        print(f"interrupted after {len(done)} of {len(items)} problems", file=sys.stderr)
    finally:
        if out is not None:
            out.close()
    solved = sum(r["status"] == "solved" for r in done)
    print(f"solved {solved} of {len(done)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
