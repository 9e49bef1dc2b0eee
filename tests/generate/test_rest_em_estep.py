"""The E-step's filter (correct, distinct, capped, in order) and the verifier dispatch."""

import pytest

from generate.rest_em.estep import Judged, keep, normalized, sft_rows, tally
from generate.rest_em.families import make_problem
from verifiers import Problem, Sample, Status, Verdict, verify_completion
from verifiers.errors import VerifierConfigError
from verifiers.problems import program_of

OK, NO = Verdict(Status.CORRECT), Verdict(Status.WRONG)
LATE, BROKEN = Verdict(Status.TIMEOUT), Verdict(Status.ERROR)


def judged(pid, text, verdict):
    return Judged(Sample(pid, text), verdict)


def test_keep_is_correct_distinct_capped_and_in_sample_order():
    items = [
        judged("a", "x = 1", NO),
        judged("a", "y = 2", OK),
        judged("a", "y = 2   \n\n", OK),  # the same completion, trailing blanks
        judged("a", "z = 3", LATE),
        judged("a", "w = 4", OK),
        judged("a", "v = 5", OK),
        judged("b", "q", BROKEN),
        judged("c", "r", OK),
    ]
    kept = keep(items, cap=2)
    assert {k: [s.completion for s in v] for k, v in kept.items()} == {
        "a": ["y = 2", "w = 4"],
        "c": ["r"],
    }
    counts = tally(items)
    assert counts["samples"] == 8 and counts["correct"] == 5
    assert counts["timeout"] == 1 and counts["error"] == 1 and counts["wrong"] == 1
    with pytest.raises(ValueError):
        keep(items, cap=0)


def test_normalized_keeps_inner_differences():
    assert normalized("a  \nb\n\n") == "a\nb"
    assert normalized(" a") != normalized("a")


def test_sft_rows_in_both_layouts():
    problems = {"p": Problem("p", "math", "Compute 1 + 1.", answer="2")}
    plain, chat = sft_rows({"p": [Sample("p", "1 + 1 = 2. The answer is 2.")]}, problems)
    assert plain == [{"prompt": "Compute 1 + 1.", "completion": "1 + 1 = 2. The answer is 2."}]
    assert chat[0]["messages"][0] == {"role": "user", "content": "Compute 1 + 1."}
    assert chat[0]["messages"][1]["role"] == "assistant"


def test_judged_round_trips_through_json():
    item = judged("p", "text", Verdict(Status.WRONG, "off by one", 0.5))
    assert Judged.from_json(item.to_json()) == item


def test_verify_completion_dispatches_by_domain():
    math = make_problem("math", "linear", 1)
    assert verify_completion(math, math.meta["solution"]).status is Status.CORRECT
    assert verify_completion(math, "The answer is 99999.").status is Status.WRONG
    code = make_problem("code", "arith", 1)
    assert verify_completion(code, code.meta["solution"]).status is Status.CORRECT
    # a chat model's fenced, complete function is judged as the whole program
    body = code.meta["solution"]
    fenced = f"Here it is:\n```python\ndef f(x):\n{body}```\n"
    assert program_of(code, fenced).startswith("def f(x):")
    assert verify_completion(code, fenced).status is Status.CORRECT
    assert verify_completion(code, "    return 'nope'\n").status is Status.WRONG


def test_problem_type_rejects_incomplete_problems():
    with pytest.raises(ValueError, match="domain"):
        Problem("p", "chess", "x")
    with pytest.raises(ValueError, match="reference answer"):
        Problem("p", "math", "x")
    with pytest.raises(ValueError, match="no tests"):
        Problem("p", "code", "x")
    bad = Problem("p", "math", "x", answer="1")
    object.__setattr__(bad, "domain", "chess")
    with pytest.raises(VerifierConfigError):
        verify_completion(bad, "1")
