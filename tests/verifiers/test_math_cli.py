"""The scoring CLI, called through main([...]) on files in tmp_path, and as a subprocess for
Ctrl-C."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verifiers.math.cli import main

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_score_writes_one_verdict_per_line(tmp_path: Path, capsys) -> None:
    rows = [
        {
            "id": "a",
            "prediction": "The answer is $\\boxed{\\frac{1}{2}}$.",
            "gold": "0.5",
            "label": True,
        },
        {"id": "b", "prediction": "So we get 7.", "gold": "8", "label": False},
        {"id": "c", "prediction": "x \\ge 1", "gold": "[1, \\infty)", "label": True},
    ]
    src = _write(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "--out", str(out)]) == 0
    verdicts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [v["id"] for v in verdicts] == ["a", "b", "c"]
    assert [v["reward"] for v in verdicts] == [1, 0, 1]
    printed = capsys.readouterr().out
    assert "correct=2" in printed and "wrong=1" in printed
    assert "3/3" in printed


def test_custom_field_names(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "in.jsonl", [{"completion": "42", "answer": "42"}])
    assert (
        main(["score", str(src), "--prediction-key", "completion", "--reference-key", "answer"])
        == 0
    )
    assert "correct=1" in capsys.readouterr().out


def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prediction": "1"}\nnot json\n', encoding="utf-8")
    assert main(["score", str(bad)]) == 2
    assert "gold" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing.jsonl")]) == 2


# --- issue 11: the CLI as a newcomer meets it ------------------------------------------------

ROWS = [
    {"id": "a", "prediction": "The answer is $\\boxed{\\frac{1}{2}}$.", "gold": "\\frac{2}{4}"},
    {"prediction": "So we get 7.", "gold": "8"},
    {"id": None, "prediction": "x \\ge 1", "gold": "[1, \\infty)"},
]


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_help_documents_the_input_fields_and_every_default(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["score", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for field in ('"prediction"', '"gold"', '"id"', '"label"', "stdin", "exit status"):
        assert field in text
    for flag, default in [
        ("--prediction-key", "prediction"),
        ("--reference-key", "gold"),
        ("--label-key", "label"),
        ("--workers", "1"),
        ("--timeout", "1.0"),
    ]:
        assert re.search(
            rf"{flag} \S+\s+\w[^\n]*(\n\s+[^\n-][^\n]*)*\(default:\s+{default}\)", text
        )
    assert re.search(r"--out PATH\s+\w", text)  # help text, and no '(default: None)'
    assert "None" not in text


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--workers", "0"], "--workers: '0' must be >= 1"),
        (["--workers", "-1"], "--workers: '-1' must be >= 1"),
        (["--workers", "two"], "--workers: 'two' is not a whole number"),
        (["--timeout", "0"], "--timeout: '0' must be a finite number > 0"),
        (["--timeout", "-1"], "--timeout: '-1' must be a finite number > 0"),
        (["--timeout", "nan"], "--timeout: 'nan' must be a finite number > 0"),
        (["--timeout", "inf"], "--timeout: 'inf' must be a finite number > 0"),
    ],
)
def test_bad_flags_are_one_line(tmp_path: Path, capsys, flags, words) -> None:
    src = _write(tmp_path / "in.jsonl", ROWS)
    assert main(["score", str(src), *flags]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("python -m verifiers.math score: error:") and words in line


@pytest.mark.parametrize(
    "content, words",
    [
        ('{"prediction": "1", "gold": "1"}\n[1, 2]\n', "in.jsonl:2: an array, not a JSON object"),
        ('"1"\n', "in.jsonl:1: a string, not a JSON object"),
        ("", "in.jsonl holds no lines to score"),
        ("\n  \n", "in.jsonl holds no lines to score"),
        (
            '{"prediction": "1", "reference": "1"}\n',
            "in.jsonl:1: field 'gold' (reference answer) missing; the line's fields: "
            "'prediction', 'reference' (--reference-key names another field)",
        ),
        ('{"prediction": 1, "gold": "1"}\n', "field 'prediction' (model output) not a string"),
        ('{"prediction": "1", "gold": "1", "label": "yes"}\n', "'label' must be true or false"),
        ('{"prediction": "1", "gold": "1"}\n{"pre', "in.jsonl:2: not JSON"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, capsys, content, words) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "--out", str(out)]) == 2
    assert words in _one_line(capsys.readouterr().err)
    assert not out.exists()  # nothing is judged, nor written, before the input is read whole


def test_bad_files_are_one_line(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "in.jsonl", ROWS)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"prediction": "1", "gold": "1"}\n{"prediction": "caf\xe9", "gold": "1"}\n')
    cases = [
        (["score", str(latin)], "latin.jsonl:2: not UTF-8 text"),
        (["score", str(tmp_path / "nope.jsonl")], "nope.jsonl: No such file or directory"),
        (["score", str(src), "--out", str(tmp_path / "no" / "o.jsonl")], "No such file"),
        (["score", str(src), "--out", str(tmp_path)], "Is a directory"),
        (["score", str(src), "--out", str(src)], "would overwrite the input file"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        assert words in _one_line(capsys.readouterr().err)
    assert src.read_text(encoding="utf-8").count("\n") == len(ROWS)  # the input is untouched


def test_summary_reports_the_mean_reward(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "in.jsonl", ROWS)
    assert main(["score", str(src)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["scored 3 lines: correct=2, wrong=1", "mean reward 0.667 (2 correct of 3)"]


def test_output_lines_hold_only_what_a_math_verdict_has(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", ROWS)
    out = tmp_path / "out.jsonl"
    assert main(["score", str(src), "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, None]
    assert "id" not in lines[1] and "id" not in lines[2]  # no "id": null
    for line in lines:
        assert set(line) <= {"id", "status", "reward", "reason", "elapsed_s"}
    # the reason quotes the answers as written: one backslash, not repr()'s two
    assert "\\frac{2}{4}" in lines[0]["reason"] and "\\infty" in lines[2]["reason"]
    assert not any("\\\\" in line["reason"] for line in lines)


def test_stdin_is_read_for_a_dash(tmp_path: Path, capsys, monkeypatch) -> None:
    data = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["score", "-"]) == 0
    assert capsys.readouterr().out.startswith("scored 3 lines: correct=2, wrong=1")


def test_a_line_the_checker_fails_on_is_exit_status_1(tmp_path: Path, capsys) -> None:
    rows = [ROWS[0], {"id": "empty", "prediction": "3", "gold": " "}]
    src = _write(tmp_path / "in.jsonl", rows)
    assert main(["score", str(src)]) == 1
    captured = capsys.readouterr()
    assert "error=1" in captured.out
    line = _one_line(captured.err)
    assert "1 lines ended in status error" in line and "line 2: empty reference answer" in line


def _rows_that_take_seconds(path: Path, n: int) -> Path:
    # distinct pairs: the verifier caches repeated ones
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            frac = f"\\frac{{{i + 1}}}{{{2 * i + 4}}}"
            row = {"id": f"r{i}", "prediction": f"So it is $\\boxed{{{frac}}}$.", "gold": frac}
            fh.write(json.dumps(row) + "\n")
    return path


@pytest.mark.parametrize("workers, to_group", [(1, False), (2, True)])
def test_ctrl_c_stops_promptly_and_keeps_what_was_scored(tmp_path: Path, workers, to_group):
    """A real SIGINT: to the process (kill -INT), or to its whole process group as a terminal's
    Ctrl-C sends it, pool workers included."""
    n = 200_000  # about a minute of work on one core: the run is surely interrupted
    src = _rows_that_take_seconds(tmp_path / "in.jsonl", n)
    out = tmp_path / "out.jsonl"
    argv = ["score", str(src), "--out", str(out), "--workers", str(workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "verifiers.math", *argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and out.stat().st_size > 0):  # scoring is under way
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        (os.killpg if to_group else os.kill)(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = proc.communicate(timeout=20)
        stopped_after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert stopped_after < 3
    line = _one_line(stderr)
    m = re.fullmatch(
        rf"python -m verifiers\.math score: interrupted after (\d+) of {n} lines; "
        rf"{re.escape(str(out))} holds them",
        line,
    )
    assert m, line
    scored = int(m.group(1))
    assert 0 < scored < n
    kept = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [k["id"] for k in kept] == [f"r{i}" for i in range(scored)]
    assert all(k["status"] == "correct" for k in kept)
    assert stdout.startswith(f"scored {scored} of {n} lines (interrupted): correct={scored}\n")


def _readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"### {title}")
    return text[start : text.index("\n#", start + 1)]


def _no_timing(text: str) -> str:
    return re.sub(r'"elapsed_s": [0-9.e-]+', '"elapsed_s": _', text)


def test_the_readme_example_is_what_runs(tmp_path: Path, capsys) -> None:
    block = _readme_section("Scoring math answers").split("```bash\n")[1].split("```")[0]
    _, rest = block.split("$ cat outputs.jsonl\n")
    given, rest = rest.split(
        "$ .venv/bin/python -m verifiers.math score outputs.jsonl --out scored.jsonl\n"
    )
    summary, written = rest.split("$ cat scored.jsonl\n")
    (tmp_path / "outputs.jsonl").write_text(given, encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    assert main(["score", str(tmp_path / "outputs.jsonl"), "--out", str(out)]) == 0
    assert capsys.readouterr().out == summary
    assert _no_timing(out.read_text(encoding="utf-8")) == _no_timing(written)
