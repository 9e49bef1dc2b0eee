"""`--problems`: data sets as Problems, judged by the real verifiers; specs that rebuild them;
one-line errors for a missing, empty or malformed file."""

import json

import pytest

from generate.errors import UsageError
from generate.rest_em.cli import main
from generate.rest_em.datasets import load_problems, problem_of, spec_of
from verifiers import Status, verify_completion


def test_builtin_specs_rebuild_the_same_problem():
    for domain in ("math", "code"):
        problems = load_problems(domain, "builtin", 12, seed=3, difficulty=2)
        assert len({p.prompt for p in problems}) == 12
        for p in problems:
            again = problem_of(spec_of(p))  # CodeTests compare by identity: compare their repr
            assert repr(again) == repr(p) and again.meta["solution"] == p.meta["solution"]


@pytest.mark.bwrap
@pytest.mark.parametrize("source", ["humaneval", "humaneval+", "mbpp+"])
def test_code_sets_load_and_their_references_pass(source):
    problems = load_problems("code", source, 3)
    assert len(problems) == 3
    for p in problems:
        assert problem_of(spec_of(p)).id == p.id
        solution = p.meta["solution"]
        assert verify_completion(p, solution).status is Status.CORRECT, p.id
    wrong = problems[0].prefix + "    return None\n" if problems[0].prefix else "pass\n"
    assert verify_completion(problems[0], wrong.removeprefix(problems[0].prefix)).reward == 0
    if source != "mbpp+":  # HumanEval: the model continues the header
        assert all(p.prefix == p.prompt and "def " in p.prompt for p in problems)


@pytest.mark.bwrap
def test_apps_jsonl_stdio_and_call_problems(tmp_path):
    rows = [
        {
            "problem_id": 7,
            "question": "Read n and print n squared.",
            "input_output": json.dumps({"inputs": ["3\n", "5\n"], "outputs": ["9\n", "25\n"]}),
            "solutions": json.dumps(["n = int(input())\nprint(n * n)\n"]),
        },
        {
            "problem_id": 8,
            "question": "Write add(a, b).",
            "input_output": {"fn_name": "add", "inputs": [[1, 2], [3, 4]], "outputs": [3, 7]},
        },
    ]
    path = tmp_path / "apps.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    square, add = load_problems("code", str(path), None)
    assert (square.id, add.id) == ("7", "8")
    assert spec_of(square)[2] == str(path.resolve())  # the same file from any worker's cwd
    assert problem_of(spec_of(add)).id == "8"
    assert verify_completion(square, square.meta["solution"]).status is Status.CORRECT
    assert verify_completion(square, "print(int(input()) + 1)\n").status is Status.WRONG
    assert verify_completion(add, "def add(a, b):\n    return a + b\n").status is Status.CORRECT
    assert verify_completion(add, "def add(a, b):\n    return a - b\n").status is Status.WRONG


def test_math_and_gsm8k_jsonl(tmp_path):
    path = tmp_path / "mixed.jsonl"
    rows = [
        {"problem": "1/2 + 1/3?", "solution": "Add: $\\frac{5}{6}$, so $\\boxed{\\frac56}$."},
        {"problem": "Pick 2.", "solution": "Easy.", "answer": "2", "unique_id": "test/a.json"},
        {"question": "Tom has 1,200 apples.", "answer": "He has 1200.\n#### 1,200"},
        {"question": "How many?", "answer": 4},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    a, b, c, d = load_problems("math", str(path), None)
    assert [p.answer for p in (a, b, c, d)] == ["\\frac56", "2", "1200", "4"]
    assert (a.id, b.id) == ("mixed/1", "test/a.json")
    assert c.meta["solution"].endswith("The answer is 1200.")
    for p in (a, b, c, d):
        assert verify_completion(p, p.meta["solution"]).status is Status.CORRECT
    assert verify_completion(c, "The answer is 1300.").status is Status.WRONG
    assert repr(problem_of(spec_of(c))) == repr(c)


@pytest.mark.parametrize(
    "domain, body, message",
    [
        ("math", None, "no such file"),
        ("math", "", "holds no usable math problem"),
        ("math", '{"problem": "x"}\n', ":1: needs 'problem' or 'question' and a reference"),
        ("math", '{"problem": "x", "answer": "1"}\nnot json\n', ":2: not a JSON line"),
        ("math", "[1, 2]\n", ":1: not a JSON object"),
        ("code", "{broken\n", "not JSON"),
        ("code", "[1]\n", "row 1 is not a JSON object"),
        ("code", '{"question": "q", "input_output": "{}"}\n', "holds no usable code problem"),
    ],
)
def test_bad_problem_files_are_one_line_errors(tmp_path, domain, body, message):
    path = tmp_path / "p.jsonl"
    if body is not None:
        path.write_text(body)
    with pytest.raises(UsageError, match="^--problems .*" + message.replace("(", r"\(")):
        load_problems(domain, str(path), None)


def test_cli_reports_a_bad_problem_source_in_one_line(tmp_path, capsys):
    status = main(["--domain", "code", "--problems", "nosuchset", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err[-1] == (
        "python -m generate.rest_em: error: --problems nosuchset: no such file "
        "(or one of: builtin, humaneval, humaneval+, mbpp+)"
    )
