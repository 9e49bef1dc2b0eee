"""Records of a run by id: the shards, a record by its id or a unique prefix, close ids.

A run's records sit in `RUN_DIR/data/NNNNN.jsonl.gz` (or `.parquet`). A lookup reads only
what it must: a line is parsed only if it holds the id, a Parquet shard's table only if its
`id` column matches, and a miss suggests the ids sharing the longest prefix.
"""

from __future__ import annotations

import bisect
import gzip
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

from generate.errors import GenerateError
from generate.shards import parquet_module, read_jsonl_gz

__all__ = ["RecordLookupError", "closest_ids", "find_record", "read_shard", "shard_paths"]


class RecordLookupError(GenerateError):
    """No such run directory, no record with that id, or an id prefix that matches several."""


_ID_FIELD = re.compile(r'"id":\s*"([^"]*)"')


def _jsonl_matches(path: Path, prefix: str) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if prefix in line:  # cheap: only a line that holds the prefix is parsed
                record = json.loads(line)
                if str(record.get("id", "")).startswith(prefix):
                    yield record


def _jsonl_ids(path: Path) -> Iterator[str]:
    # for suggestions only, so a regex stands in for parsing every line
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        yield from (m.group(1) for line in fh if (m := _ID_FIELD.search(line)))


def _parquet() -> Any:
    return parquet_module()


def _parquet_matches(path: Path, prefix: str) -> Iterator[dict[str, Any]]:
    rows = [i for i, x in enumerate(_parquet_ids(path)) if x.startswith(prefix)]
    if rows:  # the whole table is read only for a shard that holds a match
        table = _parquet().read_table(path)
        yield from (table.slice(i, 1).to_pylist()[0] for i in rows)


def _parquet_ids(path: Path) -> Iterator[str]:
    yield from (str(x) for x in _parquet().read_table(path, columns=["id"])["id"].to_pylist())


Reader = tuple[Callable[[Path, str], Iterator[dict[str, Any]]], Callable[[Path], Iterator[str]]]
# shard suffix -> (the records whose id starts with a prefix, every id)
READERS: dict[str, Reader] = {
    ".jsonl.gz": (_jsonl_matches, _jsonl_ids),
    ".parquet": (_parquet_matches, _parquet_ids),
}


def _reader(path: Path) -> Reader:
    return next(reader for suffix, reader in READERS.items() if path.name.endswith(suffix))


def shard_paths(run_dir: str | Path) -> list[Path]:
    """The record shards of a run: RUN_DIR/data/*, or RUN_DIR/* if it has no data/ folder."""
    root = Path(run_dir)
    if not root.is_dir():
        raise RecordLookupError(f"no run directory {str(root)!r}")
    data = root / "data" if (root / "data").is_dir() else root
    # a name starting with '.' is a shard still being written (atomic rename)
    paths = sorted(p for p in data.glob("[!.]*") if p.name.endswith(tuple(READERS)))
    if not paths:
        raise RecordLookupError(f"no .jsonl.gz or .parquet shards in {str(data)!r}")
    return paths


def find_record(run_dir: str | Path, record_id: str) -> dict[str, Any]:
    """The record of `run_dir` whose id is `record_id` or starts with it.

    A full id stops at its shard; a prefix reads every shard to be sure it is unique. The
    RecordLookupError names the closest ids, or the ids an ambiguous prefix matches.
    """
    prefix = record_id.strip()
    if not prefix:
        raise RecordLookupError("empty record id")
    paths = shard_paths(run_dir)
    first: dict[str, Any] | None = None
    ids: list[str] = []
    for path in paths:
        try:
            for record in _reader(path)[0](path, prefix):
                if record["id"] == prefix:
                    return _clean(record)
                first = first or record
                ids.append(record["id"])
        except (OSError, EOFError, ValueError) as exc:  # gzip, JSON and Arrow errors
            raise RecordLookupError(f"cannot read {path}: {exc}") from None
    if first is not None and len(ids) == 1:
        return _clean(first)
    if ids:
        shown = ", ".join(sorted(ids)[:3]) + (", ..." if len(ids) > 3 else "")
        raise RecordLookupError(
            f"{prefix!r} starts {len(ids)} record ids ({shown}): give more of the id"
        )
    close = closest_ids((i for path in paths for i in _reader(path)[1](path)), prefix)
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise RecordLookupError(f"no record {prefix!r} in {len(paths)} shard(s) of {run_dir}{hint}")


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    points = coordinates(record.get("coordinates"))
    named = [{"name": k, "x": x, "y": y} for k, (x, y) in points.items()]
    return {**record, "coordinates": named}


def closest_ids(ids: Iterable[str], query: str, k: int = 3) -> list[str]:
    """The `k` ids sharing the longest prefix with `query` (its neighbours in sorted order), in
    one pass and constant memory whatever the run's size. Ids are hex digests: a shared prefix
    is the closeness that matters, as for git's abbreviated hashes."""
    below: list[str] = []  # the k largest ids before the query, sorted
    above: list[str] = []  # the k smallest after it, sorted
    for i in ids:
        if i < query and (len(below) < k or i > below[0]):
            bisect.insort(below, i)
            del below[:-k]
        elif i > query and (len(above) < k or i < above[-1]):
            bisect.insort(above, i)
            del above[k:]
    nearest_first = [i for pair in zip_longest(below[::-1], above) for i in pair if i is not None]
    return sorted(nearest_first, key=lambda i: -len(os.path.commonprefix([i, query])))[:k]


def read_shard(path: str | Path) -> list[dict[str, Any]]:
    """Every record of one shard (.jsonl.gz or .parquet), as written."""
    path = Path(path)
    if path.name.endswith(".parquet"):
        return [_clean(r) for r in _parquet().read_table(path).to_pylist()]
    return read_jsonl_gz(path)


def coordinates(raw: Any) -> dict[str, tuple[float, float]]:
    """A record's `coordinates` (a list of `{name, x, y}`) as a dict of points by name.

    Records of generator version 2 and older held a dict `{name: [x, y]}`, which their Parquet
    shards stored as a struct over every point name of the shard (a name a record lacks reads
    None); both are read too."""
    if isinstance(raw, dict):
        return {str(k): (float(v[0]), float(v[1])) for k, v in raw.items() if v is not None}
    return {str(p["name"]): (float(p["x"]), float(p["y"])) for p in raw or []}
