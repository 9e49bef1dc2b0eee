"""The solver CLI on small files: one line per problem with the reason of every error, exit
status, proofs, progress on a terminal, Ctrl-C. Bad flags and input: test_solve_input.py."""

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deduction.problem import DEFAULT_PROBLEMS
from deduction.rules import RULE_NAMES
from deduction.solve import EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, main

REPO = Path(__file__).resolve().parents[2]

MIDLINE = "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? para d e b c"
GOOD = [
    ("midline", MIDLINE),
    (
        "orthocenter_aux",
        "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b;"
        " e = on_line e a c, on_line e b d ? perp a d b c",
    ),
    (
        "orthocenter",
        "a b c = triangle a b c; d = on_tline d b a c, on_tline d c a b ? perp a d b c",
    ),
]
BAD = ("bad_one", "a b c = triangle a b c; d = no_such_thing d a b ? para a b c d")


def write_problems(path: Path, problems) -> Path:
    path.write_text("".join(f"{name}\n{text}\n" for name, text in problems))
    return path


@pytest.fixture
def problem_file(tmp_path):
    return write_problems(tmp_path / "problems.txt", GOOD[:2] + [BAD] + GOOD[2:])


def test_cli_reports_every_problem_and_goes_on(problem_file, tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    argv = [str(problem_file), "--timeout", "20", "--jobs", "2", "--out", str(out), "--no-aux"]
    # AlphaGeometry's rules: the orthocenter needs an auxiliary point
    assert main(argv + ["--rules", "ag1"]) == EXIT_ERRORS  # bad_one errored
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[:2] for ln in lines[:-1]] == [
        ["midline", "solved"],
        ["orthocenter_aux", "solved"],
        ["bad_one", "error"],
        ["orthocenter", "unsolved"],
    ]
    assert all(float(ln.split()[2]) >= 0 for ln in lines[:-1])
    assert lines[-1] == "solved 2 of 4 (1 error)"
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["name"] for r in records] == ["midline", "orthocenter_aux", "bad_one", "orthocenter"]
    assert "no_such_thing" in records[2]["message"]
    proof = records[1]["proof"]
    assert proof["goal"] == "perp a d b c" and proof["steps"][-1]["conclusion"] == "perp a d b c"
    assert "goal: perp a d b c" in records[1]["proof_text"]


ERRORS = [
    ("unknown", "a b c = triangle a b c; d = foobar d a b ? para a b c d",
     "unknown construction 'foobar' in 'd = foobar d a b'"),
    ("no_goal", "a b c = triangle a b c; d = midpoint d a b", "has no goal"),
    ("arity", "a b c = triangle a b c; d = midpoint d a ? para a b c d",
     "wrong arity (expects 3: x a b) for 'midpoint d a'"),
    ("undefined", "a b c = triangle a b c; d = midpoint d a z ? para a b c d",
     "undefined point 'z' in 'd = midpoint d a z'"),
    ("false_goal", "a b c = triangle a b c; d = midpoint d a b ? perp d a b c",
     "the goal is numerically false"),
]  # fmt: skip


def test_every_error_line_says_why(tmp_path, capsys):
    path = write_problems(tmp_path / "bad.txt", [(name, text) for name, text, _ in ERRORS])
    assert main([str(path), "--timeout", "20", "--jobs", "2"]) == EXIT_ERRORS
    lines = capsys.readouterr().out.strip().splitlines()
    for (name, _, reason), line in zip(ERRORS, lines, strict=False):
        assert line.startswith(f"{name} error ") and reason in line, line
    assert lines[-1] == f"solved 0 of {len(ERRORS)} ({len(ERRORS)} errors)"


def test_a_completed_run_exits_0_solved_or_not(problem_file, capsys):
    argv = [str(problem_file), "--name", "orthocenter", "--name", "midline", "--no-aux"]
    assert main(argv + ["--timeout", "20", "--rules", "ag1"]) == EXIT_OK
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[:2] for ln in lines] == [
        ["midline", "solved"],
        ["orthocenter", "unsolved"],
        ["solved", "1"],
    ]
    assert lines[-1] == "solved 1 of 2"


def test_cli_tries_auxiliary_points_by_default(problem_file, tmp_path, capsys):
    # AlphaGeometry's 43 rules need an auxiliary point for the orthocenter
    out = tmp_path / "results.jsonl"
    argv = [str(problem_file), "--name", "orthocenter", "--timeout", "20", "--out", str(out)]
    assert main(argv + ["--rules", "ag1"]) == EXIT_OK
    assert capsys.readouterr().out.strip().splitlines()[-1] == "solved 1 of 1"
    (record,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(record["auxiliary"]) == 1 and record["proof"]["goal"] == "perp a d b c"


def test_two_jobs_close_every_problem_then_search_with_both(problem_file, tmp_path, capsys):
    # phase one closes all four two at a time; orthocenter, left at its fixpoint, then gets
    # both workers for its auxiliary search; lines stay in input order
    out = tmp_path / "results.jsonl"
    argv = [
        str(problem_file),
        "--timeout",
        "40",
        "--jobs",
        "2",
        "--out",
        str(out),
        "--rules",
        "ag1",
    ]
    assert main(argv) == EXIT_ERRORS  # bad_one
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[:2] for ln in lines[:-1]] == [
        ["midline", "solved"],
        ["orthocenter_aux", "solved"],
        ["bad_one", "error"],
        ["orthocenter", "solved"],
    ]
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert records[3]["auxiliary"] and records[3]["stats"]["auxiliary_tried"] >= 1
    assert "auxiliary" not in records[0]


