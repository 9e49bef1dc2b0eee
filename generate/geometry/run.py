"""A geometry run: shards out to the executor, commits back in rank order, a summary at the end.

The parent hands out shard ranks 0, 1, 2, ... while fewer than `n` unique records are
committed, and commits each finished shard in rank order: its candidates are checked against
the run's index (`generate.index`), the new ones written to `data/{rank:05d}.jsonl.gz` (or
`.parquet`), and the keys and the commit recorded in one transaction. A killed run resumes
where it stopped: committed shards stay, finished but uncommitted ones are committed, the
rest are recomputed from their seeds. The same seed and settings give the same records
whatever the number of workers, the executor, or how often the run was interrupted.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from generate.errors import GenerateError, RunInterrupted
from generate.executors import Executor, make_executor
from generate.geometry.config import RESUMABLE, GeometryConfig
from generate.geometry.pipeline import GeometryShardTask, candidates_path, index_path
from generate.geometry.records import arrow_schema
from generate.index import KeyIndex
from generate.rundir import RunDir
from generate.shards import (
    Shard,
    ShardStats,
    atomic_write,
    read_jsonl_gz,
    run_once,
    write_jsonl_gz,
    write_parquet,
)

logger = logging.getLogger(__name__)

# a run whose last this-many shards all committed nothing is producing nothing: stop it
BARREN_SHARDS = 50


def data_path(out_dir: str | Path, rank: int, fmt: str) -> Path:
    suffix = "jsonl.gz" if fmt == "jsonl" else "parquet"
    return Path(out_dir) / "data" / f"{rank:05d}.{suffix}"


class GeometryRun:
    """The parent side of `python -m generate.geometry` (see the module docstring)."""

    def __init__(self, config: GeometryConfig, executor: Executor | None = None) -> None:
        self.config = config
        self.out = Path(config.out)
        self.run_dir = RunDir(self.out, config.to_json(), RESUMABLE)
        self.executor = executor or make_executor(
            config.executor, config.workers, config.ray_address
        )

    def run(self, progress: bool | None = None) -> dict[str, Any]:
        """Generate until `n` records are committed; the summary (also in summary.json)."""
        with self.run_dir:
            index = KeyIndex(index_path(self.out))
            try:
                self._drop_uncommitted_data(len(index.committed()))
                return self._run(index, progress)
            finally:
                index.close()

    def _drop_uncommitted_data(self, committed: int) -> None:
        """A data file of a shard the index does not list was written by a run killed before
        its commit: the commit, when its turn comes, writes it again."""
        for path in (self.out / "data").glob("*"):
            if path.name[:5].isdigit() and int(path.name[:5]) >= committed:
                path.unlink()

    def _run(self, index: KeyIndex, progress: bool | None) -> dict[str, Any]:
        config, out = self.config, self.out
        committed = index.committed()
        total = sum(c["kept"] for c in committed.values())
        aux = sum(c["aux"] for c in committed.values())
        next_rank = len(committed)  # commits are a prefix of the ranks
        start_total, start = total, time.monotonic()
        barren = 0  # shards in a row, at the end of the commits, that kept nothing
        for rank in sorted(committed, reverse=True):
            if committed[rank]["kept"]:
                break
            barren += 1
        bar = tqdm(
            total=config.n,
            initial=min(total, config.n),
            unit="thm",
            disable=None if progress is None else not progress,
            dynamic_ncols=True,
        )

        def wanted() -> bool:
            return total < config.n and barren < BARREN_SHARDS

        def commit(rank: int) -> int:
            nonlocal total, aux, barren
            info = self._commit(index, rank)
            total += info["kept"]
            aux += info["aux"]
            barren = barren + 1 if info["kept"] == 0 else 0
            bar.update(min(info["kept"], max(0, config.n - bar.n)))
            rate = (total - start_total) / max(1e-9, time.monotonic() - start)
            bar.set_postfix(unique=total, rate=f"{rate:.1f}/s", aux=f"{aux / max(1, total):.1%}")
            return info["kept"]

        # shards an earlier run finished but did not commit
        while wanted() and self.run_dir.is_done(next_rank):
            commit(next_rank)
            next_rank += 1

        def ranks() -> Iterator[Shard]:
            rank = next_rank
            while wanted():
                yield Shard(rank, config.seed, str(out))
                rank += 1

        finished: dict[int, ShardStats] = {}
        task = partial(run_once, GeometryShardTask(config))
        try:
            if wanted():
                for stats in self.executor.map_unordered(task, ranks()):
                    finished[stats.rank] = stats
                    while next_rank in finished and wanted():
                        commit(next_rank)
                        next_rank += 1
                    if not wanted():
                        break
        except KeyboardInterrupt:
            bar.close()
            self.summary(index, time.monotonic() - start, total - start_total)
            raise RunInterrupted(
                f"interrupted with {total} of {config.n} records committed; "
                "run the same command again to resume"
            ) from None
        bar.close()
        if barren >= BARREN_SHARDS and total < config.n:
            logger.warning(
                "the last %d shards produced no new theorem: stopping at %d of %d",
                BARREN_SHARDS,
                total,
                config.n,
            )
        return self.summary(index, time.monotonic() - start, total - start_total)

    def _commit(self, index: KeyIndex, rank: int) -> dict[str, Any]:
        """Commit one finished shard (see `KeyIndex.commit`)."""
        source = candidates_path(self.out, rank)
        if not source.exists():
            raise GenerateError(
                f"shard {rank} is marked complete but {source} is missing; delete "
                f"{self.run_dir.marker(rank)} to have it recomputed"
            )
        rows = read_jsonl_gz(source)
        keys = [bytes.fromhex(r["id"]) for r in rows]
        fmt = self.config.format

        def write(new: list[bool]) -> dict[str, Any]:
            kept = [r for r, ok in zip(rows, new, strict=True) if ok]
            path = data_path(self.out, rank, fmt)
            if fmt == "parquet":
                write_parquet(path, kept, arrow_schema())
            else:
                write_jsonl_gz(path, kept)
            return {
                "file": str(path.relative_to(self.out)),
                "aux": sum(1 for r in kept if r["aux_points"]),
                "lengths": dict(Counter(r["proof_length"] for r in kept)),
                "predicates": dict(Counter(r["goal"].split()[0] for r in kept)),
            }

        info = index.commit(rank, keys, write)
        source.unlink(missing_ok=True)
        return info

    def summary(self, index: KeyIndex, seconds: float, new_records: int) -> dict[str, Any]:
        """Rates, aux share, proof lengths, predicate mix and drop reasons of the whole run;
        written to summary.json and manifest.json."""
        committed = index.committed()
        counters: Counter = Counter()
        lengths: Counter = Counter()
        predicates: Counter = Counter()
        for rank, info in committed.items():
            path = self.run_dir.stats(rank)
            if path.exists():
                counters.update(json.loads(path.read_text())["counters"])
            lengths.update({int(k): v for k, v in info["lengths"].items()})
            predicates.update(info["predicates"])
        records = sum(c["kept"] for c in committed.values())
        aux = sum(c["aux"] for c in committed.values())
        summary = {
            "records": records,
            "aux_records": aux,
            "aux_share": round(aux / records, 4) if records else 0.0,
            "shards": len(committed),
            "seconds_this_run": round(seconds, 2),
            "records_this_run": new_records,
            "records_per_second_this_run": round(new_records / seconds, 2) if seconds else 0.0,
            "proof_lengths": dict(sorted(lengths.items())),
            "predicates": dict(predicates.most_common()),
            "counters": dict(sorted(counters.items())),
        }
        manifest = {
            "config": self.config.to_json(),
            "records": records,
            "shards": [
                {"rank": rank, "file": info["file"], "records": info["kept"], "aux": info["aux"]}
                for rank, info in sorted(committed.items())
            ],
        }
        atomic_write(self.out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
        atomic_write(self.out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        return summary
