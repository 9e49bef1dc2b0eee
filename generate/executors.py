"""Where shard tasks run: in this process, in a local process pool, or on a Ray cluster.

One seam, one method (datatrove's executors, httpx's transport):

    class Executor(Protocol):
        def map_unordered(self, fn, items) -> Iterator[result]

`items` is pulled lazily, only when a slot is free (at most `window` tasks in flight), so a
caller can stop feeding it when it has enough: the generator stops handing out shard ranks
once the committed records reach `--n`. Results come back in completion order.

Workers are started with PYTHONHASHSEED=0. The deduction engine iterates sets of statements,
whose order follows string hashes; with a fixed hash seed a shard computes the same records on
every machine and every run ("same seed, same shard bytes"). The serial executor runs in the
caller's interpreter, whose hash seed was fixed when it started: it is for tests and profiling.

Logs: local workers send their records to the parent's root handlers through the queue of
multiprocessing-logging's handler (`install_worker_logging`); Ray forwards worker output to the
driver itself.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, Protocol, TypeVar

from multiprocessing_logging import MultiProcessingHandler

from generate.errors import RunInterrupted

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

HASH_SEED = "0"


class Executor(Protocol):
    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


H = TypeVar("H")  # a handle on a submitted task: a Future, a Ray ObjectRef
_END = object()


class Window(Generic[R, H]):
    """At most `size` tasks in flight: pull the next item only when a slot is free, and yield
    results as they finish. The submit loop of every pool-backed executor; `submit` starts a
    task, `collect` waits for at least one of the pending handles and returns the results of
    those done with the handles still pending. `pending` is left for the caller to cancel when
    it stops early."""

    def __init__(
        self,
        size: int,
        submit: Callable[[Any], H],
        collect: Callable[[list[H]], tuple[list[R], list[H]]],
    ) -> None:
        self.size = size
        self.submit = submit
        self.collect = collect
        self.pending: list[H] = []

    def run(self, items: Iterable[Any]) -> Iterator[R]:
        source = iter(items)
        while True:
            while len(self.pending) < self.size:
                item = next(source, _END)
                if item is _END:
                    break
                self.pending.append(self.submit(item))
            if not self.pending:
                return
            results, self.pending = self.collect(self.pending)
            yield from results


class SerialExecutor:
    """Runs every task in this process, in order (tests, profiling, `--workers 1` debugging)."""

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)


def install_worker_logging(log_queue: Any, level: int) -> None:
    """Pool initializer: route this worker's log records to the parent's queue; leave Ctrl-C
    to the parent, which terminates the pool (a worker dying mid-shard loses only that shard,
    which has no completion marker and is rerun)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    root.handlers[:] = []
    root.setLevel(level)
    if log_queue is not None:
        root.addHandler(logging.handlers.QueueHandler(log_queue))


class SpawnLogHandler(MultiProcessingHandler):
    """multiprocessing-logging's handler, its queue taken from the spawn context.

    The library makes its queue with the default (fork) context, whose locks a spawned worker
    refuses to share; workers are spawned for the fixed hash seed above. The handler's receive
    thread looks the queue up on every read, so replacing it before any worker exists is safe.
    """

    def __init__(self, name: str, sub_handler: logging.Handler) -> None:
        super().__init__(name, sub_handler=sub_handler)
        self.queue = multiprocessing.get_context("spawn").Queue(-1)

    def close(self) -> None:
        """Stop the receive thread once it has emptied the queue; the wrapped handler goes
        back to the root logger (`LocalExecutor` restores it) and stays open."""
        if not getattr(self, "_is_closed", True):
            self._is_closed = True
            self._receive_thread.join(5.0)
        logging.Handler.close(self)


