"""`python -m generate.rest_em --domain code|math`: ReST-EM self-training, resumable.

With no other flag it builds a tiny transformers model (no model can be downloaded here),
gives it a starting skill by supervised training on built-in seed problems (that checkpoint is
the "base" every M-step restarts from) and runs ReST-EM on the other built-in problems: sample
K solutions per problem, keep the ones the verifier accepts (at most --cap each), fine-tune the
base on them, measure held-out pass@1 and pass@k, repeat while pass@1 improves.
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
    positive_float,
    positive_int,
    setup_logging,
)
from generate.executors import EXECUTORS
from generate.rest_em.config import RestEMConfig
from generate.rest_em.policy import TRAINERS
from generate.rest_em.samplers import SAMPLERS

PROG = "python -m generate.rest_em"
DEFAULTS = defaults(RestEMConfig)  # every flag of a config field shows the field's default
logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        formatter_class=HelpFormatter,
        epilog="Exit status: 0 done, 2 bad flags or settings, 130 interrupted (rerun to "
        "resume), 1 failure.",
    )
    p.add_argument("--domain", required=True, help="math or code")
    p.add_argument("--out", default=None, help="run directory (default runs/rest_em_DOMAIN)")
    p.add_argument(
        "--model",
        default=DEFAULTS["model"],
        help="a transformers checkpoint directory "
        "(default: build the tiny model and seed-train it)",
    )
    p.add_argument(
        "--problems",
        default=DEFAULTS["problems"],
        help="builtin; code: humaneval, humaneval+, mbpp+ or an APPS-format JSONL file; "
        "math: a MATH- or GSM8K-style JSONL file",
    )
    p.add_argument(
        "--n-problems",
        type=count,
        default=DEFAULTS["n_problems"],
        help="use this many problems (built-in: make them; default 1200, or the whole data set)",
    )
    p.add_argument(
        "--difficulty",
        type=positive_int,
        default=DEFAULTS["difficulty"],
        help="built-in difficulty",
    )
    p.add_argument(
        "--held-out", type=positive_float, default=DEFAULTS["held_out"], help="held-out share"
    )
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="run seed")
    p.add_argument(
        "--iterations", type=positive_int, default=DEFAULTS["iterations"], help="at most this many"
    )
    p.add_argument(
        "--patience",
        type=positive_int,
        default=DEFAULTS["patience"],
        help="stop after this many iterations without a better held-out pass@1",
    )
    p.add_argument(
        "--seed-problems",
        type=positive_int,
        default=DEFAULTS["seed_problems"],
        help="problems for the tiny base model's seed training",
    )
    p.add_argument(
        "--seed-epochs",
        type=positive_float,
        default=DEFAULTS["seed_epochs"],
        help="seed training epochs",
    )
    p.add_argument(
        "--k", type=positive_int, default=DEFAULTS["k"], help="E-step samples per problem"
    )
    p.add_argument(
        "--temperature",
        type=positive_float,
        default=DEFAULTS["temperature"],
        help="E-step temperature",
    )
    p.add_argument("--top-k", type=int, default=DEFAULTS["top_k"], help="E-step top-k (0: off)")
    p.add_argument("--top-p", type=positive_float, default=DEFAULTS["top_p"], help="E-step top-p")
    p.add_argument(
        "--cap", type=positive_int, default=DEFAULTS["cap"], help="kept solutions per problem"
    )
    p.add_argument(
        "--max-new-tokens",
        type=positive_int,
        default=DEFAULTS["max_new_tokens"],
        help="per completion",
    )
    p.add_argument(
        "--eval-k", type=positive_int, default=DEFAULTS["eval_k"], help="k of the held-out pass@k"
    )
    p.add_argument(
        "--epochs", type=positive_float, default=DEFAULTS["epochs"], help="M-step epochs"
    )
    p.add_argument(
        "--learning-rate",
        type=positive_float,
        default=DEFAULTS["learning_rate"],
        help="M-step rate",
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=DEFAULTS["batch_size"], help="M-step batch size"
    )
    p.add_argument(
        "--trainer",
        choices=TRAINERS,
        default=DEFAULTS["trainer"],
        help="fine-tuning with transformers' Trainer or TRL's SFTTrainer (the trl extra); "
        "both put the loss on the completion only",
    )
    p.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default=DEFAULTS["sampler"],
        help="who writes the samples: transformers in each worker, vLLM's offline engine "
        "(GPU), or an OpenAI-compatible server at --base-url (key: $OPENAI_API_KEY)",
    )
    p.add_argument("--base-url", default=DEFAULTS["base_url"], help="e.g. http://127.0.0.1:8000/v1")
    p.add_argument(
        "--served-model",
        default=DEFAULTS["served_model"],
        help="the server's model name (default: the policy's checkpoint directory)",
    )
    p.add_argument(
        "--sandbox-url",
        default=DEFAULTS["sandbox_url"],
        help="judge code on a sandbox service (python -m service) at this URL, token from "
        "$SANDBOX_TOKEN (default: the sandbox in each worker)",
    )
    p.add_argument(
        "--shard-size", type=positive_int, default=DEFAULTS["shard_size"], help="problems per shard"
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=DEFAULTS["workers"],
        help="sampling/verifying workers",
    )
    p.add_argument(
        "--executor", choices=EXECUTORS, default=DEFAULTS["executor"], help="where shards run"
    )
    p.add_argument("--ray-address", default=DEFAULTS["ray_address"], help="Ray cluster to join")
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
    return guarded(lambda: _run(args), PROG)


def _run(args: argparse.Namespace) -> int:
    from generate.rest_em.loop import RestEMRun

    fields = config_args(args, RestEMConfig)
    fields["out"] = args.out or f"runs/rest_em_{args.domain}"
    config = build(lambda: RestEMConfig(**fields))
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
