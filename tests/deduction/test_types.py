import pytest

from deduction.types import Statement


@pytest.mark.parametrize(
    "a, b",
    [
        ("para a b c d", "para d c b a"),
        ("perp a b c d", "perp c d b a"),
        ("cong a b c d", "cong d c a b"),
        ("coll c a b", "coll b c a"),
        ("cyclic a b c d", "cyclic d c b a"),
        ("midp m a b", "midp m b a"),
        ("circle o a b c", "circle o c a b"),
        ("eqangle a b c d e f g h", "eqangle e f g h a b c d"),
        ("eqangle a b c d e f g h", "eqangle b a d c f e h g"),
        ("eqangle a b c d e f g h", "eqangle a b e f c d g h"),
        ("eqangle6 a b c d e f g h", "eqangle c d a b g h e f"),
        ("eqratio a b c d e f g h", "eqratio a b e f c d g h"),
        ("simtri a b c p q r", "simtri q p r b a c"),
        ("aconst a b c d 1/3", "aconst b a d c 2/6"),
    ],
)
def test_spellings_of_one_fact_are_equal(a, b):
    assert Statement.parse(a) == Statement.parse(b)
    assert hash(Statement.parse(a)) == hash(Statement.parse(b))


@pytest.mark.parametrize(
    "a, b",
    [
        ("eqangle a b c d e f g h", "eqangle a b c d g h e f"),  # negated angle
        ("simtri a b c p q r", "simtri a b c q p r"),
        ("midp m a b", "midp a m b"),
        ("aconst a b c d 1/3", "aconst c d a b 1/3"),
    ],
)
def test_different_facts_stay_different(a, b):
    assert Statement.parse(a) != Statement.parse(b)


@pytest.mark.parametrize("text", ["foo a b", "para a b c", "coll a", ""])
def test_bad_statements_raise_value_error(text):
    with pytest.raises(ValueError):
        Statement.parse(text)


@pytest.mark.parametrize(
    "a, b",
    [
        ("aconst a b c d 1/3", "aconst c d a b 2/3"),
        ("aconst a b c d 4/3", "aconst a b c d 1/3"),
        ("rconst a b c d 1/2", "rconst d c b a 2"),
        ("eqratio3 a b c d m n", "eqratio3 b a d c n m"),
        ("eqratio3 a b c d m n", "eqratio3 c d a b m n"),
        ("sameside a b c x y z", "sameside x z y a c b"),
    ],
)
def test_value_and_side_forms_are_canonical(a, b):
    assert Statement.parse(a) == Statement.parse(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("rconst a b c d 1/2", "rconst c d a b 1/2"),
        ("eqratio3 a b c d m n", "eqratio3 a b c d n m"),
        ("sameside a b c x y z", "sameside b a c x y z"),
    ],
)
def test_value_and_side_forms_keep_meaning(a, b):
    assert Statement.parse(a) != Statement.parse(b)


def test_unrolled_eqangle_canonical_form_matches_the_symmetry_table():
    import random

    from deduction.types import _EQ4_FORMS

    rng = random.Random(0)
    for _ in range(3000):
        args = tuple(rng.choice("abcdef") for _ in range(8))
        pairs = [tuple(sorted(args[i : i + 2])) for i in range(0, 8, 2)]
        best = min(tuple(pairs[i] for i in form) for form in _EQ4_FORMS)
        assert Statement("eqangle", args).args == tuple(x for pair in best for x in pair)


def test_statements_survive_pickling_into_a_process_with_other_string_hashes():
    # The hash is cached; a pickled statement must rehash in the receiving process, or dict
    # and set lookups there would silently miss it.
    import pickle
    import subprocess
    import sys

    blob = pickle.dumps([Statement.parse("eqangle a b a c d e d o"), Statement.parse("coll a b c")])
    script = (
        "import pickle, sys\n"
        "from deduction.types import Statement\n"
        "got = pickle.loads(sys.stdin.buffer.read())\n"
        "fresh = {Statement.parse('coll c b a'), Statement.parse('eqangle d e d o a b a c')}\n"
        "print(all(s in fresh for s in got) and all(hash(s) == hash(t) for s, t in"
        " zip(sorted(got, key=str), sorted(fresh, key=str))))\n"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            input=blob,
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        assert out.strip() == b"True"


def test_statement_fields_are_just_predicate_and_args():
    import dataclasses

    s = Statement.parse("para a b c d")
    assert dataclasses.asdict(s) == {"predicate": "para", "args": ("a", "b", "c", "d")}
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.args = ()


def test_statement_keyword_construction_and_replace():
    import dataclasses

    s = Statement(predicate="para", args=("d", "c", "b", "a"))
    assert s == Statement.parse("para a b c d")
    assert dataclasses.replace(s, args=("a", "c", "b", "d")) == Statement.parse("para a c b d")


def test_json_round_trips():
    import json

    from deduction.types import ProofStep, Theorem

    st = Statement.parse("aconst c d a b 1/3")
    assert Statement.from_json(json.loads(json.dumps(st.to_json()))) == st
    step = ProofStep(st, "r03", (Statement.parse("para a b c d"), Statement.parse("coll a b e")))
    assert ProofStep.from_json(json.loads(json.dumps(step.to_json()))) == step
    theorem = Theorem("t", (Statement.parse("midp m a b"),), Statement.parse("coll a b m"))
    assert Theorem.from_json(json.loads(json.dumps(theorem.to_json()))) == theorem
