"""The construction language (defs.txt) and problem files (jgex_ag_231.txt)."""

import pytest

from deduction.constructions import CONSTRUCTIONS, make_statement, parse_defs
from deduction.errors import ConstructionError, ParseError
from deduction.problem import (
    DEFAULT_PROBLEMS,
    ProblemLoadError,
    load_problems,
    parse_problem,
    parse_problems,
    premise_statements,
)
from deduction.types import Problem, Statement


def _blocks(text: str) -> list[str]:
    lines = text.rstrip("\n").split("\n")
    return [lines[i] for i in range(0, len(lines), 6)]


def test_every_block_of_shared_defs_is_parsed(shared_dir):
    names = [line.split()[0] for line in _blocks((shared_dir / "geometry/defs.txt").read_text())]
    assert len(names) == len(set(names)) == 68
    assert sorted(CONSTRUCTIONS) == sorted(names)


def test_bundled_data_matches_shared(shared_dir):
    for name in ("defs.txt", "rules.txt", "jgex_ag_231.txt", "imo_ag_30.txt", "NOTICE"):
        bundled = DEFAULT_PROBLEMS.parent / name
        assert bundled.read_text() == (shared_dir / "geometry" / name).read_text()


@pytest.mark.parametrize(
    "name, points, values, statements, sketch",
    [
        ("on_bline", ("x",), (), ["cong x a x b", "eqangle a x a b b a b x"], ["bline a b"]),
        ("s_angle", ("x",), ("y",), ["s_angle a b x y"], ["s_angle a b y"]),
        ("rectangle", ("a", "b", "c", "d"), (), None, ["rectangle"]),
        ("incenter2", ("x", "y", "z", "i"), (), None, ["incenter2 a b c"]),
        (
            "intersection_lc",
            ("x",),
            (),
            ["coll x a b", "cong o b o x"],
            ["line b a", "circle o o b"],
        ),
    ],
)
def test_definition_fields(name, points, values, statements, sketch):
    cdef = CONSTRUCTIONS[name]
    assert cdef.points == points
    assert cdef.values == values
    if statements is not None:
        assert [str(t) for t in cdef.statements] == statements
    assert [str(c) for c in cdef.sketch] == sketch


def test_incenter2_reads_every_semicolon_group():
    # The ';'-separated groups without a "points :" prefix are defining statements too.
    texts = [str(t) for t in CONSTRUCTIONS["incenter2"].statements]
    assert "eqangle b c b i b i b a" in texts
    assert "cong i y i z" in texts
    assert len(texts) == 11


def test_value_statements():
    assert make_statement("s_angle", ("a", "b", "x", "-15")) == Statement.parse(
        "aconst a b b x 11/12"
    )
    assert make_statement("rconst", ("a", "b", "a", "c", "1", "2")) == Statement.parse(
        "rconst a b a c 1/2"
    )
    assert make_statement("aconst", ("a", "b", "c", "d", "2pi/3")) == Statement.parse(
        "aconst a b c d 2/3"
    )
    assert make_statement("aconst", ("a", "b", "c", "d", "pi/3")) == Statement.parse(
        "aconst a b c d 1/3"
    )
    assert make_statement("aconst", ("a", "b", "c", "d", "-pi/3")) == Statement.parse(
        "aconst a b c d 2/3"
    )


def test_bad_defs_are_rejected():
    good = "on_line x a b\nx : x a b\na b = diff a b\nx : coll x a b\nline a b\n"
    assert list(parse_defs(good)) == ["on_line"]
    with pytest.raises(ParseError, match="bad statement"):
        parse_defs(good.replace("coll x a b", "frob x a b"))
    with pytest.raises(ParseError, match="lacks '='"):
        parse_defs(good.replace("a b = diff a b", "a b diff a b"))
    with pytest.raises(ParseError, match="defined twice"):
        parse_defs(good + "\n" + good)


def test_all_231_problems_parse():
    problems = load_problems(DEFAULT_PROBLEMS)
    assert len(problems) == 231
    assert all(isinstance(p, Problem) for p in problems)
    assert all(p.goal is not None for p in problems)
    names = [p.name for p in problems]
    assert names[0] == "examples/complete2/012/complete_004_6_GDD_FULL_81-109_101.gex"


def test_problem_structure_and_premises():
    p = parse_problem(
        "a b c = triangle a b c; o = circle o a b c; d = on_line d a b, on_circle d o a"
        " ? cong o a o d",
        "t",
    )
    assert p.points == ("a", "b", "c", "o", "d")
    assert [c.name for c in p.clauses[2].constructions] == ["on_line", "on_circle"]
    assert p.goal == Statement.parse("cong o a o d")
    premises = [str(s) for s, _ in premise_statements(p)]
    assert premises == ["cong a o b o", "cong b o c o", "coll a b d", "cong a o d o"]


def test_s_angle_problem():
    p = parse_problem("a b = segment a b; c = s_angle b a c 60 ? perp a b a c", "s")
    ((statement, _),) = premise_statements(p)
    assert statement == Statement.parse("aconst a b a c 1/3")


