"""ReST-EM on geometry: the auxiliary records as problems, splits by premise set, repeats judged
once, and one iteration end to end with the tiny model and the real DD+AR verifier.

`data/geometry_aux.jsonl`: 16 auxiliary records of `python -m generate.geometry` (9 figures,
each reference construction verified in under half a second) and one record without auxiliary
clauses, which the loader must skip.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from generate.errors import UsageError
from generate.rest_em.cli import main
from generate.rest_em.config import RestEMConfig
from generate.rest_em.datasets import load_problems, load_source, problem_of, spec_of
from generate.rest_em.geometry_data import premise_sets
from verifiers import Status, verify_completion

DATA = Path(__file__).parent / "data" / "geometry_aux.jsonl"
RECORDS = [json.loads(line) for line in DATA.read_text().splitlines()]


def test_auxiliary_records_become_problems_without_their_aux_clauses():
    problems = load_problems("geometry", str(DATA), None, timeout_s=7.0)
    assert len(problems) == len(RECORDS) - 1  # the record without aux clauses is skipped
    for p, record in zip(problems, RECORDS, strict=False):
        assert p.domain == "geometry" and p.id == record["id"]
        assert p.prompt == record["problem"] == p.tests.problem and p.tests.timeout_s == 7.0
        assert p.meta["solution"] == "; ".join(record["aux_clauses"])
        assert problem_of(spec_of(p)) == p  # what a worker rebuilds
    reference = problems[0]
    assert verify_completion(reference, reference.meta["solution"]).status is Status.CORRECT
    assert verify_completion(reference, "").status is Status.WRONG  # DD+AR alone cannot


def test_parquet_and_a_generator_run_directory_read_alike(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(RECORDS), tmp_path / "aux.parquet")
    (tmp_path / "run" / "data").mkdir(parents=True)
    (tmp_path / "run" / "data" / "00000.jsonl").write_text(DATA.read_text())
    want = [
        (p.id, p.prompt, p.meta["premise_set"])
        for p in load_problems("geometry", str(DATA), None, timeout_s=5.0)
    ]
    for source in (tmp_path / "aux.parquet", tmp_path / "run"):
        got = load_problems("geometry", str(source), None, timeout_s=5.0)
        assert [(p.id, p.prompt, p.meta["premise_set"]) for p in got] == want


def test_premise_sets_join_a_figure_and_a_shared_statement():
    records = [
        ("1", {"problem": "a b c = triangle a b c ? perp a b a c", "seed": 1}),
        ("2", {"problem": "a b c = triangle a b c; d = midpoint d a b ? cong d a d b", "seed": 1}),
        ("3", {"problem": "a b c = triangle a b c ? perp a b a c", "seed": 2}),  # as 1's premises
        ("4", {"problem": "a b = segment a b ? cong a b a b", "seed": 3}),
    ]
    keys = premise_sets(records)
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert premise_sets(records[::-1]) == keys[::-1]  # the file's order does not matter


def split_of(out: Path) -> dict[str, list[str]]:
    listing = json.loads((out / "problems.json").read_text())
    return {name: listing[name] for name in ("seed", "pool", "held_out")}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_premise_set_straddles_two_splits(tmp_path, seed):
    from generate.executors import SerialExecutor
    from generate.rest_em.loop import RestEMRun

    config = RestEMConfig.for_domain(
        "geometry", str(tmp_path / "r"), problems=str(DATA), seed=seed, seed_problems=4
    )
    seed_set, pool, held = RestEMRun(config, SerialExecutor())._problems()
    assert seed_set and pool and held
    sides = {}
    for name, problems in (("seed", seed_set), ("pool", pool), ("held", held)):
        for p in problems:
            assert sides.setdefault(p.meta["premise_set"], name) == name, p.id
    assert split_of(tmp_path / "r") == {
        "seed": [p.id for p in seed_set],
        "pool": [p.id for p in pool],
        "held_out": [p.id for p in held],
    }
    again = RestEMRun(config, SerialExecutor())._problems()  # deterministic with the seed
    assert [[p.id for p in s] for s in again] == [[p.id for p in s] for s in (seed_set, pool, held)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json\n", "not a JSON line"),
        ("[1, 2]\n", "not a JSON object"),
        (
            '{"problem": "a b c = triangle a b c", "aux_clauses": ["d = midpoint d a b"]}\n',
            "clauses ? goal",
        ),
        (
            '{"problem": "a b c = triangle a b c ? perp a b a c", "aux_clauses": "d"}\n',
            "needs 'aux_clauses'",
        ),
        (
            '{"problem": "a b c = nonsense a b c ? perp a b a c", "aux_clauses": ["d = x"]}\n',
            "does not parse",
        ),
        (
            '{"problem": "a b c = triangle a b c ? perp a b a c", "aux_clauses": []}\n',
            "holds no usable auxiliary geometry problem",
        ),
    ],
)
def test_bad_problem_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_source("geometry", str(path), 5.0)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_problem_file_is_one_line_from_the_command_line(tmp_path, capsys):
    code = main(
        [
            "--domain",
            "geometry",
            "--problems",
            str(tmp_path / "nope.jsonl"),
            "--out",
            str(tmp_path / "r"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "no such file or directory" in err[-1]
    assert "Traceback" not in "\n".join(err)


def test_geometry_defaults_fill_only_the_flags_not_given(tmp_path):
    from generate.rest_em.cli import given

    argv = ["--domain", "geometry", "--k", "3"]
    assert "k" in given(argv) and "seed_problems" not in given(argv)
    config = RestEMConfig.for_domain("geometry", str(tmp_path), k=3)
    assert (
        config.k == 3
        and config.eval_k == 4
        and config.seed_problems == 10
        and config.timeout == 5.0
    )
    assert "timeout" not in RestEMConfig("math", str(tmp_path)).to_json()  # old runs resume


def test_repeated_completions_are_judged_once(tmp_path, monkeypatch):
    """Greedy decoding repeats one completion K times: the shard judges it once per problem
    (the real verifier, counted) and copies the verdict to the repeats."""
    pytest.importorskip("torch")
    import verifiers.problems
    from generate.rest_em.policy import build_tiny
    from generate.rest_em.samplers import SamplingSettings
    from generate.rest_em.steps import SampleAndJudge, read_judged
    from generate.shards import Shard

    calls = Counter()
    real = verifiers.problems.VERIFIERS["geometry"]

    def counted(problem, completion, **options):
        calls[problem.id, completion] += 1
        return real(problem, completion, **options)

    monkeypatch.setitem(verifiers.problems.VERIFIERS, "geometry", counted)
    problems = load_problems("geometry", str(DATA), 3, timeout_s=5.0)
    model = build_tiny(tmp_path / "tiny")
    greedy = SamplingSettings(k=4, temperature=0.0, max_new_tokens=24)
    task = SampleAndJudge(str(model), tuple(spec_of(p) for p in problems), 3, greedy, ("\n",))
    counts = task(Shard(0, 0, str(tmp_path / "step")))
    judged = read_judged(tmp_path / "step", 1)
    assert len(judged) == 12 and counts["samples"] == 12
    assert counts["distinct"] == len(calls) == 3 and counts["repeats"] == 9
    assert set(calls.values()) == {1}
    for p in problems:
        verdicts = {j.verdict for j in judged if j.sample.problem_id == p.id}
        assert len(verdicts) == 1  # the copies carry the one verdict


def test_one_iteration_end_to_end(tmp_path):
    """Seed training, held-out evaluation and one E-step with the tiny model and DD+AR as the
    reward, in this process (the code and math tests run the process pool). The tiny model
    rarely proposes a construction that parses after so little training, so an E-step without
    a correct sample, which stops the run, is a valid outcome; every verdict must be a
    judgement, never ERROR or TIMEOUT."""
    pytest.importorskip("torch")
    from generate.executors import SerialExecutor
    from generate.rest_em.loop import RestEMRun
    from generate.rest_em.steps import read_judged

    out = tmp_path / "geo"
    config = RestEMConfig.for_domain(
        "geometry",
        str(out),
        problems=str(DATA),
        seed_problems=4,
        seed_epochs=20,
        iterations=1,
        k=2,
        eval_k=2,
        cap=2,
        epochs=1,
        max_new_tokens=32,
    )
    summary = RestEMRun(config, SerialExecutor()).run(progress=False)
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] in ([0], [0, 1])
    assert rows[0]["held_out"] == len(split_of(out)["held_out"]) and "pass@2" in rows[0]
    assert summary["domain"] == "geometry" and (out / "summary.json").exists()
    pool = split_of(out)["pool"]
    shards = -(-len(pool) // config.shard_size)
    judged = read_judged(out / "iter_001" / "estep", shards)
    assert len(judged) == 2 * len(pool)
    assert {j.verdict.status for j in judged} <= {Status.CORRECT, Status.WRONG}


def test_the_built_in_set_stops_the_generator_at_its_budget(tmp_path):
    """The generator runs as a child and is stopped with SIGINT at the time bound: in 4 s it
    commits no auxiliary theorem (shards take longer), which is one line, not a hang."""
    import time

    from generate.rest_em.geometry_data import generate_default

    start = time.monotonic()
    try:
        made = generate_default(tmp_path / "p", n=5, seed=0, budget_s=4.0, workers=1)
    except UsageError as exc:
        assert "made no auxiliary problem in 4 s" in str(exc) and "\n" not in str(exc)
        assert not (tmp_path / "p" / ".complete").exists()  # a rerun generates again
    else:  # a fast machine: whatever it committed is the set, marked done
        assert (made / ".complete").exists()
    assert time.monotonic() - start < 60
    assert (tmp_path / "p" / "config.json").exists()  # the generator's own run directory
