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
    ConfigFlags,
    HelpFormatter,
    build,
    config_args,
    count,
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
logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        formatter_class=HelpFormatter,
        epilog="Exit status: 0 done, 2 bad flags or settings, 130 interrupted (rerun to "
        "resume), 1 unexpected failure.",
    )
    flag = ConfigFlags(p, GeometryConfig).add  # each default is the config field's
    flag("--n", "unique theorems to make (1e6 works)", type=count)
    p.add_argument("--out", default="runs/geometry", help="run directory (resumed if it exists)")
    flag("--workers", "worker processes", type=positive_int)
    flag("--seed", "run seed: same seed, same records", type=int)
    flag("--points", "points per premise set, LO-HI", type=int_range)
    flag("--aux-only", "keep only theorems with auxiliary points", action="store_true")
    flag("--executor", "where shards run", choices=EXECUTORS)
    flag("--ray-address", "Ray cluster to join (default: start one)")
    flag("--format", "shard file format", choices=FORMATS)
    flag("--min-steps", "drop shorter proofs", type=positive_int)
    flag(
        "--shard-size", "premise sets per shard", field="premise_sets_per_shard", type=positive_int
    )
    flag(
        "--closure-timeout",
        "seconds before a closure is dropped as pathological",
        type=positive_float,
    )
    flag("--checks", "fresh figures every proof step must hold on", type=positive_int)
    flag(
        "--max-subclosures",
        "closures of smaller premise sets a premise set may spend on auxiliary points",
        type=int,
    )
    flag("--constructions", "auxiliary points tried on each closed premise set (0: none)", type=int)
    flag(
        "--construct-levels",
        "DD+AR levels an auxiliary point's closure may run past the premise set's",
        type=positive_int,
    )
    flag("--max-goals", "theorems per premise set, auxiliary ones first", type=positive_int)
    flag(
        "--aux-share",
        "keep theorems without auxiliary points only while a shard's auxiliary share is at "
        "least this (0: keep all)",
        type=float,
    )
    flag("--weights", "construction weights (TOML)")
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
