"""The on-disk dedup index of a run: every key it has emitted, and which shards are committed.

SQLite, one file in the run directory: memory stays at its page cache whatever `--n` is, a
lookup is a B-tree probe, and a shard's keys and its commit row go in one transaction. Shards
are committed in rank order by the parent alone, so which copy of a repeated theorem is kept
never depends on which worker finished first: the same seed gives the same records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (key BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commits (rank INTEGER PRIMARY KEY, kept INTEGER, info TEXT);
"""


class KeyIndex:
    """The run's index, opened by the parent (the only process that reads or writes it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM keys").fetchone()[0])

    def committed(self) -> dict[int, dict[str, Any]]:
        """rank -> the info recorded when it was committed (with `kept`)."""
        rows = self.db.execute("SELECT rank, kept, info FROM commits ORDER BY rank")
        return {rank: {"kept": kept, **json.loads(info)} for rank, kept, info in rows}

    def commit(
        self,
        rank: int,
        keys: Sequence[bytes],
        write: Callable[[list[bool]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Commit shard `rank`: find which of its keys are new, let `write(new)` write the
        shard's output for those (and return what to remember of it), then record the keys and
        the commit in one transaction. A crash before the transaction ends leaves nothing
        recorded, and a rerun of the commit writes the same output again."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT COUNT(*) FROM commits").fetchone()[0]
            if rank != done:  # commits are a prefix of the ranks, each made once
                raise ValueError(f"shard {rank} committed out of order (next is {done})")
            new, fresh = [], set()
            for key in keys:
                ok = (
                    key not in fresh
                    and db.execute("SELECT 1 FROM keys WHERE key = ?", (key,)).fetchone() is None
                )
                new.append(ok)
                if ok:
                    fresh.add(key)
            info = write(new)
            db.executemany("INSERT INTO keys VALUES (?)", ((k,) for k in fresh))
            db.execute(
                "INSERT INTO commits VALUES (?, ?, ?)",
                (rank, len(fresh), json.dumps(info)),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return {"kept": len(fresh), **info}
