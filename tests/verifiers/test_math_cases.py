"""The shared labelled cases (../shared/math/verifier_cases.jsonl): accuracy and latency bounds."""

import json
from collections import Counter
from pathlib import Path

import pytest

from verifiers.math import clear_caches, verify, verify_many

THRESHOLD = 0.97
MAX_CASE_S = 1.0


@pytest.fixture(scope="module")
def cases(shared_dir: Path) -> list[dict]:
    path = shared_dir / "math" / "verifier_cases.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _table(cases: list[dict], wrong: list[dict]) -> str:
    total = Counter(c["category"] for c in cases)
    bad = Counter(c["category"] for c in wrong)
    lines = [f"{cat:16s} {total[cat] - bad[cat]:3d}/{total[cat]:3d}" for cat in sorted(total)]
    lines += [f"  {c['id']} label={c['label']} gold={c['gold'][:60]!r}" for c in wrong[:40]]
    return "\n".join(lines)


def test_accuracy_on_shared_cases(cases: list[dict]) -> None:
    clear_caches()
    wrong, slowest = [], 0.0
    for case in cases:
        verdict = verify(case["prediction"], case["gold"])
        slowest = max(slowest, verdict.elapsed_s)
        assert verdict.ok, (case["id"], verdict)
        if bool(verdict.reward) != case["label"]:
            wrong.append(case)
    accuracy = 1 - len(wrong) / len(cases)
    assert accuracy >= THRESHOLD, f"accuracy {accuracy:.3f}\n" + _table(cases, wrong)
    assert slowest < MAX_CASE_S


def test_every_category_is_covered(cases: list[dict]) -> None:
    categories = {c["category"] for c in cases}
    assert len(categories) >= 20


def test_batch_matches_single_and_keeps_order(cases: list[dict]) -> None:
    pairs = [(c["prediction"], c["gold"]) for c in cases[:120]]
    single = [verify(p, g).status for p, g in pairs]
    batch = [v.status for v in verify_many(pairs, workers=2)]
    assert batch == single
