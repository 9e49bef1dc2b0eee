"""The solver CLI's mistakes, as a newcomer makes them: one line on stderr naming the flag, the
file or the name, exit status 2, never a traceback; short problem names; stdin."""

import subprocess
import sys
from pathlib import Path

import pytest

from deduction.problem import DEFAULT_PROBLEMS, problem_names, resolve_name
from deduction.solve import EXIT_OK, EXIT_USAGE, main

REPO = Path(__file__).resolve().parents[2]
MIDLINE = "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? para d e b c"
PROG = "python -m deduction.solve"


@pytest.fixture
def problem_file(tmp_path):
    # path-like names, as in jgex_ag_231.txt
    names = ["set/one/complete_001_midline.gex", "set/two/E057-41.gex", "set/two/E041.gex"]
    path = tmp_path / "problems.txt"
    path.write_text("".join(f"{name}\n{MIDLINE}\n" for name in names))
    return path


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert captured.out == ""
    return lines[0]


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--timeout", "-1"], "argument --timeout: '-1' must be a finite number of seconds > 0"),
        (["--timeout", "0"], "argument --timeout: '0' must be a finite number of seconds > 0"),
        (["--timeout", "nan"], "argument --timeout: 'nan' must be a finite number of seconds"),
        (["--timeout", "inf"], "argument --timeout: 'inf' must be a finite number of seconds"),
        (["--timeout", "soon"], "argument --timeout: 'soon' is not a number"),
        (["--jobs", "0"], "argument --jobs: '0' must be >= 1"),
        (["--jobs", "2.5"], "argument --jobs: '2.5' is not a whole number"),
    ],
)
def test_each_bad_flag_gets_its_own_message(problem_file, capsys, flags, expected):
    with pytest.raises(SystemExit) as exit_:
        main([str(problem_file), *flags])
    assert exit_.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{PROG}: error: {expected}" in err
    other = "--jobs" if flags[0] == "--timeout" else "--timeout"
    assert other not in err.splitlines()[-1]


def test_files_that_are_not_problem_files(tmp_path, capsys):
    cases = []
    (tmp_path / "latin1.txt").write_bytes(f"caf\xe9\n{MIDLINE}\n".encode("latin-1"))
    cases.append((["latin1.txt"], "latin1.txt is not UTF-8 text (byte 0xe9 at offset 3)"))
    (tmp_path / "empty.txt").write_text("")
    cases.append((["empty.txt"], "empty.txt holds no problems"))
    (tmp_path / "comments.txt").write_text("# nothing here\n\n")
    cases.append((["comments.txt"], "comments.txt holds no problems"))
    cases.append((["missing.txt"], "no such problem file: "))
    cases.append(([str(tmp_path)], "is a directory, not a problem file"))
    (tmp_path / "ok.txt").write_text(f"midline\n{MIDLINE}\n")
    cases.append((["ok.txt", "--out", "no/such/dir/r.jsonl"], "--out no/such/dir/r.jsonl: no such"))
    cases.append((["ok.txt", "--out", str(tmp_path)], "is a directory; give a file name"))
    for argv, expected in cases:
        argv = [str(tmp_path / argv[0]), *argv[1:]] if argv[0] != str(tmp_path) else argv
        assert main(argv) == EXIT_USAGE, argv
        line = one_line_error(capsys)
        assert line.startswith(f"{PROG}: error: ") and expected in line, line


def test_names_by_short_form(problem_file, capsys):
    assert main([str(problem_file), "--name", "midline", "--timeout", "20"]) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0].startswith("set/one/complete_001_midline.gex ")
    # "41" ends E041 too, but E057-41 at a word boundary
    for query in ("E057-41", "E057-41.gex", "two/E057-41.gex", "set/two/E057-41.gex", "41"):
        assert main([str(problem_file), "--name", query, "--timeout", "20"]) == EXIT_OK
        assert capsys.readouterr().out.splitlines()[0].startswith("set/two/E057-41.gex ")


def test_ambiguous_and_unknown_names(problem_file, capsys):
    assert main([str(problem_file), "--name", "1"]) == EXIT_USAGE
    line = one_line_error(capsys)
    assert "'1' matches 2 problems: set/two/E057-41.gex, set/two/E041.gex" in line
    assert main([str(problem_file), "--name", "midlin"]) == EXIT_USAGE
    line = one_line_error(capsys)
    assert "no problem named 'midlin'; close: set/one/complete_001_midline.gex" in line
    assert main([str(problem_file), "--name", "zzz"]) == EXIT_USAGE
    assert one_line_error(capsys).endswith("problems.txt: no problem named 'zzz'")


@pytest.mark.parametrize("short", ["morley", "E057-41", "Thebault_t5", "109f", "E072-16"])
def test_results_md_short_names_pick_one_bundled_problem(short):
    # the form benchmarks/RESULTS.md names problems by
    names = problem_names(DEFAULT_PROBLEMS.read_text())
    assert resolve_name(short, names).endswith(f"{short}.gex")


def test_stdin_as_the_problem_file():
    done = subprocess.run(
        [sys.executable, "-m", "deduction.solve", "-", "--timeout", "20"],
        input=f"midline\n{MIDLINE}\n",
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.splitlines()[0].startswith("midline solved ")
    assert done.stdout.splitlines()[-1] == "solved 1 of 1"
