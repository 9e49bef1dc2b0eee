"""rules.txt parsed as data: 43 rules, their structure, and clear errors for bad rule text."""

import pytest

from deduction.engine.matcher import line_only_pairs
from deduction.errors import ParseError
from deduction.rules import (
    RULE_NAMES,
    Pattern,
    load_rules,
    orientation_variants,
    parse_rules,
    rule_label,
)


def test_bundled_rules_match_the_shared_copy(shared_dir):
    rules = load_rules("ag1")
    assert len(rules) == 43
    assert [r.name for r in rules] == [f"r{i:02d}" for i in range(43)]
    text = (shared_dir / "geometry" / "rules.txt").read_text()
    assert [r.text for r in rules] == [ln.strip() for ln in text.splitlines() if ln.strip()]


def test_rule_structure():
    r00 = load_rules()[0]
    assert r00.premises == (
        Pattern("perp", ("A", "B", "C", "D")),
        Pattern("perp", ("C", "D", "E", "F")),
    )
    assert r00.side_conditions == (Pattern("ncoll", ("A", "B", "E")),)
    assert r00.conclusion == Pattern("para", ("A", "B", "E", "F"))
    assert set(r00.variables) == set("ABCDEF")


def test_every_rule_has_facts_to_match():
    for rule in load_rules():
        assert rule.premises, rule
        assert all(p.predicate not in {"ncoll", "npara", "sameside", "diff"} for p in rule.premises)


def test_starred_rules_split_by_orientation():
    r33 = load_rules()[33]
    same, mirrored = orientation_variants(r33)
    assert same.conclusion.predicate == "contri" and mirrored.conclusion.predicate == "contri2"
    assert Pattern("eqangle6", ("B", "A", "B", "C", "Q", "R", "Q", "P")) in mirrored.premises
    r32 = load_rules()[32]  # SSS: no angle premise, one rule, orientation read off the figure
    assert orientation_variants(r32) == (r32,)


def test_line_only_pairs():
    rules = load_rules()
    assert line_only_pairs(rules[9]) == {
        ("a", "b"),
        ("c", "d"),
        ("e", "f"),
        ("m", "n"),
        ("p", "q"),
        ("r", "u"),
    }
    assert line_only_pairs(rules[3]) == set()  # cyclic A B P Q: points matter


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("para A B C D", "'=>'"),
        ("paral A B C D => coll A B C", "unknown predicate 'paral'"),
        ("para A B C => coll A B C", "takes 4"),
        ("para A B C D => coll A B X", "not in any premise"),
        (" => coll A B C", "no premises"),
    ],
)
def test_bad_rule_text_names_the_problem(text, needle):
    with pytest.raises(ParseError, match="rule r00") as info:
        parse_rules(text)
    assert needle in str(info.value)


# What a rule's name must say about its conclusion (after the name's last ':', if any): a name
# keyed to the wrong r-number, after rules.txt is reordered or edited, fails here.
CONCLUSION_WORDS = {
    "para": ("parallel",),
    "cyclic": ("concyclic",),
    "eqangle": ("angle",),
    "eqratio": ("ratio", "proportional"),
    "cong": ("equidistant", "congruent", "isosceles"),
    "perp": ("perpendicular", "right"),
    "midp": ("midpoint", "bisect"),
    "coll": ("collinear",),
    "simtri": ("similarity",),
    "contri": ("congruence",),
}


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.name)
def test_every_rule_has_a_name_that_states_its_conclusion(rule):
    name = RULE_NAMES[rule.name]
    predicate = rule.conclusion.predicate.rstrip("*236")
    tail = name.rsplit(":", 1)[-1]
    assert any(word in tail for word in CONCLUSION_WORDS[predicate]), (rule.text, name)
    assert ";" not in name and "[" not in name  # proof text uses them as separators
    assert rule_label(rule.name) == f"{rule.name} ({name})"


def test_rule_sets():
    ag1, ours = load_rules("ag1"), load_rules("proofloom")
    assert load_rules() is ours  # the default, parsed once
    assert ours[:43] == ag1 and all(a is b for a, b in zip(ag1, ours, strict=False))
    extra = ours[43:]
    assert extra and [r.name for r in extra] == [f"p{i:02d}" for i in range(len(extra))]


def test_rules_from_a_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# one rule\nmidp M A B => coll M A B\n")
    (rule,) = load_rules(path)
    assert rule.name == "r00" and rule.conclusion == Pattern("coll", ("M", "A", "B"))


def test_only_the_bundled_rules_are_named():
    assert set(RULE_NAMES) == {r.name for r in load_rules()}
    for label in ("AR:angle", "circle", "def:midp", "premise"):
        assert rule_label(label) == label
