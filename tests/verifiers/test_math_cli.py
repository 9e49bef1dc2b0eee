"""The scoring CLI, called through main([...]) on files in tmp_path."""

import json
from pathlib import Path

from verifiers.math.cli import main


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
