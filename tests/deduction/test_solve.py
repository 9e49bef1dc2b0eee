"""The solver CLI on a small file: one line per problem, a bad problem reported, JSON output."""

import json

import pytest

from deduction.solve import main

GOOD = [
    ("midline", "a b c = triangle a b c; d = midpoint d a b; e = midpoint e a c ? para d e b c"),
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


@pytest.fixture
def problem_file(tmp_path):
    path = tmp_path / "problems.txt"
    lines = []
    for name, text in GOOD[:2] + [BAD] + GOOD[2:]:
        lines += [name, text]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_reports_every_problem_and_goes_on(problem_file, tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    argv = [str(problem_file), "--timeout", "20", "--jobs", "2", "--out", str(out), "--no-aux"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[:2] for ln in lines[:-1]] == [
        ["midline", "solved"],
        ["orthocenter_aux", "solved"],
        ["bad_one", "error"],
        ["orthocenter", "unsolved"],
    ]
    assert all(float(ln.split()[2]) >= 0 for ln in lines[:-1])
    assert "no_such_thing" in lines[2]  # an error line says why
    assert lines[-1] == "solved 2 of 4"
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["name"] for r in records] == ["midline", "orthocenter_aux", "bad_one", "orthocenter"]
    assert "no_such_thing" in records[2]["message"]
    proof = records[1]["proof"]
    assert proof["goal"] == "perp a d b c" and proof["steps"][-1]["conclusion"] == "perp a d b c"
    assert "goal: perp a d b c" in records[1]["proof_text"]


def test_cli_name_filter_and_bad_arguments(problem_file, capsys):
    assert main([str(problem_file), "--name", "midline", "--timeout", "20"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "solved 1 of 1"
    with pytest.raises(SystemExit):
        main([str(problem_file), "--name", "nope"])
    with pytest.raises(SystemExit):
        main([str(problem_file) + ".missing"])
    with pytest.raises(SystemExit):
        main([str(problem_file), "--jobs", "0"])


def test_cli_tries_auxiliary_points_by_default(problem_file, tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    argv = [str(problem_file), "--name", "orthocenter", "--timeout", "20", "--out", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "solved 1 of 1"
    (record,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(record["auxiliary"]) == 1 and record["proof"]["goal"] == "perp a d b c"
