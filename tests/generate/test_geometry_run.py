"""The geometry generator end to end: determinism, checked records, dedup, resume, flags."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deduction import Proof, holds, load_rules, parse_problem, realise, recheck
from deduction.numeric import checker
from deduction.problem import premise_statements
from deduction.types import ProofStep, Statement
from generate.executors import LocalExecutor, SerialExecutor
from generate.geometry.cli import main
from generate.geometry.config import GeometryConfig
from generate.geometry.run import GeometryRun

REPO = Path(__file__).resolve().parents[2]
SMALL = {"points": (6, 9), "premise_sets_per_shard": 2, "closure_timeout": 20.0}


def records(run_dir: Path) -> list[dict]:
    rows = []
    for path in sorted((run_dir / "data").glob("*.jsonl.gz")):
        with gzip.open(path, "rt") as fh:
            rows += [json.loads(line) for line in fh]
    return rows


def shard_bytes(run_dir: Path) -> dict[str, bytes]:
    return {p.name: gzip.decompress(p.read_bytes()) for p in sorted((run_dir / "data").glob("*"))}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("geo") / "run"
    GeometryRun(GeometryConfig(out=str(out), n=60, workers=2, **SMALL), LocalExecutor(2)).run(
        progress=False
    )
    return out


def test_run_reaches_n_with_unique_ids(small_run):
    rows = records(small_run)
    assert len(rows) >= 60
    assert len({r["id"] for r in rows}) == len(rows)
    summary = json.loads((small_run / "summary.json").read_text())
    assert summary["records"] == len(rows)
    manifest = json.loads((small_run / "manifest.json").read_text())
    assert sum(s["records"] for s in manifest["shards"]) == len(rows)


def test_same_seed_same_records_whatever_the_workers(small_run, tmp_path):
    again = tmp_path / "again"
    GeometryRun(GeometryConfig(out=str(again), n=60, workers=1, **SMALL), LocalExecutor(1)).run(
        progress=False
    )
    assert shard_bytes(again) == shard_bytes(small_run)


def _proof(record: dict):
    steps = tuple(
        ProofStep(
            Statement.parse(s["conclusion"]),
            s["rule"],
            tuple(Statement.parse(p) for p in s["premises"]),
        )
        for s in record["proof"]
    )
    derived = {s.conclusion for s in steps}
    premises = tuple(dict.fromkeys(p for s in steps for p in s.premises if p not in derived))
    return Proof(Statement.parse(record["goal"]), premises, steps)


def test_every_record_rechecks_on_its_own_problem(small_run):
    rules = load_rules()
    for record in records(small_run):
        problem = parse_problem(record["problem_with_aux"])
        points = {p["name"]: (p["x"], p["y"]) for p in record["coordinates"]}
        allowed = [st for st, _ in premise_statements(problem)]
        proof = _proof(record)
        problems = recheck(proof, points, checker(points), rules, allowed)
        assert problems == [], (record["problem_with_aux"], problems)
        assert record["proof_length"] == len(proof.steps) >= 2


def test_every_goal_holds_on_fresh_figures_of_its_problem(small_run):
    for record in records(small_run)[:40]:
        problem = parse_problem(record["problem_with_aux"])
        for seed in (101, 202):
            points = realise(problem, seed=seed, check_goal=False).points
            assert holds(problem.goal, points), record["problem_with_aux"]


def test_problem_and_text_fields_agree(small_run):
    for record in records(small_run):
        problem = parse_problem(record["problem"])
        with_aux = parse_problem(record["problem_with_aux"])
        assert problem.goal == with_aux.goal == Statement.parse(record["goal"])
        assert with_aux.clauses[: len(problem.clauses)] == problem.clauses
        assert len(with_aux.points) == record["points"] + record["aux_points"]
        assert record["text"].startswith(f"<problem> {record['problem']}\n")
        assert record["statement"].endswith(".") and "Prove that" in record["statement"]


def test_deduction_solve_reproves_a_sample_without_aux_search(small_run, tmp_path):
    sample = records(small_run)[::7][:6]
    problems = tmp_path / "sample.txt"
    problems.write_text("".join(f"r{i}\n{r['problem_with_aux']}\n" for i, r in enumerate(sample)))
    done = subprocess.run(
        [sys.executable, "-m", "deduction.solve", str(problems), "--no-aux", "--jobs", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert f"solved {len(sample)} of {len(sample)}" in done.stdout, done.stdout + done.stderr


def test_resume_after_kill_loses_and_duplicates_nothing(small_run, tmp_path):
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "generate.geometry",
        "--out",
        str(out),
        "--n",
        "60",
        "--workers",
        "2",
        "--points",
        "6-9",
        "--shard-size",
        "2",
        "--draw",
        "0",
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "data").glob("*")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((out / "data").glob("*")), "no shard was committed before the kill"
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert shard_bytes(out) == shard_bytes(small_run)


def test_a_larger_n_continues_the_same_run(tmp_path):
    out = tmp_path / "grow"
    config = dict(out=str(out), workers=1, **SMALL)
    GeometryRun(GeometryConfig(n=20, **config), SerialExecutor()).run(progress=False)
    first = records(out)
    GeometryRun(GeometryConfig(n=len(first) + 1, **config), SerialExecutor()).run(progress=False)
    second = records(out)
    assert len(second) > len(first)
    assert [r["id"] for r in second[: len(first)]] == [r["id"] for r in first]
    assert len({r["id"] for r in second}) == len(second)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--n", "abc"], "'abc' is not a number"),
        (["--n", "-1"], "must be a whole number >= 1"),
        (["--n", "1.5"], "must be a whole number >= 1"),
        (["--workers", "0"], "must be >= 1"),
        (["--points", "9-3"], "LO is greater than HI"),
        (["--points", "2-5"], "need 3 <= LO"),
        (["--weights", "/nonexistent.toml"], "cannot read construction weights"),
    ],
)
def test_bad_flags_are_one_line(argv, message, tmp_path, capsys):
    try:
        code = main(["--out", str(tmp_path / "x"), *argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert message in err[-1] and "Traceback" not in "\n".join(err)


def test_an_out_dir_holding_another_run_is_refused(small_run, capsys):
    code = main(["--out", str(small_run), "--seed", "5", "--n", "10"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "seed=0" in err[0]


def test_n_accepts_scientific_notation():
    from generate.geometry.cli import parser

    assert parser().parse_args(["--n", "1e6"]).n == 1_000_000
    assert parser().parse_args(["--n", "1_000"]).n == 1000


def test_a_second_parent_on_the_same_out_is_refused(tmp_path, capsys):
    import fcntl

    out = tmp_path / "busy"
    out.mkdir()
    with open(out / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = main(["--out", str(out), "--n", "10"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"python -m generate.geometry: error: another run is using {out}"]


def test_resume_redoes_an_uncommitted_data_file_and_refuses_a_lost_candidates_file(tmp_path):
    out = tmp_path / "r"
    config = GeometryConfig(out=str(out), n=5, workers=1, **SMALL)
    GeometryRun(config, SerialExecutor()).run(progress=False)
    shards = len(list((out / "data").glob("*")))
    stray = out / "data" / f"{shards + 3:05d}.jsonl.gz"  # as a run killed before its commit
    stray.write_bytes(b"")
    # as a run killed between a write and its rename (CI once caught this in the kill test)
    half = out / "data" / f".tmp.{shards:05d}.jsonl.gz.k1ll3d"
    half.write_bytes(b"")
    GeometryRun(config, SerialExecutor()).run(progress=False)
    assert not stray.exists() and not half.exists()
    assert (out / ".lock").exists()  # hidden, but not a temporary
    # a finished shard whose candidates vanished is an error, not a silent empty commit
    from generate.errors import GenerateError
    from generate.geometry.pipeline import candidates_path
    from generate.shards import marker_path

    rank = shards
    marker_path(out, rank).parent.mkdir(exist_ok=True)
    marker_path(out, rank).write_bytes(b"")
    (out / "stats" / f"{rank:05d}.json").write_text(
        json.dumps({"rank": rank, "counters": {}, "seconds": 0})
    )
    assert not candidates_path(out, rank).exists()
    with pytest.raises(GenerateError, match="is missing"):
        GeometryRun(
            GeometryConfig(out=str(out), n=10_000, workers=1, **SMALL), SerialExecutor()
        ).run(progress=False)


def test_a_run_that_makes_nothing_stops_and_stays_stopped(tmp_path, monkeypatch):
    import generate.geometry.run as run_module

    monkeypatch.setattr(run_module, "BARREN_SHARDS", 3)
    config = GeometryConfig(out=str(tmp_path / "b"), n=10, workers=1, min_steps=500, **SMALL)
    summary = GeometryRun(config, SerialExecutor()).run(progress=False)
    assert summary["records"] == 0 and summary["shards"] == 3
    again = GeometryRun(config, SerialExecutor()).run(progress=False)
    assert again["shards"] == 3  # the count of barren shards is read back from the commits


def test_parquet_shards_hold_the_same_records_and_arrow_reads_both(small_run, tmp_path):
    """`datasets.load_dataset("json"|"parquet")` reads shards through Arrow's readers."""
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    out = tmp_path / "pq"
    config = GeometryConfig(out=str(out), n=60, workers=2, format="parquet", **SMALL)
    GeometryRun(config, LocalExecutor(2)).run(progress=False)
    table = pq.read_table(sorted((out / "data").glob("*.parquet")))
    assert table.column("id").to_pylist() == [r["id"] for r in records(small_run)]
    first = sorted((small_run / "data").glob("*.jsonl.gz"))[0]
    plain = tmp_path / "first.jsonl"
    plain.write_bytes(gzip.decompress(first.read_bytes()))
    rows = pj.read_json(plain).to_pylist()
    assert [r["problem"] for r in rows] == [r["problem"] for r in records(small_run)][: len(rows)]
