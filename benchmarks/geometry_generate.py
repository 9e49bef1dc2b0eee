"""Geometry generation throughput: proofloom's generator against Newclid's ncdgen, same run.

    .venv/bin/python benchmarks/geometry_generate.py [--seconds 60] [--rounds 3] [--workers 2]
        [--ncdgen-venv /work/peers/ncdgen-venv] [--points 8-14] [--aux-only-round]

Each round runs both generators for the same wall time on the same number of workers, one
after the other (ours first in odd rounds, ncdgen first in even ones, so a drift in the shared
machine's speed falls on both), each as its whole command: interpreter start-up, pool start,
generation, and for ours the commit of finished shards and the summary. Ours gets SIGINT at
the deadline and commits what is finished; ncdgen stops itself (`+timeout=`). Reported per
round and as medians:

- unique records per second of wall time: ours counts its records (unique up to renaming of
  points and order of clauses); ncdgen's unique `alphabetized_subproblem_str`, as its own
  dedup would (a weaker notion: renamings and clause orders count as new);
- the share with auxiliary points: ours after greedy pruning (no auxiliary clause can go
  and the statement alone is not provable); ncdgen's records whose double check found a
  true auxiliary clause;
- proof length (median, p90) and peak resident memory of the whole process tree.

ncdgen lives in its own venv (`pip install ncdgen 'newclid[yuclid]' pyyaml`), with that venv's
bin on PATH for the yuclid binary, run as the issue gives it: `ncdgen --config-name baseline
min_pts=10 max_pts=20 emit_only_double_checked_aux_subproblems=False +timeout=T
+n_workers=W +jsonl_dump_file=out.jsonl`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


class PeakMemory(threading.Thread):
    """Samples the summed RSS of a process group every 0.2 s (from /proc: no dependency)."""

    def __init__(self, pgid: int) -> None:
        super().__init__(daemon=True)
        self.pgid, self.peak, self.stop = pgid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            total = 0
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == self.pgid:  # field 5 of stat: the process group
                    total += int(fields[21]) * PAGE  # field 24: resident pages
            self.peak = max(self.peak, total)


def _run(
    cmd: list[str],
    seconds: float,
    env: dict,
    cwd: Path,
    interrupt: bool,
    log_path: Path | None = None,
) -> tuple[float, int]:
    """Run a command in its own process group; SIGINT at the deadline if `interrupt`, else wait
    (with a margin) for it to stop itself. Its output goes to `log_path` (if given). Returns
    (wall seconds, peak RSS bytes)."""
    start = time.monotonic()
    log = open(log_path, "wb") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=log,
    )
    memory = PeakMemory(proc.pid)
    memory.start()
    try:
        proc.wait(timeout=seconds if interrupt else seconds + 120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT if interrupt else signal.SIGKILL)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    wall = time.monotonic() - start
    if log is not subprocess.DEVNULL:
        log.close()
    memory.stop.set()
    memory.join()
    return wall, memory.peak


def _percentile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0


def ours(
    seconds: float,
    workers: int,
    points: str,
    aux_only: bool,
    work: Path,
    repo: Path = REPO,
    extra: tuple[str, ...] = (),
) -> dict:
    out = work / ("ours" if repo == REPO else "baseline")
    cmd = [
        sys.executable,
        "-m",
        "generate.geometry",
        "--n",
        "1e9",
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--points",
        points,
        "--draw",
        "0",
    ]
    if aux_only:
        cmd.append("--aux-only")
    cmd += list(extra)
    python = repo / ".venv" / "bin" / "python"
    if repo != REPO:
        cmd[0] = str(python if python.exists() else sys.executable)
    env = {**os.environ, "PYTHONPATH": str(repo)}
    log = work / f"{out.name}.log"
    wall, peak = _run(cmd, seconds, env, repo, interrupt=True, log_path=log)
    if not (out / "summary.json").exists():
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(cmd)} wrote no summary; its output ended:\n{tail}")
    summary = json.loads((out / "summary.json").read_text())
    premise_lists = set()
    aux_premises = set()
    for path in (out / "data").glob("*.jsonl.gz"):
        with gzip.open(path, "rt") as fh:
            for line in fh:
                row = json.loads(line)
                statement = row["problem"].split(" ? ")[0]
                premise_lists.add(statement)
                if row["aux_clauses"]:
                    aux_premises.add(statement)
    counters = summary.get("counters", {})
    kinds = {
        k[len("construct_kind_") :]: v
        for k, v in counters.items()
        if k.startswith("construct_kind_") and v
    }
    lengths = [int(k) for k, v in summary["proof_lengths"].items() for _ in range(v)]
    return {
        "unique": summary["records"],
        "aux": summary["aux_records"],
        "wall": wall,
        "peak_mb": peak / 2**20,
        "median_len": _percentile(lengths, 0.5),
        "p90_len": _percentile(lengths, 0.9),
        "premise_lists": len(premise_lists),
        "aux_premise_lists": len(aux_premises),
        "kinds": kinds,
    }


def ncdgen(seconds: float, workers: int, venv: Path, work: Path) -> dict:
    out = work / "ncdgen"
    out.mkdir()
    env = dict(os.environ, PATH=f"{venv / 'bin'}:{os.environ['PATH']}")
    cmd = [
        str(venv / "bin" / "ncdgen"),
        "--config-name",
        "baseline",
        "min_pts=10",
        "max_pts=20",
        "emit_only_double_checked_aux_subproblems=False",
        f"+timeout={seconds:g}",
        f"+n_workers={workers}",
        "+jsonl_dump_file=out.jsonl",
    ]
    wall, peak = _run(cmd, seconds, env, out, interrupt=False)
    unique, aux, lengths = set(), set(), []
    dump = out / "out.jsonl"
    for line in dump.open() if dump.exists() else []:
        try:
            sub = json.loads(line)["subproblem"]
        except (ValueError, KeyError):
            continue  # a line cut short when the run stopped
        key = sub["alphabetized_subproblem_str"]
        if key in unique:
            continue
        unique.add(key)
        lengths.append(sub["sub_problem_proof"]["proof_length"])
        check = sub.get("double_check_statistics") or {}
        if check.get("true_aux_clauses"):
            aux.add(key)
    return {
        "unique": len(unique),
        "aux": len(aux),
        "wall": wall,
        "peak_mb": peak / 2**20,
        "median_len": _percentile(lengths, 0.5),
        "p90_len": _percentile(lengths, 0.9),
    }


def _row(name: str, r: dict) -> str:
    rate = r["unique"] / r["wall"]
    share = r["aux"] / r["unique"] if r["unique"] else 0.0
    return (
        f"| {name} | {r['unique']:,} | {r['wall']:.1f} | {rate:.1f} | {share:.1%} | "
        f"{r['median_len']} / {r['p90_len']} | {r['peak_mb']:.0f} | "
        + (
            f"{r['premise_lists'] / r['unique']:.1%} | "
            if "premise_lists" in r and r["unique"]
            else "- | "
        )
        + (f"{r['aux_premise_lists']:,} |" if "aux_premise_lists" in r else "- |")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--points", default="8-14", help="ours: points per premise set")
    parser.add_argument("--ncdgen-venv", type=Path, default=Path("/work/peers/ncdgen-venv"))
    parser.add_argument("--no-ncdgen", action="store_true", help="ours only")
    parser.add_argument(
        "--aux-only-round", action="store_true", help="one more round of ours with --aux-only"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of an earlier commit, run as a peer in each round (same command)",
    )
    parser.add_argument("--flags", default="", help="more flags for ours, e.g. '--aux-share 0.2'")
    args = parser.parse_args(argv)
    have_peer = not args.no_ncdgen and (args.ncdgen_venv / "bin" / "ncdgen").exists()
    if not have_peer and not args.no_ncdgen:
        print(f"ncdgen not found in {args.ncdgen_venv}: measuring ours only", file=sys.stderr)
    print(
        "| generator | unique | wall s | unique/s | aux share | proof length median / p90 "
        "| peak MB | distinct premise lists | with aux |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rates: dict[str, list[float]] = {"ours": [], "ncdgen": [], "baseline": []}
    flags = tuple(args.flags.split())
    ratios: list[float] = []
    ratios_base: list[float] = []
    for round_no in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp:
            work = Path(tmp)
            order = ["ours", "ncdgen", "baseline"]
            if round_no % 2:
                order.reverse()
            results = {}
            for name in order:
                if name == "ours":
                    results[name] = ours(
                        args.seconds, args.workers, args.points, False, work, extra=flags
                    )
                elif name == "baseline":
                    if args.baseline is not None:
                        results[name] = ours(
                            args.seconds, args.workers, args.points, False, work, args.baseline
                        )
                elif have_peer:
                    results[name] = ncdgen(args.seconds, args.workers, args.ncdgen_venv, work)
            for name, r in results.items():
                rates[name].append(r["unique"] / r["wall"])
                print(_row(f"{name} (round {round_no + 1})", r), flush=True)
            if "baseline" in results and results["baseline"]["unique"]:
                ratios_base.append(rates["ours"][-1] / rates["baseline"][-1])
            if "ncdgen" in results and results["ncdgen"]["unique"]:
                ratios.append(rates["ours"][-1] / rates["ncdgen"][-1])
    if args.aux_only_round:
        with tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp:
            r = ours(args.seconds, args.workers, args.points, True, Path(tmp), extra=flags)
            print(_row("ours --aux-only", r))
            print(f"aux theorems per second (--aux-only): {r['aux'] / r['wall']:.2f}")
            print(f"construction kinds of the auxiliary theorems: {r['kinds']}")
    print()
    for name, values in rates.items():
        if values:
            print(f"median unique/s {name}: {statistics.median(values):.1f}")
    if ratios_base:
        print(
            f"median ratio ours/baseline (same round): {statistics.median(ratios_base):.2f}x "
            f"(rounds: {', '.join(f'{r:.2f}' for r in ratios_base)})"
        )
    if ratios:
        print(
            f"median ratio ours/ncdgen (same round): {statistics.median(ratios):.2f}x "
            f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
