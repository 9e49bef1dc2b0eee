"""benchmarks/geometry_fresh.py, our side only, on a hand-made run directory.

Run as a script (benchmarks are never imported by tests), without Newclid's venv.
"""

import gzip
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "geometry_fresh.py"

# the midline theorem: true on every figure
TRUE = "a b c = triangle a b c; d = midpoint d b c; e = midpoint e a c ? para d e a b"
# issue 17's example: h is one of two intersections; false on about half of fresh figures
FALSE = (
    "a b c = risos a b c; d = foot d a c b; e = on_circle e d a; f = intersection_lp f c a b e a; "
    "g = on_line g c f; h = on_line h b g, on_bline h c g; i = orthocenter i f c h "
    "? aconst a d h i 3/4"
)


def _record(rid: str, text: str) -> dict:
    return {"id": rid, "problem": text, "problem_with_aux": text, "aux_clauses": []}


def test_one_true_one_false_record(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with gzip.open(tmp_path / "data" / "00000.jsonl.gz", "wt") as f:
        for rec in (_record("true", TRUE), _record("false", FALSE)):
            f.write(json.dumps(rec) + "\n")
    out = tmp_path / "fresh.json"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(tmp_path),
            "--sample",
            "2",
            "--no-newclid",
            "--json",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in json.loads(out.read_text())["records"]}
    assert rows["true"]["ours"] == "true"
    assert rows["false"]["ours"] == "false"
    false_figures = rows["false"]["texts"]["ours"][FALSE]
    assert 0 < false_figures["false"] < false_figures["drawn"] == 20
    assert f"FALSE ours {false_figures['false']}/20" in done.stdout
