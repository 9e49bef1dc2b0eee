"""The E-step's bookkeeping: judge samples, keep the correct ones, dedup, cap, write SFT rows.

ReST-EM keeps, for each problem, the distinct completions the verifier accepts, at most `cap`
of them (the paper keeps 10), in the order they were sampled, so the kept set depends only on
the samples and not on which worker judged them first. Completions that differ only in
trailing spaces or blank lines at the end are one completion. A sample the checker could not
judge (TIMEOUT, ERROR) is neither kept nor counted wrong: it is reported apart, never learnt.

The kept set is written in the two layouts TRL's `SFTTrainer` and `datasets` read: prompt /
completion (the loss then falls on the completion only) and conversational `messages`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifiers import Problem, Sample, Status, Verdict


@dataclass(frozen=True, slots=True)
class Judged:
    """A sample with its verdict."""

    sample: Sample
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        return {
            "problem_id": self.sample.problem_id,
            "completion": self.sample.completion,
            "meta": dict(self.sample.meta),
            "verdict": self.verdict.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Judged:
        sample = Sample(data["problem_id"], data["completion"], dict(data.get("meta", {})))
        return cls(sample, Verdict.from_json(data["verdict"]))


def normalized(completion: str) -> str:
    """The form two completions are compared in: trailing spaces and final blank lines off."""
    return "\n".join(line.rstrip() for line in completion.rstrip().splitlines())


def keep(judged: Iterable[Judged], cap: int) -> dict[str, list[Sample]]:
    """problem id -> its kept samples: correct, distinct, at most `cap`, in input order."""
    if cap < 1:
        raise ValueError(f"{cap=} must be >= 1")
    kept: dict[str, list[Sample]] = {}
    seen: dict[str, set[str]] = {}
    for item in judged:
        if item.verdict.status is not Status.CORRECT:
            continue
        pid = item.sample.problem_id
        text = normalized(item.sample.completion)
        if text in seen.setdefault(pid, set()) or len(kept.get(pid, ())) >= cap:
            continue
        seen[pid].add(text)
        kept.setdefault(pid, []).append(item.sample)
    return kept


def tally(judged: Iterable[Judged]) -> Counter:
    """Verdict counts (`correct`, `wrong`, `timeout`, `error`) and `samples`."""
    counts: Counter = Counter()
    for item in judged:
        counts["samples"] += 1
        counts[item.verdict.status.value] += 1
    return counts


def sft_rows(
    kept: Mapping[str, Sequence[Sample]], problems: Mapping[str, Problem]
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """(prompt/completion rows, messages rows) for the kept samples, problems in id order."""
    plain, chat = [], []
    for pid in sorted(kept):
        prompt = problems[pid].prompt
        for sample in kept[pid]:
            plain.append({"prompt": prompt, "completion": sample.completion})
            chat.append(
                {
                    "messages": [
                        {"role": "user", "content": prompt},
                        {"role": "assistant", "content": sample.completion},
                    ]
                }
            )
    return plain, chat
