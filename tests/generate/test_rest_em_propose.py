"""The solver asks the policy: the prompt contract, proposals from samples, the solver's
proposals-only mode, finding a run's checkpoint, and `python -m generate.rest_em.solve` with a
tiny policy trained to propose the one point an orthocenter problem needs."""

import json
import pickle
from pathlib import Path

import pytest

from deduction.engine import solve_problem
from deduction.errors import DeductionError
from deduction.problem import parse_problem
from generate.rest_em import policy
from generate.rest_em.geometry_prompt import completion_text, normalise, problem_text, render
from generate.rest_em.propose import PolicyProposer, resolve_checkpoint, top_proposals
from generate.rest_em.solve import main

# d is the orthocenter; DD+AR with AlphaGeometry's rules stops short of the goal, and the foot
# of the altitude from b (where bd meets ac) closes it
ALTITUDES = "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b ? perp a d b c"
AUX = "e = on_line e a c, on_line e b d"


@pytest.fixture(scope="module")
def problem():
    return parse_problem(ALTITUDES, "altitudes")


def test_the_prompt_is_the_problem_as_deduction_spells_it(problem):
    text = problem_text(problem)
    assert text == "; ".join(str(c) for c in problem.clauses) + " ? " + str(problem.goal)
    assert text == ALTITUDES  # canonical spelling in, the same out
    assert parse_problem(text, "again") == parse_problem(ALTITUDES, "again")
    # no chat template: a math prompt
    assert render(problem, None) == f"Q: {ALTITUDES}\nA: "
    extended = parse_problem(ALTITUDES.replace(" ?", f"; {AUX} ?"), "t")
    assert completion_text(extended.clauses[2:]) == AUX


def test_a_problem_without_goal_has_no_prompt():
    with pytest.raises(ValueError, match="no goal"):
        problem_text(parse_problem("a b c = triangle a b c", "t"))


def test_proposals_are_the_distinct_lines_most_sampled_first():
    samples = [
        "e = midpoint e a b\nand more",
        " e =  on_line e a c ,  on_line e b d ; ",
        "e = on_line e a c , on_line e b d",
        "   ",
        "e = midpoint e a b",
        "f = foot f a b c",
        "e = on_line e a c , on_line e b d",
    ]
    assert normalise(samples[1]) == "e = on_line e a c , on_line e b d"
    assert normalise("e = foot e a b c ;f = midpoint f a b") == (
        "e = foot e a b c; f = midpoint f a b"
    )
    # 3, 2, 1 times; the empty one dropped
    expected = ["e = on_line e a c , on_line e b d", "e = midpoint e a b", "f = foot f a b c"]
    assert top_proposals(samples, 5) == expected
    assert top_proposals(samples, 2) == expected[:2]
    # ties keep the order they were first sampled in
    assert top_proposals(["x = b", "y = a", "y = a", "x = b"], 2) == ["x = b", "y = a"]


def test_the_solver_tries_proposals_alone_when_the_search_is_off(problem):
    common = dict(timeout=30, rules="ag1", search=False)
    assert solve_problem(problem, **common).status == "unsolved"
    wrong = solve_problem(problem, proposer=lambda p: ["e = midpoint e a b"], **common)
    assert wrong.status == "unsolved" and wrong.stats["proposals"] == 1
    result = solve_problem(problem, proposer=lambda p: ["e = bogus e a", AUX], **common)
    assert result.status == "solved", result.message
    assert result.auxiliary == (AUX,) and result.proposed
    assert result.stats["proposals_unparsed"] == 1
    row = result.to_json()
    assert row["proposed"] is True and row["auxiliary"] == [AUX]
    # the heuristic search finds its own point: not the proposer's
    searched = solve_problem(problem, timeout=30, rules="ag1", proposer=lambda p: [])
    assert searched.status == "solved" and not searched.proposed


# ------------------------------------------------------------------ a run's checkpoint
def _checkpoint(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (path / ".complete").write_text("")
    return path


def _run_dir(tmp_path: Path, scores: dict[int, float], iterations: int) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"domain": "geometry", "model": None}))
    _checkpoint(run / "base")
    for it in range(1, iterations + 1):
        _checkpoint(run / f"iter_{it:03d}" / "model")
    rows = [{"iteration": i, "pass@1": s} for i, s in scores.items()]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run


def test_a_run_directory_gives_its_best_iteration(tmp_path):
    run = _run_dir(tmp_path, {0: 0.1, 1: 0.4, 2: 0.4, 3: 0.2}, 3)
    # equal scores: the earlier iteration, as the loop picks it
    assert resolve_checkpoint(run) == (
        run / "iter_001" / "model",
        "best held-out pass@1, iteration 1",
    )
    (run / "summary.json").write_text(json.dumps({"best_iteration": 0}))
    assert resolve_checkpoint(run)[0] == run / "base"


def test_a_run_before_its_first_evaluation_gives_its_latest_checkpoint(tmp_path):
    run = _run_dir(tmp_path, {}, 2)
    _checkpoint(run / "iter_003" / "model").joinpath(".complete").unlink()  # unfinished
    assert resolve_checkpoint(run)[0] == run / "iter_002" / "model"
    for it in (1, 2):
        (run / f"iter_{it:03d}" / "model" / ".complete").unlink()
    assert resolve_checkpoint(run)[0] == run / "base"


