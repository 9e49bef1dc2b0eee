"""Math verifier vs Math-Verify 0.9.0 on a labelled JSONL file, side by side in one run.

    .venv/bin/python benchmarks/math_verifier.py ../shared/math/verifier_cases.jsonl

Prints accuracy with false positives/negatives by category, throughput (single process, cold
caches; and a batch over 2 worker processes on the file repeated --repeat times, cold caches,
pool start-up included) and the worst per-case latency. Math-Verify runs in this process's main
thread (its timeouts need SIGALRM), twice: called as its README shows, and with bare answers
wrapped in $...$. Each line needs "prediction", "gold", "label"; "category" is optional.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifiers.math import verify, verify_many  # noqa: E402


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def run(cases: list[dict], judge: Callable[[str, str], bool]) -> dict:
    """Judge every case once; returns predictions, per-case latencies and wall/CPU totals."""
    results, latencies = [], []
    wall, cpu = time.perf_counter(), time.process_time()
    for case in cases:
        started = time.perf_counter()
        results.append(bool(judge(case["prediction"], case["gold"])))
        latencies.append(time.perf_counter() - started)
    return {
        "results": results,
        "latencies": latencies,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
    }


def report(name: str, cases: list[dict], out: dict) -> dict:
    fp, fn, total = Counter(), Counter(), Counter()
    for case, got in zip(cases, out["results"], strict=True):
        cat = case.get("category", "all")
        total[cat] += 1
        if got and not case["label"]:
            fp[cat] += 1
        elif case["label"] and not got:
            fn[cat] += 1
    errors = sum(fp.values()) + sum(fn.values())
    accuracy = 1 - errors / len(cases)
    worst = max(out["latencies"])
    worst_id = cases[out["latencies"].index(worst)].get("id", "?")
    print(f"\n== {name}")
    print(
        f"accuracy {accuracy:.3f} ({errors} errors: FP {sum(fp.values())}, FN {sum(fn.values())})"
    )
    print(
        f"{len(cases) / out['wall']:.0f} cases/s wall, {len(cases) / out['cpu']:.0f} cases/s CPU, "
        f"median {statistics.median(out['latencies']) * 1e3:.2f} ms, "
        f"worst {worst * 1e3:.1f} ms ({worst_id})"
    )
    bad = sorted(set(fp) | set(fn))
    if bad:
        print("  category          FP  FN  of")
        for cat in bad:
            print(f"  {cat:16s} {fp[cat]:3d} {fn[cat]:3d} {total[cat]:3d}")
    return {"accuracy": accuracy, "rate": len(cases) / out["wall"], "worst": worst}


def ours(pred: str, gold: str) -> bool:
    return bool(verify(pred, gold, cache=False).reward)


def batch_rate(cases: list[dict], workers: int, repeat: int) -> tuple[float, float]:
    """(cases per wall second, cases per CPU second summed over the pool's processes)."""
    pairs = [(c["prediction"], c["gold"]) for c in cases] * repeat
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu = time.perf_counter(), time.process_time()
    verdicts = verify_many(pairs, workers=workers, cache=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    total_cpu = child_cpu + time.process_time() - cpu
    assert len(verdicts) == len(pairs)
    return len(pairs) / elapsed, len(pairs) / total_cpu


def _has_delimiters(s: str) -> bool:
    return any(d in s for d in ("$", "\\(", "\\[", "\\boxed"))


def math_verify_judges() -> dict[str, Callable[[str, str], bool]]:
    try:
        from math_verify import parse
        from math_verify import verify as mv_verify
    except ImportError:
        print("math-verify not installed: pip install 'math-verify[antlr4-13-2]==0.9.0'")
        return {}

    def readme(pred: str, gold: str) -> bool:
        return mv_verify(parse(gold), parse(pred))

    def wrapped(pred: str, gold: str) -> bool:
        gold = gold if _has_delimiters(gold) else f"${gold}$"
        pred = pred if _has_delimiters(pred) else f"${pred}$"
        return mv_verify(parse(gold), parse(pred))

    return {"Math-Verify 0.9.0 (README usage)": readme, "Math-Verify 0.9.0 ($-wrapped)": wrapped}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10, help="copies of the file in the batch")
    parser.add_argument("--skip-math-verify", action="store_true")
    args = parser.parse_args(argv)
    cases = load(args.file)
    machine = platform.processor() or platform.machine()
    print(f"{len(cases)} cases from {args.file}; {machine}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    verify("1", "1")  # import-time work is not per-case work
    mine = report("proofloom verifiers.math (single process, cold caches)", cases, run(cases, ours))
    rate, per_cpu = batch_rate(cases, args.workers, args.repeat)
    print(f"batch: {rate:.0f} cases/s wall with {args.workers} workers "
          f"({len(cases) * args.repeat} cases, cold caches, pool start-up included); "
          f"{per_cpu:.0f} cases per CPU-second, so ~{per_cpu * args.workers:.0f}/s "
          f"on {args.workers} idle cores")  # fmt: skip
    peers = {} if args.skip_math_verify else math_verify_judges()
    summary = {name: report(name, cases, run(cases, judge)) for name, judge in peers.items()}
    if summary:
        print("\n== side by side")
        print(f"{'':34s} {'accuracy':>8s} {'cases/s':>8s} {'worst ms':>9s}")
        print(f"{'proofloom (single)':34s} {mine['accuracy']:8.3f} {mine['rate']:8.0f} "
              f"{mine['worst'] * 1e3:9.1f}")  # fmt: skip
        print(f"{'proofloom (batch)':34s} {mine['accuracy']:8.3f} {rate:8.0f}")
        for name, s in summary.items():
            print(f"{name:34s} {s['accuracy']:8.3f} {s['rate']:8.0f} {s['worst'] * 1e3:9.1f}")
        best_peer = max(s["rate"] for s in summary.values())
        print(f"speed-up: single {mine['rate'] / best_peer:.1f}x, batch {rate / best_peer:.1f}x "
              "over the faster Math-Verify mode")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
