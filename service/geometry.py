"""Geometry checks in worker processes the service can kill: `GeometryPool`.

A geometry check is pure-Python CPU work (DD+AR, `verifiers.geometry.verify`) that holds the
GIL for up to its time limit, and its closure can run past that limit (the deadline is checked
between matches and phases, and drawing is not bounded by it). In the service's own process it
would stall the event loop and every other route. So each check runs in one of `size` worker
processes, one check per worker at a time, and the caller waits on a pipe with a hard wall bound
(the check's limit plus `slack_s`): a worker that overruns it is killed, the request gets a
TIMEOUT verdict, and the worker is started again when next needed, so one stuck check never
wedges the pool. concurrent.futures.ProcessPoolExecutor cannot do this: it cannot stop a running
call, and a killed worker breaks the whole executor and every call in flight on it.

Workers start on first use (a service that only runs code never loads `deduction`), forked by
multiprocessing's fork server, not by the service itself (its process has threads), with the
imports preloaded there: they take about a second, once, and a worker started again after a
kill is ready in ~15 ms. A start is never counted against a check's bound. Calls block: run
them on a thread, as the app does.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from multiprocessing.connection import Connection
from typing import Any

from verifiers.types import Status, Verdict

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0
_READY = "ready"


@dataclass(frozen=True, slots=True)
class GeometryJob:
    """One check, as sent to a worker (plain values: it is pickled through a pipe)."""

    problem: str
    completion: str
    timeout_s: float
    rules: str = "proofloom"
    seed: int = 0


def make_job(
    problem: str, completion: str, timeout_s: float | None, rules: str, max_timeout_s: float
) -> GeometryJob:
    """The job of a request, checked: ValueError (one line) when `timeout_s` is over
    `max_timeout_s`, or the problem does not parse or has no goal, or `rules` is unknown: the
    caller's mistake, refused before a worker is used. No `timeout_s`: the verifier's default
    (`GeometryTask.timeout_s`), or `max_timeout_s` if that is lower."""
    from verifiers.geometry import GeometryTask  # loads deduction: only on a geometry request

    if timeout_s is None:
        default = next(f.default for f in fields(GeometryTask) if f.name == "timeout_s")
        timeout_s = min(float(default), max_timeout_s)  # type: ignore[arg-type]
    elif timeout_s > max_timeout_s:
        raise ValueError(f"timeout_s={timeout_s:g} is over the service's maximum {max_timeout_s:g}")
    GeometryTask(problem, timeout_s, rules)
    return GeometryJob(problem, completion, timeout_s, rules)


def _serve(conn: Connection) -> None:
    """A worker's loop: receive a job, send back its verdict, until the pipe closes."""
    # Ctrl-C on the service's process group is the service's to handle; it stops the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from verifiers.geometry import GeometryTask, verify

    conn.send(_READY)
    while True:
        try:
            job: GeometryJob = conn.recv()
        except (EOFError, OSError):
            return
        started = time.monotonic()
        try:
            task = GeometryTask(job.problem, job.timeout_s, job.rules)
            verdict = verify(job.completion, task, seed=job.seed)
        except Exception as exc:  # noqa: BLE001 -- the parent checked the task; this is ours
            verdict = Verdict(Status.ERROR, repr(exc)[:200], time.monotonic() - started)
        conn.send(verdict)


class _Worker:
    """One process and the parent's end of its pipe; started on demand, killed when late."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._process: Any = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()  # the child's end lives in the child only: its death is our EOF
        self._process, self._conn = process, parent
        if not parent.poll(STARTUP_TIMEOUT_S) or parent.recv() != _READY:
            self.kill()
            raise RuntimeError(f"no geometry worker within {STARTUP_TIMEOUT_S:g} s")
        return parent

    def exchange(self, job: GeometryJob, wall_s: float) -> tuple[Verdict, bool]:
        """The job's verdict, and whether the worker had to be killed (late or dead)."""
        conn = self._conn
        if conn is None or not self._process.is_alive():
            self.kill()
            conn = self._start()
        started = time.monotonic()
        try:
            conn.send(job)
            if conn.poll(wall_s):
                verdict: Verdict = conn.recv()
                return verdict, False
        except (EOFError, OSError) as exc:
            code = self._process.exitcode
            self.kill()
            reason = f"geometry worker died (exit code {code}): {exc!r}"
            return Verdict(Status.ERROR, reason, time.monotonic() - started), True
        self.kill()
        reason = f"geometry check overran its {wall_s:g} s bound; its worker was stopped"
        return Verdict(Status.TIMEOUT, reason, time.monotonic() - started), True

    def kill(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join(5)
        self._process, self._conn = None, None


class GeometryPool:
    """`size` geometry workers; `judge` blocks until one is free, then for at most the job's
    time limit plus `slack_s`. `on_recycle` is called each time a worker is killed."""

    def __init__(
        self, size: int, slack_s: float, on_recycle: Callable[[], None] | None = None
    ) -> None:
        if size < 1:
            raise ValueError(f"{size=} must be >= 1")
        self.slack_s = slack_s
        self._on_recycle = on_recycle
        context = multiprocessing.get_context("forkserver")
        # what a worker would import: the main module (`python -m service` imports the whole
        # service), this module (the pickled `_serve`) and the verifier; then a worker starts in
        # ~15 ms instead of ~0.9 s. Ignored if this process's fork server already runs.
        context.set_forkserver_preload(["__main__", __name__, "verifiers.geometry"])
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers = [_Worker(context) for _ in range(size)]
        for worker in self._workers:
            self._idle.put(worker)
        self._closed = threading.Event()

    def judge(self, job: GeometryJob) -> Verdict:
        if self._closed.is_set():
            raise RuntimeError("the geometry pool is closed")
        worker = self._idle.get()
        try:
            verdict, killed = worker.exchange(job, job.timeout_s + self.slack_s)
        except Exception as exc:  # noqa: BLE001 -- a worker that cannot start is our failure
            worker.kill()
            logger.warning("geometry worker failed: %r", exc)
            return Verdict(Status.ERROR, f"geometry worker failed: {exc!r}"[:200])
        finally:
            self._idle.put(worker)
        if killed:
            logger.warning("geometry worker recycled: %s", verdict.reason)
            if self._on_recycle is not None:
                self._on_recycle()
        return verdict

    def close(self) -> None:
        """Stop every worker (the app's shutdown: no check is in flight by then)."""
        self._closed.set()
        for worker in self._workers:
            worker.kill()
