"""The executor seam: serial, local pool and a real local Ray cluster give the same results."""

import logging

import pytest

from generate.errors import RunInterrupted
from generate.executors import (
    LocalExecutor,
    RayExecutor,
    SerialExecutor,
    Window,
    make_executor,
)
from generate.geometry.config import GeometryConfig
from generate.geometry.run import GeometryRun
from tests.generate.test_geometry_run import SMALL, shard_bytes
from tests.generate.workers import dies_on_two, square_and_log


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_a_window_pulls_an_item_only_when_a_slot_is_free():
    pulled, in_flight = [], []

    def items():
        for i in range(7):
            pulled.append(i)
            yield i

    def collect(pending):  # finishes the oldest task
        in_flight.append(len(pending))
        return [pending[0] * 10], pending[1:]

    window = Window(3, lambda x: x, collect)
    results = window.run(items())
    assert [next(results), next(results)] == [0, 10]
    assert pulled == [0, 1, 2, 3] and window.pending == [2, 3]  # what a caller would cancel
    assert list(results) == [20, 30, 40, 50, 60]
    assert max(in_flight) == 3 and window.pending == []


def test_local_pool_maps_lazily_with_fixed_hash_seed_and_forwards_worker_logs():
    root = logging.getLogger()
    saved = root.handlers[:]
    collect = Collect()
    root.handlers[:] = [collect]
    try:
        pulled = []

        def items():
            for i in range(6):
                pulled.append(i)
                yield i

        results = list(LocalExecutor(2, window=2).map_unordered(square_and_log, items()))
    finally:
        for handler in root.handlers:
            close = getattr(handler, "close", None)
            if close is not None and handler is not collect:
                close()
        root.handlers[:] = saved
    assert sorted(r for r, _ in results) == [0, 1, 4, 9, 16, 25]
    assert {seed for _, seed in results} == {"0"}
    assert sorted(m for m in collect.messages if m.startswith("worker saw")) == [
        f"worker saw {i}" for i in range(6)
    ]


def test_a_dead_worker_ends_the_map_with_one_clear_error():
    with pytest.raises(RunInterrupted, match="worker process died"):
        list(LocalExecutor(2).map_unordered(dies_on_two, range(6)))


def test_serial_executor_and_factory():
    assert list(SerialExecutor().map_unordered(lambda x: x + 1, [1, 2])) == [2, 3]
    assert isinstance(make_executor("local", 2), LocalExecutor)
    assert isinstance(make_executor("ray", 2), RayExecutor)
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("slurm", 2)
    with pytest.raises(ValueError, match="workers=0"):
        LocalExecutor(0)


def test_ray_local_cluster_makes_the_same_records_as_the_local_pool(tmp_path):
    """A real Ray cluster on this machine (started and stopped here) runs the shard tasks."""
    config = dict(n=30, workers=2, **SMALL)
    local = tmp_path / "local"
    GeometryRun(GeometryConfig(out=str(local), **config), LocalExecutor(2)).run(progress=False)
    on_ray = tmp_path / "ray"
    GeometryRun(GeometryConfig(out=str(on_ray), executor="ray", **config), RayExecutor(2)).run(
        progress=False
    )
    assert shard_bytes(on_ray) == shard_bytes(local)
