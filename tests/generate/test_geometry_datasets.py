"""A geometry run's shards load with `datasets` in both formats: one schema for every shard."""

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from generate.executors import SerialExecutor
from generate.geometry.config import GeometryConfig
from generate.geometry.records import GeometryRecord, arrow_schema, features
from generate.geometry.run import GeometryRun, data_path
from generate.shards import write_jsonl_gz, write_parquet

datasets = pytest.importorskip("datasets")
pa = pytest.importorskip("pyarrow")

TINY = {"points": (6, 8), "premise_sets_per_shard": 1, "workers": 1}


def rows_of(path: Path) -> list[dict]:
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def with_aux(record: dict) -> dict:
    """A record of the run given an auxiliary point, as the generator lays one out."""
    coords = record["coordinates"]
    aux = {"name": "z", "x": coords[0]["x"] + 1.0, "y": coords[0]["y"] - 1.0}
    clause = f"z = midpoint z {coords[0]['name']} {coords[1]['name']}"
    difficulty = {**record["difficulty"], "aux_points": 1}
    return {
        **record,
        "id": "f" * 32,
        "aux_clauses": [clause],
        "aux_points": 1,
        "difficulty": difficulty,
        "coordinates": [*coords, aux],
    }


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_multi_shard_run_loads_with_datasets(tmp_path, fmt):
    out = tmp_path / "run"
    config = GeometryConfig(out=str(out), n=1, format=fmt, **TINY)
    first = GeometryRun(config, SerialExecutor()).run(progress=False)
    # a larger n continues the run into at least one more shard
    more = dataclasses.replace(config, n=first["records"] + 1)
    summary = GeometryRun(more, SerialExecutor()).run(progress=False)
    assert summary["shards"] >= 2
    shards = sorted((out / "data").glob("*"))
    records = [r for path in shards for r in rows_of(path)]
    assert records and all(r["aux_clauses"] == [] for r in records)  # the common case
    # and a shard with an auxiliary record, through the run's own writer
    extra = with_aux(records[0])
    path = data_path(out, summary["shards"], fmt)
    if fmt == "parquet":
        write_parquet(path, [extra], arrow_schema())
    else:
        write_jsonl_gz(path, [extra])

    pattern = str(out / "data" / ("*.parquet" if fmt == "parquet" else "*.jsonl.gz"))
    builder = "parquet" if fmt == "parquet" else "json"
    # JSON lines carry no types: features() says what a column of empty lists holds
    typed = {} if fmt == "parquet" else {"features": features()}
    loaded = datasets.load_dataset(
        builder, data_files=pattern, split="train", cache_dir=str(tmp_path / "cache"), **typed
    )
    assert loaded.features == features()
    assert loaded.num_rows == len(records) + 1
    assert sorted(loaded["id"]) == sorted([r["id"] for r in records] + [extra["id"]])
    got = next(r for r in loaded if r["id"] == extra["id"])
    assert got["aux_clauses"] == extra["aux_clauses"]
    assert got["coordinates"] == extra["coordinates"]
    assert got["difficulty"] == extra["difficulty"]


def test_the_schema_is_the_record_fields_and_every_record_fits_it(tmp_path):
    schema = arrow_schema()
    assert schema.names == [f.name for f in dataclasses.fields(GeometryRecord)]
    assert schema.field("aux_clauses").type == pa.list_(pa.string())
    assert schema.field("coordinates").type == pa.list_(
        pa.struct([("name", pa.string()), ("x", pa.float64()), ("y", pa.float64())])
    )
    difficulty = schema.field("difficulty").type
    assert {difficulty.field(i).name for i in range(difficulty.num_fields)} == {
        "proof_length",
        "aux_points",
        "distinct_rules",
    }
    out = tmp_path / "run"
    GeometryRun(GeometryConfig(out=str(out), n=1, **TINY), SerialExecutor()).run(progress=False)
    for path in sorted((out / "data").glob("*")):
        for record in rows_of(path):
            assert list(record) == schema.names
            steps = record["proof"]
            assert record["difficulty"] == {
                "proof_length": len(steps),
                "aux_points": record["aux_points"],
                "distinct_rules": len({s["rule"] for s in steps}),
            }
            # the record's own type round-trips it
            assert GeometryRecord.from_json(record).to_json() == record
