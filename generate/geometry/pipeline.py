"""One geometry shard, start to finish, in a worker: sample, close, extract, write candidates.

A shard draws `premise_sets_per_shard` premise sets, each from its own seed (run seed, rank,
index), closes each under DD+AR and writes every checked theorem of it to
`candidates/{rank:05d}.jsonl.gz`. Within a shard a statement is tried once; across shards the
parent decides (`generate.geometry.run`), in rank order, against the run's index, so a shard's
candidates depend on its seed alone. Any error
inside one premise set is logged and counted, never fatal: one bad diagram never ends a run.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

from generate.geometry.config import GeometryConfig
from generate.geometry.construct import constructed
from generate.geometry.records import build_record
from generate.geometry.sampler import Sampler, Weights
from generate.geometry.theorems import Found, GoalCap, Limits, PremiseSet
from generate.shards import Shard, write_jsonl_gz

logger = logging.getLogger(__name__)


def candidates_path(out_dir: str | Path, rank: int) -> Path:
    return Path(out_dir) / "candidates" / f"{rank:05d}.jsonl.gz"


def index_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / "index.sqlite"


@dataclass(frozen=True, slots=True)
class GeometryShardTask:
    """The picklable shard task: `GeometryShardTask(config)(shard) -> counters`."""

    config: GeometryConfig

    def __call__(self, shard: Shard) -> Counter:
        config = self.config
        counts: Counter = Counter()
        sampler = Sampler(Weights.load(config.weights), config.points)
        limits = config.limits()
        balance = Balance(config.aux_share)
        # Within the shard a statement is tried once. The run's index is not consulted here:
        # which keys an earlier shard has committed depends on timing, and skipping one would
        # change which candidates compete for the sub-closure budget, so the records would
        # depend on the number of workers. The parent's commit drops the cross-shard repeats.
        seen: set[bytes] = set()

        def unseen(key: bytes) -> bool:
            if key in seen:
                return False
            seen.add(key)
            return True

        rows = []
        start = time.process_time()
        for i in range(config.premise_sets_per_shard):
            seed = shard.rng_seed(i)
            try:
                rows += self._premise_set(
                    seed, shard.rank, sampler, limits, unseen, counts, balance
                )
            except Exception:  # noqa: BLE001 - one bad diagram never ends a run
                counts["premise_set_errors"] += 1
                logger.exception("shard %d: premise set with seed %d failed", shard.rank, seed)
        write_jsonl_gz(candidates_path(shard.out_dir, shard.rank), rows)
        counts["candidates_written"] = len(rows)
        counts["cpu_ms"] = int(1000 * (time.process_time() - start))
        logger.info(
            "shard %d: %d theorems from %d premise sets",
            shard.rank,
            len(rows),
            config.premise_sets_per_shard,
        )
        return counts

    def _premise_set(
        self,
        seed: int,
        rank: int,
        sampler: Sampler,
        limits: Limits,
        unseen: Callable[[bytes], bool],
        counts: Counter,
        balance: Balance,
    ) -> list[dict[str, Any]]:
        counts["premise_sets"] += 1
        sampled = sampler.sample(Random(seed))
        if sampled is None:
            counts["premise_sets_undrawable"] += 1
            return []
        premise_set = PremiseSet(sampled, seed, limits, counts)
        if not premise_set.close():
            return []
        counts["premise_sets_closed"] += 1
        config = self.config
        rows = []
        cap = GoalCap(limits.max_goals)
        for ext, found in constructed(
            premise_set, unseen, config.constructions, config.construct_levels, cap
        ):
            balance.count(found)
            rows.append(build_record(found, ext.graph, ext.sampled.points, seed, rank).to_json())
        graph, points = premise_set.graph, sampled.points
        for found in premise_set.theorems(unseen, cap):
            if not found.aux and not balance.room():
                counts["dropped_aux_share"] += 1
                continue
            balance.count(found)
            rows.append(build_record(found, graph, points, seed, rank).to_json())
        return rows


class Balance:
    """Keeps a shard's auxiliary share at `share` or above (AlphaGeometry2 balanced its data
    at 0.5): a theorem without auxiliary points is kept only while the shard has room for it.
    0 keeps everything. The count runs over the shard in premise-set order, so the records
    stay a function of the shard's seed."""

    def __init__(self, share: float) -> None:
        self.share, self.aux, self.plain = share, 0, 0

    def room(self) -> bool:
        return self.share <= 0 or self.aux >= self.share * (self.aux + self.plain + 1)

    def count(self, found: Found) -> None:
        if found.aux:
            self.aux += 1
        else:
            self.plain += 1
