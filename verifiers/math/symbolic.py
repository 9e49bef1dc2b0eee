"""The rare symbolic path: sympy in a persistent worker process with a hard deadline.

Pairs the in-process checks cannot decide (values beyond the numeric guards, forms outside
the evaluator) are re-checked in a child process that runs the same comparison with
`sympy.simplify` as the last resort. The parent waits on a pipe with a deadline and kills the
child if it is late -- no signals, so this works from any thread and inside worker processes
(Math-Verify's SIGALRM timeouts do not). A killed worker is restarted on the next request.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection

from verifiers.math.types import Node

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0


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
    }  # fmt: skip
    if kind not in builders:
        raise ValueError(f"no sympy form for {kind}")
    return builders[kind]()


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


def _serve(conn: Connection) -> None:
    from verifiers.math import numbers
    from verifiers.math.answer import parse_answer
    from verifiers.math.compare import equivalent

    numbers.SYMBOLIC_FALLBACK = sympy_equal
    import sympy  # noqa: F401  (import before signalling ready, so requests are fast)

    conn.send("ready")
    while True:
        try:
            gold, pred = conn.recv()
        except EOFError:
            return
        ga, pa = parse_answer(gold), parse_answer(pred)
        results = [equivalent(g, p) for g in (ga.value, *ga.alternatives)
                   for p in (pa.value, *pa.alternatives)]  # fmt: skip
        conn.send(True if any(results) else (None if None in results else False))


class SymbolicWorker:
    """One child process, one request at a time (a lock serialises threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="math-sympy")
        proc.start()
        child.close()
        if not parent.poll(STARTUP_TIMEOUT_S) or parent.recv() != "ready":
            proc.kill()
            raise SymbolicTimeout("sympy worker did not start")
        self._proc, self._conn = proc, parent

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(1)
        self._proc = self._conn = None

    def check(self, gold: str, pred: str, deadline_s: float) -> bool | None:
        """Compare two answer texts symbolically; raise SymbolicTimeout past the deadline."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            assert self._conn is not None
            started = time.perf_counter()
            self._conn.send((gold, pred))
            if not self._conn.poll(max(deadline_s, 0.0)):
                logger.debug("sympy worker late after %.2fs; restarting", deadline_s)
                self.stop()
                raise SymbolicTimeout(f"no answer within {deadline_s:.2f}s")
            result = self._conn.recv()
            logger.debug("sympy check took %.3fs", time.perf_counter() - started)
            return result


_worker: SymbolicWorker | None = None
_worker_lock = threading.Lock()


def shared_worker() -> SymbolicWorker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = SymbolicWorker()
        return _worker