def _parent_log_queue() -> Any:
    """The queue that the root logger's handlers read worker records from: the root handlers
    are wrapped once in a `SpawnLogHandler`, whose thread emits what workers put there."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, SpawnLogHandler):
            return handler.queue
    if not root.handlers:
        return None
    for i, original in enumerate(list(root.handlers)):
        root.removeHandler(original)
        root.addHandler(SpawnLogHandler(f"worker-logs-{i}", original))
    return next(h.queue for h in root.handlers if isinstance(h, SpawnLogHandler))


class LocalExecutor:
    """A pool of `workers` spawned processes (spawn: no inherited locks, threads or caches).

    A worker that dies (killed for memory, a crash in native code) breaks the pool: the map
    raises `RunInterrupted` at once instead of waiting for a result that will never come. When
    the caller stops early (enough records, Ctrl-C), the workers are terminated: their shards
    have no completion marker and are redone by the next run."""

    def __init__(self, workers: int, window: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"{workers=} must be >= 1")
        self.workers = workers
        self.window = window or 2 * workers

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        # the pool may start a worker at any submit: the variable stays set until the map ends
        saved_seed = os.environ.get("PYTHONHASHSEED")
        os.environ["PYTHONHASHSEED"] = HASH_SEED
        root = logging.getLogger()
        saved_handlers = root.handlers[:]
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=install_worker_logging,
            initargs=(_parent_log_queue(), root.level),
        )

        def collect(pending: list[Future]) -> tuple[list[Any], list[Future]]:
            # a timeout keeps the main thread responsive to Ctrl-C while it waits
            done, rest = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            try:
                return [future.result() for future in done], list(rest)
            except BrokenProcessPool as exc:
                raise RunInterrupted(f"a worker process died ({exc}); rerun to resume") from None

        window: Window[R, Future] = Window(self.window, lambda x: pool.submit(fn, x), collect)
        finished = False
        try:
            yield from window.run(items)
            finished = True
        finally:
            if not finished:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()  # no public way to stop a running task
            pool.shutdown(wait=True, cancel_futures=True)  # terminated workers join at once
            for handler in root.handlers:
                if handler not in saved_handlers:
                    handler.close()
            root.handlers[:] = saved_handlers
            if saved_seed is None:
                os.environ.pop("PYTHONHASHSEED", None)
            else:
                os.environ["PYTHONHASHSEED"] = saved_seed


class RayExecutor:
    """The same tasks as Ray remote functions, `window` in flight (`ray.wait` as they finish).

    `address=None` starts a local cluster of `workers` CPUs; "auto" or "ray://host:port" joins an
    existing one. Shards write their files themselves, so on a cluster `--out` must be on storage
    every node sees (datatrove makes the same assumption)."""

    def __init__(self, workers: int, address: str | None = None, window: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"{workers=} must be >= 1")
        self.workers = workers
        self.address = address
        self.window = window or 2 * workers

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        try:
            import ray
        except ImportError:
            raise RuntimeError("the Ray executor needs ray: pip install 'proofloom[ray]'") from None
        started = False
        if not ray.is_initialized():
            env = {"env_vars": {"PYTHONHASHSEED": HASH_SEED}}
            if self.address is None:
                ray.init(
                    num_cpus=self.workers,
                    runtime_env=env,
                    include_dashboard=False,
                    logging_level=logging.WARNING,
                )
            else:
                ray.init(address=self.address, runtime_env=env, logging_level=logging.WARNING)
            started = True
        task: Any = ray.remote(num_cpus=1)(_apply)
        fn_ref = ray.put(fn)  # shipped to the cluster once, not with every task

        def collect(pending: list[Any]) -> tuple[list[Any], list[Any]]:
            ready, rest = ray.wait(pending, num_returns=1)
            return [ray.get(ready[0])], rest

        window: Window[R, Any] = Window(self.window, lambda x: task.remote(fn_ref, x), collect)
        try:
            yield from window.run(items)
        finally:
            for ref in window.pending:
                ray.cancel(ref, force=True)
            if started:
                ray.shutdown()


def _apply(fn: Callable[[T], R], item: T) -> R:
    """The Ray task: any picklable callable (a partial, a dataclass task) applied to an item."""
    return fn(item)


EXECUTORS = ("local", "ray")


def make_executor(name: str, workers: int, address: str | None = None) -> Executor:
    """The executor a CLI's `--executor` names."""
    if name == "local":
        return LocalExecutor(workers)
    if name == "ray":
        return RayExecutor(workers, address)
    raise ValueError(f"unknown executor {name!r} (choose from {', '.join(EXECUTORS)})")
