"""Command line: score a JSONL file of model outputs against references.

    python -m verifiers.math score runs/samples.jsonl --workers 2 --out runs/scored.jsonl

Each line needs a prediction and a reference field (names configurable). If a label field is
present (true/false), the summary also reports agreement with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from verifiers.math.verifier import DEFAULT_TIMEOUT_S, verify_many


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m verifiers.math", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser(
        "score", help="score a JSONL file", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    score.add_argument("file", type=Path)
    score.add_argument("--prediction-key", default="prediction")
    score.add_argument("--reference-key", default="gold")
    score.add_argument("--label-key", default="label")
    score.add_argument("--workers", type=int, default=1)
    score.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
    score.add_argument("--out", type=Path, default=None, help="write one verdict per line here")
    return parser


def _load(path: Path, pred_key: str, ref_key: str) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            for key in (pred_key, ref_key):
                if not isinstance(row.get(key), str):
                    raise ValueError(f"{path}:{lineno}: field {key!r} missing or not a string")
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        rows = _load(args.file, args.prediction_key, args.reference_key)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pairs = [(r[args.prediction_key], r[args.reference_key]) for r in rows]
    verdicts = verify_many(pairs, workers=args.workers, timeout=args.timeout)
    statuses = Counter(v.status.value for v in verdicts)
    print(
        f"scored {len(verdicts)} lines: "
        + ", ".join(f"{k}={n}" for k, n in sorted(statuses.items()))
    )
    labelled = [
        (r[args.label_key], v) for r, v in zip(rows, verdicts, strict=True) if args.label_key in r
    ]
    if labelled:
        agree = sum(bool(label) == bool(v.reward) for label, v in labelled)
        share = agree / len(labelled)
        print(f"agreement with {args.label_key!r}: {agree}/{len(labelled)} = {share:.3f}")
    if args.out is not None:
        with args.out.open("w", encoding="utf-8") as fh:
            for row, verdict in zip(rows, verdicts, strict=True):
                fh.write(json.dumps({"id": row.get("id"), **verdict.to_json()}) + "\n")
    return 0
