"""Math answer verification: extraction, LaTeX parsing, equivalence under the label policy.

    verify(prediction, reference) -> Verdict        one pair
    verify_many(pairs, workers=N) -> list[Verdict]  a batch, order preserved
    extract_answer(text) -> str                     the final answer a checker would judge

`python -m verifiers.math score FILE.jsonl` scores a JSONL file of model outputs.
"""

from verifiers.math.extract import extract_answer
from verifiers.math.verifier import clear_caches, verify, verify_many

__all__ = ["clear_caches", "extract_answer", "verify", "verify_many"]
