"""`python -m generate.geometry --n 1e6 --out runs/geo`: unique proved theorems, resumable.

Random premise sets over AlphaGeometry's construction language are closed under DD+AR; every
derived fact becomes a theorem with its traced proof, auxiliary points pruned, checked on fresh
figures and re-checked step by step, deduplicated across the whole run. Shards of compressed
JSON lines (or Parquet) go to OUT/data; a second run on the same OUT resumes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from generate.cli import (
    HelpFormatter,
    build,
    config_args,
    count,
    defaults,
    guarded,
    int_range,
    positive_float,
    positive_int,
    setup_logging,
)
from generate.executors import EXECUTORS
from generate.geometry.config import FORMATS, GeometryConfig
from generate.geometry.run import GeometryRun, data_path
from generate.geometry.summary import format_summary

PROG = "python -m generate.geometry"
DEFAULTS = defaults(GeometryConfig)  # every flag of a config field shows the field's default
logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        formatter_class=HelpFormatter,
        epilog="Exit status: 0 done, 2 bad flags or settings, 130 interrupted (rerun to "
        "resume), 1 unexpected failure.",
    )
    p.add_argument(
        "--n", type=count, default=DEFAULTS["n"], help="unique theorems to make (1e6 works)"
    )
    p.add_argument("--out", default="runs/geometry", help="run directory (resumed if it exists)")
    p.add_argument(
        "--workers", type=positive_int, default=DEFAULTS["workers"], help="worker processes"
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULTS["seed"], help="run seed: same seed, same records"
    )
    p.add_argument(
        "--points", type=int_range, default=DEFAULTS["points"], help="points per premise set, LO-HI"
    )
    p.add_argument(
        "--aux-only", action="store_true", help="keep only theorems with auxiliary points"
    )
    p.add_argument(
        "--executor", choices=EXECUTORS, default=DEFAULTS["executor"], help="where shards run"
    )
    p.add_argument(
        "--ray-address",
        default=DEFAULTS["ray_address"],
        help="Ray cluster to join (default: start one)",
    )
    p.add_argument(
        "--format", choices=FORMATS, default=DEFAULTS["format"], help="shard file format"
    )
    p.add_argument(
        "--min-steps", type=positive_int, default=DEFAULTS["min_steps"], help="drop shorter proofs"
    )
    p.add_argument(
        "--shard-size",
        dest="premise_sets_per_shard",
        type=positive_int,
        default=DEFAULTS["premise_sets_per_shard"],
        help="premise sets per shard",
    )
    p.add_argument(
        "--closure-timeout",
        type=positive_float,
        default=DEFAULTS["closure_timeout"],
        help="seconds before a closure is dropped as pathological",
    )
    p.add_argument(
        "--checks",
        type=positive_int,
        default=DEFAULTS["checks"],
        help="fresh figures every proof step must hold on",
    )
    p.add_argument(
        "--max-subclosures",
        type=int,
        default=DEFAULTS["max_subclosures"],
        help="closures of smaller premise sets a premise set may spend on auxiliary points",
    )
    p.add_argument("--weights", default=DEFAULTS["weights"], help="construction weights (TOML)")
    p.add_argument("--draw", type=int, default=1, help="draw this many records into OUT/figures")
    p.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="log level (workers too)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.log_level)
    return guarded(lambda: _run(args), PROG)


def _run(args: argparse.Namespace) -> int:
    config = build(lambda: GeometryConfig(**config_args(args, GeometryConfig)))
    summary = GeometryRun(config).run()
    print(format_summary(summary))
    print(
        f"data           {Path(config.out) / 'data'} ({config.format}); summary.json, manifest.json"
    )
    if args.draw > 0:
        try:
            _draw(config, args.draw)
        except Exception as exc:  # noqa: BLE001 - the data is complete; a picture is extra
            logger.warning("could not draw a record: %s", exc)
    return 0


def _draw(config: GeometryConfig, how_many: int) -> None:
    """Draw the first records with auxiliary points (else the first records) of shard 0."""
    from generate.geometry.draw import draw_record
    from generate.geometry.lookup import read_shard

    path = data_path(config.out, 0, config.format)
    if not path.exists():
        return
    records = read_shard(path)
    records.sort(key=lambda r: (r["aux_points"] == 0, -r["proof_length"]))
    for record in records[:how_many]:
        out = Path(config.out) / "figures" / f"{record['id']}.png"
        draw_record(record, out)
        print(f"figure         {out}  ({record['problem_with_aux']})")


if __name__ == "__main__":
    sys.exit(main())