@pytest.mark.parametrize(
    "layout, message",
    [
        ("missing", "no such directory"),
        ("file", "is a file"),
        ("empty", "neither a transformers checkpoint"),
        ("best gone", "best iteration 2 is missing"),
    ],
)
def test_a_path_without_a_checkpoint_is_one_clear_error(tmp_path, layout, message):
    path = tmp_path / "x"
    if layout == "file":
        path.write_text("")
    elif layout == "empty":
        path.mkdir()
    elif layout == "best gone":
        path = _run_dir(tmp_path, {0: 0.0, 1: 0.1, 2: 0.5}, 1)
    with pytest.raises(ValueError, match=message):
        resolve_checkpoint(path)


def test_a_missing_proposer_is_exit_2_in_one_line(tmp_path, capsys):
    problems = tmp_path / "p.txt"
    problems.write_text(f"altitudes\n{ALTITUDES}\n")
    assert main([str(problems), "--proposer", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--proposer: no such directory" in err


# ------------------------------------------------------------------ a trained tiny policy
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, problem):
    """A run directory as the loop leaves it: base/, iter_001/model/ (the tiny model overfit
    on the one row `ALTITUDES -> AUX`, which it then samples far more often than anything
    else: a sure thing with these seeds), metrics.jsonl with iteration 1 the best."""
    torch = pytest.importorskip("torch")
    # one thread: on a shared 2-core machine torch's thread pool, contending with other
    # processes, made these 100 steps take 20-50 s instead of 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    run = tmp_path_factory.mktemp("rest_em_run")
    base = policy.build_tiny(run / "base", hidden=64, layers=2)
    (base / ".complete").write_text("")
    _, tokenizer = policy.load(base)
    row = (render(problem, tokenizer), AUX)
    model = run / "iter_001" / "model"
    policy.finetune(base, [row] * 2, model, epochs=100, batch_size=2, learning_rate=5e-3)
    (model / ".complete").write_text("")
    (run / "config.json").write_text(json.dumps({"domain": "geometry", "model": None}))
    rows = [{"iteration": 0, "pass@1": 0.0}, {"iteration": 1, "pass@1": 1.0}]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    yield run
    torch.set_num_threads(threads)


def test_the_proposer_travels_without_its_model(run_dir, problem):
    proposer = PolicyProposer(resolve_checkpoint(run_dir)[0], samples=4, top=2)
    first = proposer(problem)
    assert 1 <= len(first) <= 2 and proposer._sampler is not None
    copy = pickle.loads(pickle.dumps(proposer))
    assert copy._sampler is None  # loads its own on first use
    assert copy(problem) == first  # same seed, same samples


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_solve_with_the_policy_only(run_dir, tmp_path, capsys, jobs):
    problems = tmp_path / "p.txt"
    problems.write_text(f"altitudes\n{ALTITUDES}\n")
    out = tmp_path / "out.jsonl"
    argv = [str(problems), "--proposer", str(run_dir), "--no-aux", "--rules", "ag1"]
    argv += ["--samples", "8", "--top", "4", "--timeout", "30", "--jobs", jobs, "--out", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "iter_001/model (best held-out pass@1, iteration 1)" in captured.err
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert 1 <= row["stats"]["proposals"] + row["stats"]["proposals_unparsed"] <= 4
    assert row["status"] == "solved", row
    assert row["proposed"] is True and row["auxiliary"] == [AUX]
    assert "altitudes solved" in captured.out and f"proposed: {AUX}" in captured.out
    assert "solved 1 of 1" in captured.out


def test_points_the_search_found_are_said_to_be_searched(run_dir, tmp_path, capsys):
    # the untrained base as the proposer (a checkpoint directory): its guesses prove nothing,
    # the heuristic search after them does
    problems = tmp_path / "p.txt"
    problems.write_text(f"altitudes\n{ALTITUDES}\n")
    out = tmp_path / "out.jsonl"
    argv = [str(problems), "--proposer", str(run_dir / "base"), "--rules", "ag1"]
    assert main(argv + ["--samples", "4", "--timeout", "30", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "base (a checkpoint)" in captured.err
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["status"] == "solved" and row["proposed"] is False
    assert row["stats"]["auxiliary_attempt"] >= row["stats"]["proposals"]
    assert f"searched: {row['auxiliary'][0]}" in captured.out


def test_the_untrained_base_proposes_only_clauses_that_parse(run_dir, problem):
    # held to the problem's clause grammar (the default), even an untrained model's guesses
    # are auxiliary clauses deduction reads; sampled freely, they are noise
    proposals = PolicyProposer(run_dir / "base", samples=8, top=8, seed=3)(problem)
    assert proposals
    for text in proposals:
        parse_problem(f"{'; '.join(map(str, problem.clauses))}; {text} ? {problem.goal}")
    free = PolicyProposer(run_dir / "base", samples=8, top=8, seed=3, constrain=False)
    for text in free(problem):
        with pytest.raises(DeductionError):
            parse_problem(f"{'; '.join(map(str, problem.clauses))}; {text} ? {problem.goal}")
