"""generate.geometry.draw: finding a record in a run's shards and drawing it.

The records are written by hand with exact coordinates: a triangle with its midpoint and, as the
auxiliary point, the foot of an altitude; a right triangle's circumcircle; a point far away.
"""

import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generate.geometry.draw import AUX, GOAL, draw_record, main, make_figure, scene
from generate.geometry.lookup import RecordLookupError, closest_ids, find_record


def named(points: dict) -> list[dict]:
    """A record's `coordinates`: named points."""
    return [{"name": k, "x": float(x), "y": float(y)} for k, (x, y) in points.items()]


MIDPOINT = {  # foot e of c on ab is the auxiliary point
    "id": "3f9a" + "0" * 28,
    "problem": "a b c = triangle a b c; d = midpoint d a b ? cong d a d b",
    "problem_with_aux": "a b c = triangle a b c; d = midpoint d a b; e = foot e c a b"
    " ? cong d a d b",
    "aux_clauses": ["e = foot e c a b"],
    "goal": "cong d a d b",
    "coordinates": named({"a": [0, 0], "b": [4, 0], "c": [1, 3], "d": [2, 0], "e": [1, 0]}),
    "proof_text": "cong a d b d [midp]",
}
CIRCLE = {  # o is the circumcentre of a right triangle, so the midpoint of its hypotenuse
    "id": "3f9b" + "1" * 28,
    "problem": "a b c = r_triangle a b c; o = circle o a b c; d = on_circle d o a ? cyclic a b c d",
    "problem_with_aux": "a b c = r_triangle a b c; o = circle o a b c; d = on_circle d o a"
    " ? cyclic a b c d",
    "aux_clauses": [],
    "goal": "cyclic a b c d",
    "coordinates": named({"a": [0, 0], "b": [4, 0], "c": [0, 3], "o": [2, 1.5], "d": [4.5, 1.5]}),
    "proof_text": "cyclic a b c d [circle]",
}
FAR = {  # d is a hundred times further out than the triangle's size
    "id": "c0ffee" + "2" * 26,
    "problem": "a b c = triangle a b c; d = on_line d a b ? coll a b d",
    "problem_with_aux": "a b c = triangle a b c; d = on_line d a b ? coll a b d",
    "aux_clauses": [],
    "goal": "coll a b d",
    "coordinates": named({"a": [0, 0], "b": [1, 0], "c": [0.4, 1], "d": [100, 0]}),
    "proof_text": "coll a b d [premise]",
}


def _write_jsonl_gz(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    _write_jsonl_gz(run / "data" / "00000.jsonl.gz", [MIDPOINT, CIRCLE])
    _write_jsonl_gz(run / "data" / "00001.jsonl.gz", [FAR])
    return run


def _svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]


def test_draw_record_writes_png(tmp_path):
    out = draw_record(MIDPOINT, tmp_path / "figures" / "fig.png")  # folders are created
    assert out == tmp_path / "figures" / "fig.png"
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert out.stat().st_size > 5000


def test_draw_record_svg_labels_every_point_and_the_goal(tmp_path):
    out = draw_record(MIDPOINT, tmp_path / "fig.svg")
    texts = _svg_texts(out)
    assert {"A", "B", "C", "D", "E"} <= set(texts)
    assert "cong D A D B" in texts


def test_aux_point_is_drawn_in_its_colour_with_dashed_construction(tmp_path):
    out = draw_record(MIDPOINT, tmp_path / "fig.svg")
    root = ET.parse(out).getroot()
    groups = {el.get("id"): el for el in root.iter("{http://www.w3.org/2000/svg}g")}
    aux_dot = ET.tostring(groups["point-e"]).decode()
    assert AUX in aux_dot and "#000000" not in aux_dot
    assert "auxiliary" in _svg_texts(out)  # the legend
    ax = make_figure(MIDPOINT).axes[0]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert dashed and all(line.get_color() == AUX for line in dashed)  # e's foot clause


def test_scene_takes_objects_from_the_premises():
    sc = scene(MIDPOINT)
    assert sc.aux == {"e"}
    shapes = {(shape.kind, shape.points, role) for shape, role in sc.shapes}
    assert ("segment", ("b", "c"), "premise") in shapes  # a triangle side: no statement names it
    assert ("segment", ("c", "e"), "aux") in shapes  # perp e c a b, dashed
    assert ("line", ("a", "b", "d"), "premise") in shapes  # coll d a b
    assert ("segment", ("a", "d"), "goal") in shapes
    assert sc.goal_points == ("a", "d", "b")
    assert sc.title == "cong D A D B"


