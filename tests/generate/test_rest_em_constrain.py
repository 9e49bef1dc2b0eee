"""Grammar-constrained geometry completions: the per-problem pattern against the generator's
reference clauses and malformed ones, and constrained sampling from an untrained tiny model,
whose every completion must parse as an auxiliary clause of its problem."""

import json
from pathlib import Path

import pytest
import regex

from deduction import CONSTRUCTIONS, parse_problem
from generate.rest_em.geometry_prompt import (
    STOP,
    aux_constructions,
    completion_pattern,
    normalise,
)

DATA = Path(__file__).parent / "data" / "geometry_aux.jsonl"
RECORDS = [json.loads(line) for line in DATA.read_text().splitlines()]
AUX = [r for r in RECORDS if r["aux_clauses"]]
TRAPEZOID = "a b c d = eq_trapezoid a b c d ? cong a c b d"  # points a-d: e is the next name


def matches(text: str, completion: str) -> bool:
    return regex.fullmatch(completion_pattern(text), completion) is not None


def test_the_constructions_are_the_one_point_ones_of_deduction():
    names = aux_constructions()
    assert {"midpoint", "foot", "on_line", "on_circle", "intersection_ll", "reflect"} <= set(names)
    assert "free" not in names and "s_angle" not in names  # no tie to the figure; a value
    assert "triangle" not in names  # makes three points
    assert all(len(CONSTRUCTIONS[n].points) == 1 for n in names)


@pytest.mark.parametrize("record", AUX, ids=[r["id"][:8] for r in AUX])
def test_every_reference_completion_matches_its_problem(record):
    assert matches(record["problem"], "; ".join(record["aux_clauses"]))


@pytest.mark.parametrize(
    "completion",
    [
        "e = midpoint e a b",
        "e = on_line e a c, on_line e b d",  # an intersection, AlphaGeometry's way
        "e = parallelogram a b c e",  # the new point last, as its definition puts it
        "e = midpoint e a b; f = foot f e c d",  # a later clause may use an earlier point
        "e = midpoint e a b; f = midpoint f a c; g = mirror g f e",
    ],
)
def test_well_formed_clauses_match(completion):
    assert matches(TRAPEZOID, completion)


@pytest.mark.parametrize(
    "completion, why",
    [
        ("d = midpoint d a b", "d is the problem's own point"),
        ("f = midpoint f a b", "the next free name is e"),
        ("e = midpoint e a x", "x is no point of the problem"),
        ("e = midpoint e a f", "f does not exist yet"),
        ("e = middle e a b", "no such construction"),
        ("e = triangle e a b", "triangle makes three points"),
        ("e = free e", "a free point is tied to nothing"),
        ("e = midpoint e a", "midpoint takes two points"),
        ("e = midpoint e a b c", "midpoint takes two points"),
        ("e = midpoint a e b", "the new point comes first in midpoint"),
        ("e = midpoint e a b;", "a dangling separator"),
        ("e = midpoint e a b, ", "a dangling separator"),
        ("e = midpoint e a b; f = midpoint f a b; g = mirror g f e; h = foot h a b c", "4 clauses"),
        ("e = on_line e a b, on_line e c d, on_line e a c", "three constructions of one point"),
        ("e  = midpoint e a b", "spacing as deduction prints it"),
        ("", "nothing"),
    ],
)
def test_malformed_clauses_do_not_match(completion, why):
    assert not matches(TRAPEZOID, completion), why


def test_the_pattern_is_plain_regular_syntax():
    # vLLM's guided-decoding engines take no backreferences or lookarounds
    pattern = completion_pattern(TRAPEZOID)
    assert "(?=" not in pattern and "(?!" not in pattern and "(?P" not in pattern
    assert "\\1" not in pattern


def test_fewer_clauses_and_a_narrower_vocabulary():
    pattern = completion_pattern(TRAPEZOID, max_clauses=1, constructions=("midpoint",))
    assert regex.fullmatch(pattern, "e = midpoint e a b")
    assert not regex.fullmatch(pattern, "e = midpoint e a b; f = midpoint f a c")
    assert not regex.fullmatch(pattern, "e = foot e a b c")
    with pytest.raises(ValueError, match="unknown constructions"):
        completion_pattern(TRAPEZOID, constructions=("middle",))


# ------------------------------------------------------------------ sampling under the pattern
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def untrained(tmp_path_factory):
    from generate.rest_em.policy import build_tiny
    from generate.rest_em.samplers import TransformersSampler

    torch.set_num_threads(1)
    return TransformersSampler(build_tiny(tmp_path_factory.mktemp("tiny") / "m", seed=0))


def test_an_untrained_model_writes_only_clauses_that_parse(untrained):
    from generate.rest_em.samplers import SamplingSettings

    problems = [r["problem"] for r in AUX[::3]]
    prompts = [f"Q: {p}\nA: " for p in problems]
    patterns = [completion_pattern(p) for p in problems]
    # room for three clauses of two long constructions: an untrained model does not stop early
    settings = SamplingSettings(k=6, temperature=1.0, top_k=0, max_new_tokens=240, stop=STOP)
    sampled = untrained.sample(prompts, settings, patterns)
    greedy = untrained.sample(prompts, settings.greedy(), patterns)
    for problem, texts, first in zip(problems, sampled, greedy, strict=True):
        clauses, goal = problem.split(" ? ")
        for text in [*texts, *first]:
            assert text and normalise(text) == text  # one line, spaced as deduction prints
            parse_problem(f"{clauses}; {text} ? {goal}")  # raises when it does not parse
    # unconstrained, the same model writes noise (what the loop saw before)
    free = untrained.sample(prompts[:1], SamplingSettings(k=4, max_new_tokens=30, stop=STOP))
    assert not any(regex.fullmatch(patterns[0], t) for t in free[0])


def test_the_allowed_tokens_follow_the_pattern(untrained):
    from generate.rest_em.constrain import RegexConstraint

    tok = untrained.tokenizer
    constraint = RegexConstraint(tok)
    pattern = completion_pattern(TRAPEZOID)

    def chars(text: str) -> set[str]:
        return {
            tok.decode([t])
            for t in constraint.allowed(pattern, text, STOP)
            if t != tok.eos_token_id
        }

    assert chars("") == {"e"}
    assert chars("e = midpoint e ") == {"a", "b", "c", "d"}
    assert chars("e = midpoint e a b") == {",", ";", "\n"}  # more, or the end
    assert tok.eos_token_id in constraint.allowed(pattern, "e = midpoint e a b", STOP)
    assert tok.eos_token_id not in constraint.allowed(pattern, "e = midpoint e a", STOP)
    assert constraint.allowed(pattern, "e = midpoint e a b\n", STOP) == [tok.eos_token_id]
