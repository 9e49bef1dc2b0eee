"""Shards, completion markers, atomic writes, and the dedup index."""

import json
from collections import Counter

import pytest

from generate.index import KeyIndex
from generate.shards import (
    Shard,
    is_done,
    marker_path,
    read_jsonl_gz,
    run_once,
    stats_path,
    write_jsonl_gz,
    write_parquet,
)


class CountingTask:
    def __init__(self):
        self.calls = 0

    def __call__(self, shard):
        self.calls += 1
        return Counter(kept=shard.rank + 1)


def test_run_once_writes_stats_then_marker_and_skips_on_rerun(tmp_path):
    task = CountingTask()
    shard = Shard(3, 0, str(tmp_path))
    first = run_once(task, shard)
    assert first.counters == {"kept": 4} and not first.skipped
    assert is_done(tmp_path, 3) and marker_path(tmp_path, 3).name == "00003"
    assert json.loads(stats_path(tmp_path, 3).read_text())["counters"] == {"kept": 4}
    again = run_once(task, shard)
    assert again.skipped and again.counters == {"kept": 4} and task.calls == 1


def test_a_task_that_dies_leaves_no_marker(tmp_path):
    def dies(shard):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        run_once(dies, Shard(0, 0, str(tmp_path)))
    assert not is_done(tmp_path, 0) and not stats_path(tmp_path, 0).exists()


def test_seeds_depend_on_seed_rank_and_item_only():
    a = Shard(1, 5, "x").rng_seed(2)
    assert a == Shard(1, 5, "elsewhere").rng_seed(2)
    assert (
        len(
            {
                a,
                Shard(2, 5, "x").rng_seed(2),
                Shard(1, 6, "x").rng_seed(2),
                Shard(1, 5, "x").rng_seed(3),
            }
        )
        == 4
    )


def test_jsonl_gz_round_trip_is_byte_stable(tmp_path):
    rows = [{"id": "a", "n": 1}, {"id": "b", "text": "∠ABC"}]
    write_jsonl_gz(tmp_path / "x.jsonl.gz", rows)
    first = (tmp_path / "x.jsonl.gz").read_bytes()
    write_jsonl_gz(tmp_path / "x.jsonl.gz", rows)
    assert (tmp_path / "x.jsonl.gz").read_bytes() == first
    assert read_jsonl_gz(tmp_path / "x.jsonl.gz") == rows


def _parquet(path, rows):
    import pyarrow as pa

    write_parquet(path, rows, pa.schema([("id", pa.string())]))


@pytest.mark.parametrize("suffix, write", [("jsonl.gz", write_jsonl_gz), ("parquet", _parquet)])
def test_a_killed_atomic_write_leaves_only_a_temporary_that_resume_removes(
    tmp_path, monkeypatch, suffix, write
):
    import os

    import generate.shards as shards

    target = tmp_path / "data" / f"00000.{suffix}"

    def killed(src, dst):
        raise KeyboardInterrupt  # stands in for a kill between fsync and rename

    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(shards.Path, "unlink", lambda self, missing_ok=False: None)
    try:
        write(target, [{"id": "a"}])
    except KeyboardInterrupt:
        pass
    monkeypatch.undo()
    left = list(target.parent.iterdir())
    assert not target.exists() and len(left) == 1
    assert not list(target.parent.glob(f"*.{suffix}"))  # what readers glob never sees it
    (tmp_path / ".lock").write_text("")
    assert shards.remove_temporaries(tmp_path) == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [".lock"]


def test_index_commits_new_keys_once(tmp_path):
    index = KeyIndex(tmp_path / "i.sqlite")
    written = []

    def write(new):
        written.append(new)
        return {"file": "x"}

    info = index.commit(0, [b"a" * 16, b"b" * 16, b"a" * 16], write)
    assert info["kept"] == 2 and written[-1] == [True, True, False]
    index.commit(1, [b"b" * 16, b"c" * 16], write)
    assert written[-1] == [False, True]
    assert len(index) == 3 and sorted(index.committed()) == [0, 1]
    with pytest.raises(ValueError, match="out of order"):
        index.commit(5, [b"d" * 16], write)
    index.close()
    again = KeyIndex(tmp_path / "i.sqlite")  # on disk: a resumed run sees the same
    assert len(again) == 3 and again.committed()[1]["kept"] == 1


def test_index_commit_is_all_or_nothing(tmp_path):
    index = KeyIndex(tmp_path / "i.sqlite")

    def crash(new):
        raise OSError("disk full")

    with pytest.raises(OSError):
        index.commit(0, [b"a" * 16], crash)
    assert len(index) == 0 and index.committed() == {}
