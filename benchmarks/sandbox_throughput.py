"""Isolated runs per second with N workers: per-run bubblewrap, the pre-forked fast path, and plain
`python3 -c` (no isolation at all) measured side by side in the same process, interleaved in rounds
so that load from other jobs on the machine hits every backend alike.

    .venv/bin/python benchmarks/sandbox_throughput.py [--workers 2] [--runs 300] [--rounds 3]
        [--humaneval 164] [--plus]

Workloads:
- trivial: `print(sum(range(10)))`, `--runs` runs per backend and round;
- humaneval: the HumanEval+ canonical solutions judged by the code verifier (one sandbox run per
  problem: all its base tests in one batch, or base+plus with `--plus`); expected values are
  computed once beforehand, so only the judged runs are timed.

Prints one table row per (workload, backend): runs, runs/s (median over rounds), median and p90
latency, and the ratio against plain `python3 -c`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox import BwrapRunner, RunRequest, RunResult, RunStatus, ZygoteRunner
from sandbox.limits import decode

TRIVIAL = "print(sum(range(10)))"
PLAIN_PYTHON = "/usr/bin/python3"


class PlainRunner:
    """The peer: `python3 -c code` in a subprocess, no sandbox (request files go to a temporary
    cwd). Only for comparison."""

    def run(self, request: RunRequest) -> RunResult:
        t = time.monotonic()
        with tempfile.TemporaryDirectory() as cwd:
            for name, text in request.files.items():
                Path(cwd, name).parent.mkdir(parents=True, exist_ok=True)
                Path(cwd, name).write_text(text)
            try:
                p = subprocess.run(
                    [PLAIN_PYTHON, "-c", request.code],
                    input=request.stdin.encode(),
                    capture_output=True,
                    timeout=request.limits.wall_s,
                    cwd=cwd,
                )
            except subprocess.TimeoutExpired:
                return RunResult(status=RunStatus.TIMEOUT, wall_s=time.monotonic() - t)
        status = RunStatus.OK if p.returncode == 0 else RunStatus.RUNTIME_ERROR
        return RunResult(
            status=status,
            exit_code=p.returncode,
            stdout=decode(p.stdout),
            stderr=decode(p.stderr),
            wall_s=time.monotonic() - t,
        )


def measure(job: Callable[[int], bool], n: int, workers: int) -> tuple[float, list[float], int]:
    """(runs/s, latencies in s, number of failed jobs)."""
    lat: list[float] = []

    def timed(i: int) -> bool:
        t = time.monotonic()
        ok = job(i)
        lat.append(time.monotonic() - t)
        return ok

    t0 = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        oks = list(pool.map(timed, range(n)))
    return n / (time.monotonic() - t0), lat, oks.count(False)


def p90(xs: list[float]) -> float:
    return sorted(xs)[int(0.9 * (len(xs) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=300, help="trivial runs per backend and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--humaneval", type=int, default=164, help="problems (0 = skip)")
    ap.add_argument("--plus", action="store_true", help="judge on base + plus inputs")
    args = ap.parse_args(argv)

    bwrap = BwrapRunner()
    zygote = ZygoteRunner(args.workers, base=bwrap)
    backends = {"python3 -c (no sandbox)": PlainRunner(), "bwrap per run": bwrap, "zygote": zygote}
    rows: dict[tuple[str, str], list] = {}

    def record(workload: str, name: str, n: int, rate: float, lat: list[float], bad: int) -> None:
        row = rows.setdefault((workload, name), [0, [], [], 0])
        row[0] += n
        row[1].append(rate)
        row[2] += lat
        row[3] += bad

    trivial = RunRequest(code=TRIVIAL)
    for runner in backends.values():  # warm-up: page cache, zygote start-up
        runner.run(trivial)

    problems = []
    if args.humaneval:
        from verifiers.code import verify
        from verifiers.code.loaders import load_evalplus
        from verifiers.types import Status

        problems = load_evalplus("humaneval", plus=args.plus)[: args.humaneval]
        # fill the verifier's expected-value cache (reference runs are not what we time)
        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(lambda p: verify(p.reference, p.tests, runner=zygote), problems))

    for rnd in range(args.rounds):
        for name, runner in backends.items():
            rate, lat, bad = measure(
                lambda i, r=runner: r.run(trivial).stdout == "45\n", args.runs, args.workers
            )
            record("trivial", name, args.runs, rate, lat, bad)
        if problems and rnd == 0:  # one round: a suite is already hundreds of runs
            for name, runner in backends.items():
                rate, lat, bad = measure(
                    lambda i, r=runner: (
                        verify(problems[i].reference, problems[i].tests, runner=r).status
                        is Status.CORRECT
                    ),
                    len(problems),
                    args.workers,
                )
                record(
                    "humaneval+" + ("plus" if args.plus else "base"),
                    name,
                    len(problems),
                    rate,
                    lat,
                    bad,
                )
    zygote.close()

    print(f"\nisolated runs with {args.workers} workers ({args.rounds} rounds; rate = median)")
    head = f"{'workload':<16}{'backend':<26}{'runs':>6}{'runs/s':>9}{'median ms':>11}"
    print(head + f"{'p90 ms':>9}{'vs plain':>10}{'failed':>8}")
    for (workload, name), (n, rates, lat, bad) in rows.items():
        plain = statistics.median(rows[(workload, "python3 -c (no sandbox)")][1])
        rate = statistics.median(rates)
        print(
            f"{workload:<16}{name:<26}{n:>6}{rate:>9.1f}{statistics.median(lat) * 1e3:>11.1f}"
            f"{p90(lat) * 1e3:>9.1f}{rate / plain:>9.2f}x{bad:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
