"""One owner of a run directory for every generator: its lock, its config, its temporaries.

    with RunDir(config.out, config.to_json(), RESUMABLE) as run_dir:
        ...  # this process alone writes under run_dir.root until the block ends

Entering takes the directory's lock (`.lock`, flock: one parent per directory, since two would
both commit the same shard), writes `config.json` into a new directory or checks an existing
one against the config, and removes the temporaries that writes of a killed run left behind
(`shards.remove_temporaries`: safe only here, holding the lock, before any worker starts).
The shard files under it are laid out by `generate.shards` (`stats/`, `completions/`); each
generator names its own data files.

A config's identity is every field except those a resumed run may change (`resumable`: the
run size, workers, executor, ...). A field added to a config is therefore part of the identity
unless it is named resumable, and a run directory made without it is refused rather than
resumed into a mix of two datasets.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from generate.errors import ConfigMismatch
from generate.shards import atomic_write, is_done, marker_path, remove_temporaries, stats_path

__all__ = ["RunDir", "check_config"]


class RunDir:
    """A run directory held by this process (see the module docstring)."""

    def __init__(
        self, root: str | Path, config: Mapping[str, Any], resumable: Iterable[str]
    ) -> None:
        self.root = Path(root)
        self.config = dict(config)
        self.resumable = frozenset(resumable)
        self._lock: IO[str] | None = None

    @property
    def config_path(self) -> Path:
        return self.root / "config.json"

    def stats(self, rank: int) -> Path:
        return stats_path(self.root, rank)

    def marker(self, rank: int) -> Path:
        return marker_path(self.root, rank)

    def is_done(self, rank: int) -> bool:
        return is_done(self.root, rank)

    def __enter__(self) -> RunDir:
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.root / ".lock", "a")  # held until __exit__
        try:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigMismatch(f"another run is using {self.root}") from None
            check_config(self.root, self.config, self.resumable)
            remove_temporaries(self.root)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the flock
            self._lock = None


def check_config(out_dir: str | Path, config: Mapping[str, Any], resumable: Iterable[str]) -> None:
    """Write `config.json` into a new run directory; in an existing one, refuse a config that
    differs from it in any field outside `resumable` (one the old file lacks counts as
    different), so a resumed run never mixes two datasets."""
    path = Path(out_dir) / "config.json"
    visible = [p for p in path.parent.iterdir() if not p.name.startswith(".")]  # .lock
    if not path.exists() and visible:
        raise ConfigMismatch(
            f"{out_dir} is not empty and holds no config.json: not a run directory"
        )
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigMismatch(f"{path} is unreadable ({exc}); use another --out") from None
        new = json.loads(json.dumps(dict(config)))  # as it reads back: tuples are lists
        skip = frozenset(resumable)
        keys = [k for k in dict.fromkeys([*new, *old]) if k not in skip]
        diff = [k for k in keys if old.get(k) != new.get(k)]
        if diff:
            k = diff[0]
            raise ConfigMismatch(
                f"{out_dir} holds a run made with {k}={old.get(k)!r}, not {config.get(k)!r}; "
                "use another --out, or the same settings to resume it"
            )
    atomic_write(path, (json.dumps(dict(config), indent=2, sort_keys=True) + "\n").encode())
