"""The sandbox verification service under load, on loopback, against the runner alone.

    .venv/bin/python benchmarks/service_load.py [--seconds 10] [--clients 4] [--workers 2]
        [--rounds 3]

1. runner: the service's own runner (the zygote, `--workers`) driven directly by `--clients`
   threads for `--seconds`: trivial runs per second. The peer every service figure is a ratio of.
   Phases 1 and 2 alternate for `--rounds` rounds; medians.
2. service, closed loop: `python -m service` in its own process; `--clients` threads POST
   SandboxFusion-shaped `/run_code` requests back to back: answered requests per second, p50 and
   p99 latency. Target (issue 10): >= 80% of the runner's rate.
3. service, half load: open loop at half the sustained rate (arrivals on a fixed schedule, so a
   slow answer does not slow the arrivals): p50 / p99 latency. Target: p99 < 100 ms.
4. 10x overload: open loop at ten times the sustained rate: answered (200), refused (429/503,
   with the time to refuse) and lost (no answer: a connection error or a client timeout).
   Targets: 0 lost, every refusal within 100 ms.

On 2 cores the clients share the machine with the service: the service's figures are a floor.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sandbox import BwrapRunner, RunRequest, ZygoteRunner  # noqa: E402

TRIVIAL = "print(sum(range(10)))"
BODY = {"code": TRIVIAL, "language": "python", "run_timeout": 5}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def runner_rate(workers: int, clients: int, seconds: float) -> float:
    runner = ZygoteRunner(workers=workers, base=BwrapRunner())
    try:
        for _ in range(20):
            runner.run(RunRequest(code=TRIVIAL))
        done = [0] * clients
        stop = time.monotonic() + seconds

        def loop(i: int) -> None:
            while time.monotonic() < stop:
                runner.run(RunRequest(code=TRIVIAL))
                done[i] += 1

        start = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(loop, range(clients)))
        return sum(done) / (time.monotonic() - start)
    finally:
        runner.close()


def start_service(workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "service", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        cmd + ["--log-level", "warning"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    sys.exit(
        f"the service did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
    )


def closed_loop(url: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def loop(_: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop:
                t = time.perf_counter()
                r = client.post(f"{url}/run_code", json=BODY)
                took = time.perf_counter() - t
                if r.status_code == 200 and r.json()["status"] == "Success":
                    with lock:
                        latencies.append(took)

    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(loop, range(clients)))
    return len(latencies) / (time.monotonic() - start), latencies


def open_loop(url: str, rate: float, seconds: float) -> dict[str, list[float]]:
    """Requests at `rate` per second on a fixed schedule; outcome -> latencies."""
    out: dict[str, list[float]] = {"answered": [], "refused": [], "lost": []}
    lock = threading.Lock()
    local = threading.local()

    def one(_: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=30)
        t = time.perf_counter()
        try:
            r = client.post(f"{url}/run_code", json=BODY)
            kind = {200: "answered", 429: "refused", 503: "refused"}.get(r.status_code, "lost")
        except httpx.HTTPError:
            kind = "lost"
        with lock:
            out[kind].append(time.perf_counter() - t)

    n = int(rate * seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(min(512, max(8, int(rate)))) as pool:
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i)
    return out


def server_refusals(url: str) -> tuple[int, int]:
    """(429/503 answers, those within 100 ms) from the service's own latency histogram."""
    from prometheus_client.parser import text_string_to_metric_families

    total = within = 0
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
        if family.name != "proofloom_request_seconds":
            continue
        for sample in family.samples:
            labels = sample.labels
            if labels.get("route") != "/run_code" or labels.get("status") not in ("429", "503"):
                continue
            if sample.name.endswith("_count"):
                total += int(sample.value)
            elif sample.name.endswith("_bucket") and labels.get("le") == "0.1":
                within += int(sample.value)
    return total, within


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3, help="runner/service rounds, interleaved")
    args = p.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; {args.clients} clients, {args.workers} workers, "
          f"{args.seconds:g} s per phase, trivial program")  # fmt: skip
    proc, url = start_service(args.workers)
    try:
        closed_loop(url, args.clients, 2.0)  # warm-up
        rounds = []  # (runner, service, latencies): interleaved, so load from others hits both
        for _ in range(args.rounds):
            runner = runner_rate(args.workers, args.clients, args.seconds)
            rate, lat = closed_loop(url, args.clients, args.seconds)
            rounds.append((runner, rate, lat))
            print(f"  round: runner {runner:.0f} runs/s, service {rate:.0f} req/s "
                  f"({rate / runner:.0%})", flush=True)  # fmt: skip
        ratios = [r / run for run, r, _ in rounds]
        ratio = statistics.median(ratios)
        runner = statistics.median(run for run, _, _ in rounds)
        rate = statistics.median(r for _, r, _ in rounds)
        lat = [x for _, _, one in rounds for x in one]
        print(f"runner alone (zygote): {runner:.0f} runs/s (median of {args.rounds} rounds)")
        print(f"service /run_code, closed loop: {rate:.0f} req/s; median ratio {ratio:.0%} of "
              f"the runner (target >= 80% [{'met' if ratio >= 0.8 else 'NOT met'}]), "
              f"p50 {1000 * pct(lat, 0.5):.1f} ms, p99 {1000 * pct(lat, 0.99):.1f} ms")  # fmt: skip
        half = open_loop(url, rate / 2, args.seconds)
        p99 = pct(half["answered"], 0.99)
        print(f"half load ({rate / 2:.0f} req/s offered): {len(half['answered'])} answered, "
              f"p50 {1000 * pct(half['answered'], 0.5):.1f} ms, p99 {1000 * p99:.1f} ms "
              f"(target < 100 ms [{'met' if p99 < 0.1 else 'NOT met'}]); "
              f"{len(half['refused'])} refused, {len(half['lost'])} lost")  # fmt: skip
        over = open_loop(url, rate * 10, args.seconds)
        refused = over["refused"]
        slowest = max(refused) if refused else 0.0
        ok = not over["lost"] and slowest < 0.1
        print(f"10x overload ({rate * 10:.0f} req/s offered, {sum(map(len, over.values()))} sent): "
              f"{len(over['answered'])} answered, {len(refused)} refused (p99 "
              f"{1000 * pct(refused, 0.99):.1f} ms, max {1000 * slowest:.1f} ms), "
              f"{len(over['lost'])} lost; target 0 lost, refusals < 100 ms "
              f"[{'met' if ok else 'NOT met'}]")  # fmt: skip
        inside, within = server_refusals(url)
        print(f"  server side: {inside} refusals, {within} of them answered within 100 ms of "
              "arrival (the rest of the client-side time is the clients' own queueing on the "
              "same 2 cores)")  # fmt: skip
        health = httpx.get(f"{url}/health").json()
        print(f"after: running {health['running']}, waiting {health['waiting']}")
    finally:
        proc.terminate()
        proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
