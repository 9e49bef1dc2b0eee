"""The end-of-run summary as a reader wants it: rates, auxiliary share, lengths, predicates."""

from __future__ import annotations

from typing import Any

PREMISE_SETS = {
    "premise_sets": "sampled",
    "premise_sets_closed": "closed",
    "premise_sets_undrawable": "undrawable",
    "closure_timeouts": "closure timeouts",
    "premise_set_errors": "errors",
}
# drop reasons as a reader says them, in the order a candidate meets them
REASONS = {
    "dropped_definition": "a premise restated",
    "dropped_restated": "a simpler fact restated",
    "dropped_constants": "two proved constants equated",
    "dropped_short": "shorter than --min-steps",
    "dropped_one_clause": "follows from one clause alone",
    "dropped_not_aux": "no auxiliary point (--aux-only)",
    "dropped_duplicate": "duplicate statement",
    "dropped_aux_budget": "auxiliary pruning over budget",
    "dropped_goal_cap": "over --max-goals",
    "dropped_aux_share": "over the --aux-share balance",
    "dropped_figure_dependent": "false in another configuration",
    "dropped_redraw_failed": "premise set not redrawable",
    "dropped_recheck": "failed re-check",
}
KIND = "construct_kind_"


def _histogram(counts: dict[int, int], width: int = 40) -> list[str]:
    if not counts:
        return []
    buckets: dict[str, int] = {}
    for length, n in sorted(counts.items()):
        label = str(length) if length < 10 else ("10-19" if length < 20 else "20+")
        buckets[label] = buckets.get(label, 0) + n
    top = max(buckets.values())
    return [
        f"  {label:>6} {'#' * max(1, round(width * n / top)):<{width}} {n:,}"
        for label, n in buckets.items()
    ]


def format_summary(summary: dict[str, Any]) -> str:
    c = summary["counters"]
    records = summary["records"]
    lines = [
        f"records        {records:,} unique theorems in {summary['shards']:,} shards, "
        f"{summary['aux_records']:,} with auxiliary points ({summary['aux_share']:.1%})",
        f"this run       {summary['records_this_run']:,} records in "
        f"{summary['seconds_this_run']:.1f} s: "
        f"{summary['records_per_second_this_run']:.1f} per second",
        "premise sets   "
        + ", ".join(f"{c.get(key, 0):,} {label}" for key, label in PREMISE_SETS.items()),
        f"candidates     {c.get('candidates', 0):,} facts derived; "
        f"{c.get('subclosures', 0):,} sub-closures for auxiliary points",
        f"constructions  {c.get('constructions', 0):,} auxiliary points tried on "
        f"{c.get('premise_sets_closed', 0) - c.get('construct_nothing_open', 0):,} premise sets "
        f"with an open fact; theorems by kind: "
        + (
            ", ".join(
                f"{k[len(KIND) :]} {v:,}" for k, v in sorted(c.items()) if k.startswith(KIND) and v
            )
            or "none"
        ),
        f"checks         {c.get('configurations', 0):,} configurations drawn "
        f"({c.get('configurations_unrealisable', 0):,} combinations not drawable); "
        f"{c.get('restated', 0):,} goals stated more simply",
        "dropped        "
        + ", ".join(f"{label} {c.get(key, 0):,}" for key, label in REASONS.items()),
    ]
    lengths = {int(k): v for k, v in summary["proof_lengths"].items()}
    if lengths:
        ordered = sorted(lengths.items())
        total = sum(lengths.values())
        cumulative, median = 0, 0
        for length, n in ordered:
            cumulative += n
            if cumulative * 2 >= total:
                median = length
                break
        lines.append(f"proof length   median {median}, max {ordered[-1][0]} steps")
        lines += _histogram(lengths)
    predicates = summary["predicates"]
    if predicates:
        lines.append(
            "predicates     "
            + ", ".join(f"{p} {n / max(1, records):.0%}" for p, n in list(predicates.items())[:10])
        )
    return "\n".join(lines)
