"""Shards: the unit of work of every generator, and how a killed run resumes (datatrove's way).

A run directory holds `config.json` (how the data was made; `generate.rundir` writes and
checks it), then per shard rank

    stats/{rank:05d}.json       the shard's counters, written when it finished
    completions/{rank:05d}      the marker: present only once everything above is on disk

A shard task writes its outputs, then its stats, then its marker, each by an atomic rename, so
a run killed at any instant leaves each shard either finished (marker present) or not started
as far as a rerun can tell; `run_once` skips a shard whose marker exists and returns the stats
it recorded. Seeds come from (run seed, rank), never from time or the worker, so a rerun
recomputes an unfinished shard exactly.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from generate.errors import UsageError

# The marker of a step finished as a whole, not by shards (a trained checkpoint, a generated
# problem set): an empty or small file written last in the step's directory.
DONE = ".complete"


@dataclass(frozen=True, slots=True)
class Shard:
    """One task: shard `rank` of the run in `out_dir` with the run's `seed`."""

    rank: int
    seed: int
    out_dir: str

    def rng_seed(self, *more: int) -> int:
        """A 63-bit seed from (run seed, rank, *more): independent streams per shard and item."""
        entropy = [self.seed, self.rank, *more]
        return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> 1)


@dataclass(slots=True)
class ShardStats:
    """What a shard did: counters (`kept`, `dropped_<reason>`, ...) and its time."""

    rank: int
    counters: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False  # finished by an earlier run: read back from its stats file

    def to_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "counters": dict(self.counters), "seconds": self.seconds}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShardStats:
        return cls(int(data["rank"]), dict(data["counters"]), float(data["seconds"]))


def stats_path(out_dir: str | Path, rank: int) -> Path:
    return Path(out_dir) / "stats" / f"{rank:05d}.json"


def marker_path(out_dir: str | Path, rank: int) -> Path:
    return Path(out_dir) / "completions" / f"{rank:05d}"


def is_done(out_dir: str | Path, rank: int) -> bool:
    return marker_path(out_dir, rank).exists()


TEMP_PREFIX = ".tmp."  # atomic_write's temporaries: hidden, so `data/*.jsonl.gz` matches none


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, fsync, rename over `path`.

    A process killed between the write and the rename leaves its temporary behind;
    `remove_temporaries` clears them when the run resumes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_temporaries(folder: Path) -> int:
    """Delete what killed `atomic_write`s left in `folder` and below; how many there were.
    Only safe while nothing else writes there: a run calls it holding its directory's lock,
    before its workers start."""
    stale = [p for p in folder.rglob(f"{TEMP_PREFIX}*") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def write_jsonl_gz(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Rows as gzip-compressed JSON lines (`datasets.load_dataset("json")` reads them)."""
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    body = ("\n".join(lines) + "\n").encode() if lines else b""
    # mtime=0: the same rows give the same bytes
    atomic_write(path, gzip.compress(body, compresslevel=6, mtime=0))
    return len(lines)


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def parquet_module() -> Any:
    """pyarrow.parquet, or a usage error naming the extra that installs it."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("Parquet shards need pyarrow: pip install 'proofloom[parquet]'") from None
    return pq


def write_parquet(path: Path, rows: list[dict[str, Any]], schema: Any) -> None:
    """Rows as one Parquet file of `schema` (a `pyarrow.Schema`: every shard of a run has the
    same one, so `datasets.load_dataset("parquet")` reads them together), by `atomic_write`."""
    import pyarrow as pa

    pq = parquet_module()
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), sink)
    atomic_write(path, sink.getvalue().to_pybytes())


def run_once(task: Callable[[Shard], Counter], shard: Shard) -> ShardStats:
    """Run `task` unless the shard's marker says an earlier run finished it; record its stats
    and then its marker. `task` writes its own outputs (atomically) and returns its counters."""
    if is_done(shard.out_dir, shard.rank):
        data = json.loads(stats_path(shard.out_dir, shard.rank).read_text())
        stats = ShardStats.from_json(data)
        stats.skipped = True
        return stats
    start = time.monotonic()
    counters = task(shard)
    stats = ShardStats(shard.rank, dict(counters), round(time.monotonic() - start, 3))
    atomic_write(stats_path(shard.out_dir, shard.rank), json.dumps(stats.to_json()).encode())
    atomic_write(marker_path(shard.out_dir, shard.rank), b"")
    return stats
