"""`python -m generate.rest_em --domain code|math|geometry`: ReST-EM self-training, resumable.

With no other flag it builds a tiny transformers model (no model can be downloaded here),
gives it a starting skill by supervised training on built-in seed problems (that checkpoint is
the "base" every M-step restarts from) and runs ReST-EM on the other built-in problems: sample
K solutions per problem, keep the ones the verifier accepts (at most --cap each), fine-tune the
base on them, measure held-out pass@1 and pass@k, repeat while pass@1 improves.

Geometry closes AlphaGeometry's loop: the policy reads a problem without its auxiliary
clauses and proposes them (one line, clauses joined by "; "); DD+AR proving the goal with them
is the reward. Its built-in problems are made first by `python -m generate.geometry
--aux-only` into RUN/problems (a couple of minutes); splits keep each premise set (figure)
on one side.
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
    positive_float,
    positive_int,
    setup_logging,
)
from generate.executors import EXECUTORS
from generate.rest_em.config import DOMAIN_DEFAULTS, GEOMETRY_BUILTIN_N, RestEMConfig
from generate.rest_em.policy import TRAINERS
from generate.rest_em.samplers import SAMPLERS

PROG = "python -m generate.rest_em"
GEOMETRY_DEFAULTS = DOMAIN_DEFAULTS["geometry"]
logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        formatter_class=HelpFormatter,
        epilog="Exit status: 0 done, 2 bad flags or settings, 130 interrupted (rerun to "
        "resume), 1 failure.",
    )
    p.add_argument(
        "--domain",
        required=True,  # checked by the config: its one-line error names the domains
        help="math, code, or geometry (auxiliary constructions judged by DD+AR; its own "
        "defaults: "
        + ", ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in GEOMETRY_DEFAULTS.items())
        + ")",
    )
    p.add_argument("--out", default=None, help="run directory (default runs/rest_em_DOMAIN)")
    flag = ConfigFlags(p, RestEMConfig).add  # each default is the config field's
    flag(
        "--model",
        "a transformers checkpoint directory (default: build the tiny model and seed-train it)",
    )
    flag(
        "--problems",
        "builtin; code: humaneval, humaneval+, mbpp+ or an APPS-format JSONL file; "
        "math: a MATH- or GSM8K-style JSONL file; geometry: the geometry generator's records "
        "(JSONL, .jsonl.gz, Parquet, or its run directory), those with aux_clauses",
    )
    flag(
        "--n-problems",
        "use this many problems (built-in: make them; default 1200, or the whole data set; "
        f"geometry's built-in set: the generator's target, default {GEOMETRY_BUILTIN_N})",
        type=count,
    )
    flag("--timeout", "geometry: seconds of DD+AR per verification", type=positive_float)
    flag(
        "--generate-seconds",
        "geometry's built-in set: stop the generator after this long",
        type=positive_float,
    )
    flag(
        "--no-constrain",
        "geometry: sample freely instead of only well-formed auxiliary clauses",
        field="constrain",
        action="store_false",
    )
    flag("--difficulty", "built-in difficulty", type=positive_int)
    flag("--held-out", "held-out share", type=positive_float)
    flag("--seed", "run seed", type=int)
    flag("--iterations", "at most this many", type=positive_int)
    flag(
        "--patience",
        "stop after this many iterations without a better held-out pass@1",
        type=positive_int,
    )
    flag("--seed-problems", "problems for the tiny base model's seed training", type=positive_int)
    flag("--seed-epochs", "seed training epochs", type=positive_float)
    flag("--k", "E-step samples per problem", type=positive_int)
    flag("--temperature", "E-step temperature", type=positive_float)
    flag("--top-k", "E-step top-k (0: off)", type=int)
    flag("--top-p", "E-step top-p", type=positive_float)
    flag("--cap", "kept solutions per problem", type=positive_int)
    flag("--max-new-tokens", "per completion", type=positive_int)
    flag("--eval-k", "k of the held-out pass@k", type=positive_int)
    flag("--epochs", "M-step epochs", type=positive_float)
    flag("--learning-rate", "M-step rate", type=positive_float)
    flag("--batch-size", "M-step batch size", type=positive_int)
    flag(
        "--trainer",
        "fine-tuning with transformers' Trainer or TRL's SFTTrainer (the trl extra); "
        "both put the loss on the completion only",
        choices=TRAINERS,
    )
    flag(
        "--sampler",
        "who writes the samples: transformers in each worker, vLLM's offline engine "
        "(GPU), or an OpenAI-compatible server at --base-url (key: $OPENAI_API_KEY)",
        choices=SAMPLERS,
    )
    flag("--base-url", "e.g. http://127.0.0.1:8000/v1")
    flag("--served-model", "the server's model name (default: the policy's checkpoint directory)")
    flag(
        "--sandbox-url",
        "judge code on a sandbox service (python -m service) at this URL, token from "
        "$SANDBOX_TOKEN (default: the sandbox in each worker)",
    )
    flag("--shard-size", "problems per shard", type=positive_int)
    flag("--workers", "sampling/verifying workers", type=positive_int)
    flag("--executor", "where shards run", choices=EXECUTORS)
    flag("--ray-address", "Ray cluster to join")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.log_level)
    return guarded(lambda: _run(args, given(argv)), PROG)


def given(argv: list[str] | None) -> set[str]:
    """The fields whose flags are on the command line: a domain's defaults fill the others."""
    quiet = parser()
    for action in quiet._actions:  # argparse has no public way to tell a default from a flag
        action.default = argparse.SUPPRESS
    return set(vars(quiet.parse_args(argv)))


def _run(args: argparse.Namespace, flags: set[str]) -> int:
    from generate.rest_em.loop import RestEMRun

    fields = {k: v for k, v in config_args(args, RestEMConfig).items() if k in flags}
    fields.pop("domain", None)
    fields.pop("out", None)  # --out is a field too; its default is the domain's, below
    out = args.out or f"runs/rest_em_{args.domain}"
    config = build(lambda: RestEMConfig.for_domain(args.domain, out, **fields))
    summary = RestEMRun(config).run()
    print(format_summary(summary, config.eval_k))
    print(f"run            {Path(config.out)}: metrics.jsonl, summary.json, pass_at_k.png")
    return 0


def format_summary(summary: dict, k: int) -> str:
    lines = [
        f"ReST-EM on {summary['domain']}; iteration 0 is the base ({summary['base']}), "
        "which every M-step restarts from",
        f"{'iteration':>9} {'pass@1':>7} {f'pass@{k}':>8} {'kept':>6} {'seconds':>8}",
    ]
    for row in summary["iterations"]:
        seconds = sum(row.get("seconds", {}).values())
        lines.append(
            f"{row['iteration']:>9} {row['pass@1']:>7.3f} {row[f'pass@{k}']:>8.3f} "
            f"{row.get('kept', '-')!s:>6} {seconds:>8.0f}"
        )
    lines.append(
        f"best           iteration {summary['best_iteration']} "
        f"(pass@1 {summary['best_pass@1']:.3f}): {summary['best_model']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
