"""The ReST-EM loop end to end with a real tiny model, a real pool and the real verifiers."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

# End to end with subprocesses and training: ~40 s on an idle 2-core machine, and these
# machines vary twice over in speed; the limit is there to catch a hang, not to time them.
pytestmark = pytest.mark.timeout(240)

from generate.executors import LocalExecutor, SerialExecutor  # noqa: E402
from generate.rest_em.cli import main  # noqa: E402
from generate.rest_em.config import RestEMConfig  # noqa: E402
from generate.rest_em.families import make_problem  # noqa: E402
from generate.rest_em.loop import RestEMRun  # noqa: E402
from verifiers import Status, verify_completion  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SMALL = dict(
    n_problems=120,
    seed_problems=40,
    seed_epochs=3,
    iterations=1,
    k=4,
    eval_k=4,
    cap=2,
    epochs=1,
    shard_size=30,
    max_new_tokens=32,
)


def digest(path: Path) -> str:
    return hashlib.sha1((path / "model.safetensors").read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def math_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rest") / "math"
    RestEMRun(RestEMConfig("math", str(out), **SMALL), LocalExecutor(2)).run(progress=False)
    return out


def test_one_iteration_measures_base_and_iterate(math_run):
    rows = [json.loads(x) for x in (math_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1]
    for r in rows:
        assert 0.0 <= r["pass@1"] <= 1.0 and 0.0 <= r["pass@4"] <= 1.0
        assert r["sampled_pass@1"] <= r["pass@4"] + 1e-9
    assert rows[1]["kept"] >= 1 and rows[1]["estep_samples"] == 4 * len(
        json.loads((math_run / "problems.json").read_text())["pool"]
    )
    summary = json.loads((math_run / "summary.json").read_text())
    assert summary["best_iteration"] in (0, 1)
    assert (math_run / "pass_at_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_kept_set_is_correct_capped_and_the_m_step_starts_from_the_base(math_run):
    listing = json.loads((math_run / "problems.json").read_text())
    pool = {pid for pid in listing["pool"]}
    rows = [json.loads(x) for x in (math_run / "iter_001" / "sft.jsonl").read_text().splitlines()]
    assert rows
    problems = {}
    for pid in pool:
        domain, family, difficulty, seed = pid.split("/")
        problems[pid] = make_problem(domain, family, int(seed), int(difficulty[1:]))
    by_prompt = {p.prompt: p for p in problems.values()}
    counts: dict[str, int] = {}
    for row in rows:
        problem = by_prompt[row["prompt"]]
        assert verify_completion(problem, row["completion"]).status is Status.CORRECT
        counts[problem.id] = counts.get(problem.id, 0) + 1
    assert max(counts.values()) <= 2
    chat = (math_run / "iter_001" / "sft_messages.jsonl").read_text().splitlines()
    assert len(chat) == len(rows)
    # the M-step trained from the base: the base's weights are unchanged and the iterate's differ
    base, iterate = math_run / "base", math_run / "iter_001" / "model"
    assert digest(iterate) != digest(base)
    from generate.rest_em.policy import finetune, load, render

    _, tokenizer = load(base)
    again = finetune(
        base,
        [(render(by_prompt[r["prompt"]], tokenizer), r["completion"]) for r in rows],
        math_run / "again",
        epochs=1,
        batch_size=16,
        seed=1,
    )
    assert digest(again) == digest(iterate)  # same rows, same seed, from the base: same weights


def test_a_second_run_resumes_and_does_only_the_new_iteration(math_run, tmp_path):
    marker = math_run / "iter_001" / "estep" / "completions" / "00000"
    before = marker.stat().st_mtime_ns
    config = RestEMConfig("math", str(math_run), **{**SMALL, "iterations": 2, "patience": 5})
    RestEMRun(config, SerialExecutor()).run(progress=False)
    rows = [json.loads(x) for x in (math_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1, 2]
    assert marker.stat().st_mtime_ns == before  # iteration 1 was not redone


def finished(out: Path, pattern: str) -> list[Path]:
    return [p for p in out.glob(pattern) if not p.name.startswith(".tmp.")]


def test_kill_9_at_each_step_then_rerun_loses_and_repeats_nothing(math_run, tmp_path):
    """Killed during the base's training, the base's evaluation and the M-step, then run to
    the end: the same metrics as the uninterrupted run, and finished shards never redone."""
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "generate.rest_em", "--domain", "math", "--out", str(out)]
    cmd += ["--workers", "2"] + [f"--{k.replace('_', '-')}={v}" for k, v in SMALL.items()]
    for step in ("init/config.json", "eval_000/sampled/completions/*", "iter_001/sft.jsonl"):
        # finished shards only: a killed run's temporaries are swept by the next one
        done_before = {p: p.stat().st_mtime_ns for p in finished(out, "**/completions/*")}
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not finished(out, step) and proc.poll() is None:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert finished(out, step), f"the run never reached {step}"
        assert not (out / "summary.json").exists(), f"the run finished before the kill at {step}"
        for path, mtime in done_before.items():  # what a killed run finished stays finished
            assert path.stat().st_mtime_ns == mtime, path
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

    def measured(run):
        rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
        skip = {"seconds", "model"}
        return [{k: v for k, v in r.items() if k not in skip} for r in rows if r["iteration"] <= 1]

    assert measured(out) == measured(math_run)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--domain", "chess"], "unknown domain 'chess'"),
        (["--domain", "math", "--model", "/nonexistent"], "not a transformers checkpoint"),
        (["--domain", "math", "--n-problems", "100", "--seed-problems", "90"], "leaves no problem"),
    ],
)
def test_bad_settings_are_one_line(argv, message, tmp_path, capsys):
    code = main([*argv, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and message in err[-1] and "Traceback" not in "\n".join(err)


def test_code_domain_is_judged_in_the_sandbox(tmp_path):
    out = tmp_path / "code"
    # with TRL's SFTTrainer for both trainings, so `--trainer trl` is run end to end once
    settings = {**SMALL, "n_problems": 60, "seed_problems": 20, "shard_size": 20, "trainer": "trl"}
    RestEMRun(RestEMConfig("code", str(out), **settings), LocalExecutor(2)).run(progress=False)
    assert json.loads((out / "config.json").read_text())["trainer"] == "trl"
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [0, 1] or [r["iteration"] for r in rows] == [0]
    from generate.rest_em.steps import read_judged

    judged = read_judged(out / "eval_000" / "sampled", 1)
    assert judged and {j.verdict.status for j in judged} <= {Status.CORRECT, Status.WRONG}


def test_a_sandbox_that_cannot_start_is_one_line_before_any_work(tmp_path):
    empty = tmp_path / "bin"  # a PATH without bwrap, as on a machine where setup never ran
    empty.mkdir()
    out = tmp_path / "nobwrap"
    cmd = [sys.executable, "-m", "generate.rest_em", "--domain", "code", "--out", str(out)]
    done = subprocess.run(
        cmd,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": str(empty)},
    )
    err = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert "sandbox cannot run code here" in err[-1] and "bwrap" in err[-1]
    assert "Traceback" not in done.stderr
    assert not (out / "base").exists()  # nothing was trained first