def test_cyclic_goal_is_one_circle_in_the_goal_colour():
    from matplotlib.colors import to_rgba

    sc = scene(CIRCLE)
    centred = {s.points for s, role in sc.shapes if s.centre == "o" and role == "premise"}
    assert centred == {("a", "b", "c"), ("a",)}  # o equidistant from a, b, c; on_circle d o a
    # those and the goal's circle through a, b, c, d are one circle, drawn once, as the goal
    (circle,) = make_figure(CIRCLE).axes[0].patches
    assert circle.get_center() == pytest.approx((2, 1.5))
    assert circle.get_radius() == pytest.approx(2.5)
    assert circle.get_edgecolor() == to_rgba(GOAL)


def test_far_point_is_an_arrow_at_the_edge_not_a_shrunken_figure(tmp_path):
    ax = make_figure(FAR).axes[0]
    x0, x1 = ax.get_xlim()
    assert x1 < 10  # the triangle fills the view
    arrows = [t for t in ax.texts if t.get_text() == "D" and t.arrow_patch is not None]
    assert len(arrows) == 1
    assert {"A", "B", "C", "D"} <= set(_svg_texts(draw_record(FAR, tmp_path / "far.svg")))


def test_svg_is_the_same_bytes_every_time(tmp_path):
    one = draw_record(CIRCLE, tmp_path / "one.svg").read_bytes()
    assert one == draw_record(CIRCLE, tmp_path / "two.svg").read_bytes()


def test_find_record_by_full_id_and_prefix(run_dir):
    assert find_record(run_dir, MIDPOINT["id"]) == MIDPOINT
    assert find_record(run_dir, "3f9b")["id"] == CIRCLE["id"]
    assert find_record(run_dir, "c0f")["id"] == FAR["id"]  # the second shard
    assert find_record(run_dir / "data", "c0f")["id"] == FAR["id"]  # the data folder itself


def test_ambiguous_prefix_names_the_ids(run_dir):
    with pytest.raises(RecordLookupError, match="starts 2 record ids.*3f9a.*3f9b"):
        find_record(run_dir, "3f9")


def test_parquet_shard(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = tmp_path / "run" / "data"
    data.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([CIRCLE, FAR]), data / "00000.parquet")
    record = find_record(tmp_path / "run", "c0")
    assert record["coordinates"] == FAR["coordinates"]
    assert find_record(tmp_path / "run", CIRCLE["id"])["aux_clauses"] == []
    assert draw_record(record, tmp_path / "fig.png").stat().st_size > 0


def test_a_version_2_parquet_shard_with_coordinates_by_name(tmp_path):
    """Generator version 2 wrote `coordinates` as {name: [x, y]}: in Parquet one struct column
    over both records' point names, so the record without `o` reads it None."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = tmp_path / "run" / "data"
    data.mkdir(parents=True)
    old = [
        {**r, "coordinates": {p["name"]: [p["x"], p["y"]] for p in r["coordinates"]}}
        for r in (CIRCLE, FAR)
    ]
    pq.write_table(pa.Table.from_pylist(old), data / "00000.parquet")
    assert find_record(tmp_path / "run", "c0")["coordinates"] == FAR["coordinates"]


def test_main_draws_by_prefix(run_dir, tmp_path, capsys):
    out = tmp_path / "fig.svg"
    assert main([str(run_dir), "3f9a", "--out", str(out)]) == 0
    assert "E" in _svg_texts(out)
    assert capsys.readouterr().out.strip() == str(out)


def test_main_default_out_is_in_the_run(run_dir):
    assert main([str(run_dir), "c0ffee"]) == 0
    assert (run_dir / "figures" / f"{FAR['id']}.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["3f9a1", "--out", "x.svg"], "closest: 3f9a0000"),  # no such id: close ones named
        (["3f9", "--out", "x.png"], "starts 2 record ids"),
        (["3f9a", "--out", "fig.jpg"], "must end in .png or .svg"),
    ],
)
def test_main_errors_are_one_line_and_status_2(run_dir, tmp_path, capsys, args, message):
    if "--out" in args:
        args[-1] = str(tmp_path / args[-1])
    assert main([str(run_dir), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_main_missing_run_dir(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere"), "3f9a"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run directory" in err


def test_closest_ids_are_the_sorted_neighbours():
    ids = ["00aa", "3f00", "3f9a", "3f9c", "ffff", "3f90"]
    assert closest_ids(iter(ids), "3f9b", k=2) == ["3f9a", "3f9c"]
    assert closest_ids([], "3f") == []