def test_cli_rules_flag_picks_the_rule_set(problem_file, capsys):
    # the default set has the orthocenter rule (p03): no auxiliary point, no proof with ag1
    argv = [str(problem_file), "--name", "orthocenter", "--timeout", "20", "--no-aux", "--proof"]
    assert main(argv) == EXIT_OK
    text = capsys.readouterr().out
    assert "[p03 (orthocenter: " in text and text.rstrip().endswith("solved 1 of 1")
    assert main(argv + ["--rules", "ag1"]) == EXIT_OK
    assert capsys.readouterr().out.rstrip().endswith("solved 0 of 1")
    with pytest.raises(SystemExit):
        main(argv + ["--rules", "ag2"])


def test_proof_flag_prints_the_proof_with_named_rules(problem_file, capsys):
    argv = [str(problem_file), "--name", "orthocenter", "--name", "midline", "--proof"]
    assert main(argv + ["--timeout", "20", "--rules", "ag1"]) == EXIT_OK
    text = capsys.readouterr().out
    blocks = re.split(r"^(?=\S)", text, flags=re.MULTILINE)
    midline, orthocenter = blocks[1], blocks[2]
    assert midline.startswith("midline solved ")
    assert "    goal: para b c d e (step " in midline
    assert orthocenter.startswith("orthocenter solved ")
    assert "\n    auxiliary: " in orthocenter  # the clause the proof needed
    cited = re.findall(r"\[([rp]\d\d) \(([^)]*)\);", text)
    assert cited, text
    assert all(RULE_NAMES[rule] == name for rule, name in cited)
    assert text.rstrip().splitlines()[-1] == "solved 2 of 2"


def test_proof_flag_off_prints_one_line_per_problem(problem_file, capsys):
    assert main([str(problem_file), "--name", "midline", "--timeout", "20"]) == EXIT_OK
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def _slow_problem() -> str:
    # unsolved by DD+AR and every auxiliary point: the search runs until --timeout
    lines = DEFAULT_PROBLEMS.read_text().splitlines()
    return lines[lines.index("examples/complete2/unsolved/morley.gex") + 1]


def _solver(args: list[str], **kwargs) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "deduction.solve", *args]
    return subprocess.Popen(cmd, cwd=REPO, **kwargs)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_prints_the_summary_and_exits_130(tmp_path, signum):
    path = write_problems(
        tmp_path / "p.txt", [("fast", MIDLINE), ("slow", _slow_problem()), ("later", MIDLINE)]
    )
    proc = _solver([str(path), "--timeout", "50"], stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert first.startswith("fast solved "), first
    time.sleep(0.5)  # the slow one is under way
    started = time.monotonic()
    proc.send_signal(signum)
    rest, _ = proc.communicate(timeout=20)
    assert time.monotonic() - started < 10  # the child is killed, not waited for
    assert proc.returncode == EXIT_INTERRUPTED
    assert rest.strip().splitlines() == ["solved 1 of 3 (interrupted after 1)"]


def test_progress_bar_only_when_stderr_is_a_terminal(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    path = write_problems(
        tmp_path / "p.txt", [("slow", _slow_problem()), ("fast", MIDLINE), ("also", MIDLINE)]
    )
    args = [str(path), "--timeout", "3", "--jobs", "2"]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = _solver(args, stdout=subprocess.PIPE, stderr=slave)
    seen = b""
    # read while the solver runs (a full terminal buffer would block it); the slave end stays
    # open here until then, else reading the master fails as soon as no one holds it
    while proc.poll() is None or select.select([master], [], [], 0)[0]:
        if select.select([master], [], [], 0.1)[0]:
            seen += os.read(master, 4096)
    os.close(slave)
    os.close(master)
    out = proc.stdout.read().decode()
    bar = seen.decode(errors="replace")
    assert proc.returncode == EXIT_OK
    assert "2/3" in bar and "problem" in bar  # the fast ones counted while the slow one ran
    assert [ln.split()[:2] for ln in out.splitlines()] == [
        ["slow", "unsolved"],
        ["fast", "solved"],
        ["also", "solved"],
        ["solved", "2"],
    ]
    piped = subprocess.run(
        [sys.executable, "-m", "deduction.solve", *args], cwd=REPO, capture_output=True, text=True
    )
    assert piped.returncode == EXIT_OK and piped.stderr == ""
    assert piped.stdout.splitlines()[1].startswith("fast solved ")