@pytest.mark.parametrize(
    "text, error, token",
    [
        (
            "a b c = triangle a b c; d = frobnicate d a b ? coll a b d",
            ConstructionError,
            "frobnicate",
        ),
        ("a b c = triangle a b c; d = on_line d a ? coll a b d", ConstructionError, "wrong arity"),
        ("a b c = triangle a b c; d = on_line a ? coll a b d", ConstructionError, "wrong arity"),
        ("a b c = triangle a b c; d = on_line d a q ? coll a b d", ConstructionError, "'q'"),
        ("a b c = triangle a b c; a = on_line a b c ? coll a b c", ConstructionError, "'a'"),
        ("a b c = triangle a b c; d on_line d a b ? coll a b d", ParseError, "d on_line"),
        ("a b c = triangle a b c; ; d = on_line d a b", ParseError, "empty clause"),
        ("a b c = triangle a b c; d = on_line d a b ?", ParseError, "empty goal"),
        ("a b c = triangle a b c; d = on_line d a b ? coll a b z", ConstructionError, "'z'"),
        ("a b c = triangle a b c; d = on_line d a b ? frob a b d", ParseError, "frob"),
        ("a b c = triangle a b c; d = on_line d a b ? para a b d", ParseError, "bad goal"),
        ("a b c = triangle a b c; d = on_line e a b", ConstructionError, "'e'"),
        ("a b c = triangle a b c; d e = on_line d a b", ConstructionError, "'e'"),
        ("a b = segment a b; c = s_angle b a c x", ParseError, "'x'"),
    ],
)
def test_bad_problems_name_problem_and_token(text, error, token):
    with pytest.raises(error) as info:
        parse_problem(text, "bad-one")
    message = str(info.value)
    assert "'bad-one'" in message
    assert token in message


def test_multi_problem_file_reports_bad_problem_and_loads_rest(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(
        "first\n"
        "a b c = triangle a b c; d = midpoint d a b ? coll a b d\n"
        "second\n"
        "a b c = triangle a b c; d = midpoint d a z ? coll a b d\n"
        "\n# a comment\n"
        "third\n"
        "a b c = triangle a b c; o = circle o a b c ? cong o a o b\n"
        "orphan\n"
    )
    loaded = load_problems(path)
    assert [type(x) for x in loaded] == [Problem, ProblemLoadError, Problem, ProblemLoadError]
    assert loaded[1].name == "second" and "'z'" in loaded[1].message and loaded[1].line == 3
    assert loaded[2].name == "third"
    assert loaded[3].name == "orphan"
    # only the named ones, the bad unnamed one skipped unparsed
    chosen = load_problems(path, names={"third", "first"})
    assert [p.name for p in chosen] == ["first", "third"]
    assert all(isinstance(p, Problem) for p in chosen)
    assert [p.name for p in load_problems(path, names={"second"})] == ["second"]


def test_problem_lines_without_names_get_positional_names():
    (p,) = parse_problems("a b = segment a b; m = midpoint m a b", "src")
    assert p.name == "src:1" and p.goal is None


def test_goal_values():
    base = "a b c = triangle a b c; d = midpoint d a b ? "
    assert parse_problem(base + "aconst a b b c pi/3").goal == Statement.parse("aconst a b b c 1/3")
    assert parse_problem(base + "rconst a d a b 1 2").goal == Statement.parse("rconst a d a b 1/2")
    assert parse_problem(base + "s_angle a b c 90").goal == Statement.parse("aconst a b b c 1/2")


def test_short_form_leaves_out_the_clause_points():
    # AlphaGeometry's examples write `a b c = triangle` and `h = on_tline b a c`.
    short = parse_problem("a b c = triangle; h = on_tline b a c, on_tline c a b ? perp a h b c")
    full = parse_problem(
        "a b c = triangle a b c; h = on_tline h b a c, on_tline h c a b ? perp a h b c"
    )
    assert short.clauses == full.clauses
    four = parse_problem("a b c = triangle; d1 d2 d3 d = incenter2 a b c")
    assert four.clauses[1].constructions[0].args == ("d1", "d2", "d3", "d", "a", "b", "c")


def test_pinned_coordinates():
    p = parse_problem("a@0_0 b@1.5_-0.25 c = triangle a b c; m = midpoint m a b", "pins")
    assert p.points == ("a", "b", "c", "m")
    assert p.clauses[0].pinned == (("a", 0.0, 0.0), ("b", 1.5, -0.25))
    assert str(p.clauses[0]).startswith("a@0.0_0.0 b@1.5_-0.25 c =")
    with pytest.raises(ParseError, match="bad position"):
        parse_problem("a@0_x b c = triangle a b c", "pins")


def test_problems_print_back_to_text_that_parses_to_the_same_problem():
    for problem in load_problems(DEFAULT_PROBLEMS):
        again = parse_problem(str(problem), problem.name)
        assert again.clauses == problem.clauses and again.goal == problem.goal
    pinned = parse_problem("a@0.1_-2 b c = triangle a b c; m = midpoint m a b ? aconst a b a c 1/3")
    again = parse_problem(str(pinned))
    assert again.clauses == pinned.clauses and again.goal == pinned.goal
