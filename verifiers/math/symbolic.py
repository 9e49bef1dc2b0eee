"""The rare symbolic path: sympy in a persistent worker process with a hard deadline.

Pairs the in-process checks cannot decide (values beyond the numeric guards, forms outside
the evaluator) are re-checked in a child process that runs the same comparison with
`sympy.simplify` as the last resort. The parent waits on a pipe with a deadline and kills the
child if it is late -- no signals, so this works from any thread and inside worker processes
(Math-Verify's SIGALRM timeouts do not). A killed worker is restarted on the next request.
Start-up of the worker (importing sympy, about a second) is not counted against a deadline.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

from verifiers.math.types import Node

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0
# The worker runs `-m verifiers.math.symbolic`; run it from the directory holding the package
# so an uninstalled checkout works too.
_REPO_ROOT = str(Path(__file__).resolve().parent.parent.parent)


class SymbolicTimeout(Exception):
    pass


def to_sympy(node: Node):  # type: ignore[no-untyped-def]
    """Our expression tree as a sympy expression (imported here: the worker pays for sympy)."""
    import sympy

    kind = node[0]
    args = [to_sympy(c) if isinstance(c, tuple) else c for c in node[1:]]
    builders = {
        "num": lambda: sympy.Rational(node[1].numerator, node[1].denominator),
        "sym": lambda: sympy.Symbol(node[1], positive=True),
        "const": lambda: {"pi": sympy.pi, "e": sympy.E, "i": sympy.I, "inf": sympy.oo}[node[1]],
        "add": lambda: sympy.Add(*args),
        "mul": lambda: sympy.Mul(*args),
        "neg": lambda: -args[0],
        "div": lambda: args[0] / args[1],
        "pow": lambda: sympy.Pow(args[0], args[1]),
        "root": lambda: sympy.root(args[0], args[1]),
        "abs": lambda: sympy.Abs(args[0]),
        "fact": lambda: sympy.factorial(args[0]),
        "binom": lambda: sympy.binomial(args[0], args[1]),
        "fn": lambda: getattr(sympy, {"ln": "log", "arcsin": "asin", "arccos": "acos",
                                      "arctan": "atan"}.get(node[1], node[1]))(args[1]),
        "log": lambda: sympy.log(args[0]) if node[2] is None else sympy.log(args[0], args[1]),
        "app": lambda: sympy.Function(node[1])(args[1]),
        "mat": lambda: sympy.Matrix([[to_sympy(c) for c in row] for row in node[1]]),
        "base": lambda: sympy.Integer(int(node[1], node[2])),
        "sum": lambda: sympy.Sum(to_sympy(node[4]), _limits(node)).doit(),
        "prod": lambda: sympy.Product(to_sympy(node[4]), _limits(node)).doit(),
    }  # fmt: skip
    if kind not in builders:
        raise ValueError(f"no sympy form for {kind}")
    return builders[kind]()


def _limits(node: Node):  # type: ignore[no-untyped-def]
    import sympy

    return (sympy.Symbol(node[1], positive=True), to_sympy(node[2]), to_sympy(node[3]))


def sympy_equal(a: Node, b: Node) -> bool | None:
    import sympy

    try:
        sa, sb = to_sympy(a), to_sympy(b)
        if sa == sb:
            return True
        diff = sympy.simplify(sa - sb)
        if isinstance(diff, sympy.MatrixBase):
            return all(x == 0 for x in diff)
        return bool(diff == 0)
    except (ValueError, TypeError, ZeroDivisionError, AttributeError):
        return None


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker loop: one JSON request per line in, one JSON result per line out."""
    from verifiers.math import numbers
    from verifiers.math.answer import parse_answer
    from verifiers.math.compare import equivalent

    numbers.SYMBOLIC_FALLBACK = sympy_equal
    import sympy  # noqa: F401  (import before signalling ready, so requests are fast)

    stdout.write(b'"ready"\n')
    stdout.flush()
    for line in stdin:
        gold, pred = json.loads(line)
        ga, pa = parse_answer(gold), parse_answer(pred)
        results = [equivalent(g, p) for g in (ga.value, *ga.alternatives)
                   for p in (pa.value, *pa.alternatives)]  # fmt: skip
        result = True if any(results) else (None if None in results else False)
        stdout.write(json.dumps(result).encode() + b"\n")
        stdout.flush()


class SymbolicWorker:
    """One child process (`python -m verifiers.math.symbolic`), one request at a time.

    A plain subprocess rather than multiprocessing: nothing of the caller's __main__ is
    re-imported, and fork+exec is safe from any thread. Reads wait in select() with a deadline.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._buffer = b""

    def _spawn(self) -> None:
        """Launch a worker without waiting for it (it imports sympy meanwhile)."""
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "verifiers.math.symbolic"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=_REPO_ROOT,
        )
        self._ready, self._buffer = False, b""

    def _ensure_ready(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            self.stop()
            self._spawn()
        if not self._ready:
            if self._read_line(STARTUP_TIMEOUT_S) != "ready":
                self.stop()
                raise SymbolicTimeout("sympy worker did not start")
            self._ready = True

    def _read_line(self, timeout_s: float) -> object:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise SymbolicTimeout(f"no answer within {timeout_s:.2f}s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise SymbolicTimeout("sympy worker exited")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> None:
        self._ready = False
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
        self._proc = None

    def check(self, gold: str, pred: str, deadline_s: float) -> bool | None:
        """Compare two answer texts symbolically; raise SymbolicTimeout past the deadline.

        Waiting for another thread's request counts against the deadline too, so N threads
        sharing the worker each still return within their own bound.
        """
        waited_from = time.monotonic()
        if not self._lock.acquire(timeout=max(deadline_s, 0.0)):
            raise SymbolicTimeout(f"worker busy for {deadline_s:.2f}s")
        try:
            if not self._ready or self._proc is None or self._proc.poll() is not None:
                self._ensure_ready()
                waited_from = time.monotonic()  # start-up is not part of the budget
            left = deadline_s - (time.monotonic() - waited_from)
            assert self._proc is not None and self._proc.stdin is not None
            try:
                self._proc.stdin.write(json.dumps([gold, pred]).encode() + b"\n")
                self._proc.stdin.flush()
                result = self._read_line(max(left, 0.0))
            except (SymbolicTimeout, OSError) as exc:
                logger.debug("sympy worker failed or late (%s); restarting", exc)
                self.stop()
                self._spawn()  # a warm spare: the next request will not pay the start-up
                raise SymbolicTimeout(str(exc)) from None
            except BaseException:
                # interrupted mid-request (Ctrl-C): its late answer must not be read as the
                # answer to the next request
                self.stop()
                raise
            return result  # type: ignore[return-value]
        finally:
            self._lock.release()


_worker: SymbolicWorker | None = None
_worker_pid = 0
_worker_lock = threading.Lock()


def shared_worker() -> SymbolicWorker:
    """This process's worker; a forked child gets its own, never its parent's pipes."""
    global _worker, _worker_pid
    with _worker_lock:
        if _worker is None or _worker_pid != os.getpid():
            _worker, _worker_pid = SymbolicWorker(), os.getpid()
        return _worker


if __name__ == "__main__":
    # Ctrl-C at a terminal reaches this worker too. Its parent decides what an interrupt means;
    # a worker dying first would make the answer being checked a TIMEOUT. It ends when its
    # parent closes the pipe or kills it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin.buffer, sys.stdout.buffer)
