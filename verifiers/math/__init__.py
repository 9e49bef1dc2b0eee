"""Math answer verification: extraction, LaTeX parsing, equivalence under the label policy.

    verify(prediction, reference) -> Verdict        one pair
    verify_many(pairs, workers=N) -> list[Verdict]  a batch, order preserved
    verify_iter(pairs, workers=N) -> Iterator       the same, each verdict as it comes
    extract_answer(text) -> str                     the final answer a checker would judge

`python -m verifiers.math score FILE.jsonl` scores a JSONL file of model outputs.

How a pair is judged: `extract` finds each side's final answer; `normalize` and `answer`
read its structure (sets, tuples, intervals, relations, units, percent); `latex_parser` builds
expression trees that `evaluate` computes exactly (Fraction) or at 60 digits (mpmath);
`numbers`, `realsets` and `compare` apply the policy. All of that runs in-process and is
bounded by construction. Only what it cannot decide goes to `symbolic`: sympy in a worker
process with a deadline, which yields Status.TIMEOUT when late.
"""

from verifiers.math.extract import extract_answer
from verifiers.math.verifier import clear_caches, verify, verify_iter, verify_many

__all__ = ["clear_caches", "extract_answer", "verify", "verify_iter", "verify_many"]
