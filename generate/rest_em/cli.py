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
    count,
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
        default=None,
        help="a transformers checkpoint directory "
        "(default: build the tiny model and seed-train it)",
    )
    p.add_argument(
        "--problems",
        default="builtin",
        help="builtin; code: humaneval, humaneval+, mbpp+ or an APPS-format JSONL file; "
        "math: a MATH- or GSM8K-style JSONL file",
    )
    p.add_argument(
        "--n-problems",
        type=count,
        default=None,
        help="use this many problems (built-in: make them; default 1200, or the whole data set)",
    )
    p.add_argument("--difficulty", type=positive_int, default=1, help="built-in difficulty")
    p.add_argument("--held-out", type=positive_float, default=0.25, help="held-out share")
    p.add_argument("--seed", type=int, default=0, help="run seed")
    p.add_argument("--iterations", type=positive_int, default=3, help="at most this many")
    p.add_argument(
        "--patience",
        type=positive_int,
        default=1,
        help="stop after this many iterations without a better held-out pass@1",
    )
    p.add_argument(
        "--seed-problems",
        type=positive_int,
        default=300,
        help="problems for the tiny base model's seed training",
    )
    p.add_argument("--seed-epochs", type=positive_float, default=15.0, help="seed training epochs")
    p.add_argument("--k", type=positive_int, default=16, help="E-step samples per problem")
    p.add_argument("--temperature", type=positive_float, default=0.7, help="E-step temperature")
    p.add_argument("--top-k", type=int, default=40, help="E-step top-k (0: off)")
    p.add_argument("--top-p", type=positive_float, default=1.0, help="E-step top-p")
    p.add_argument("--cap", type=positive_int, default=10, help="kept solutions per problem")
    p.add_argument("--max-new-tokens", type=positive_int, default=48, help="per completion")
    p.add_argument("--eval-k", type=positive_int, default=16, help="k of the held-out pass@k")
    p.add_argument("--epochs", type=positive_float, default=8.0, help="M-step epochs")
    p.add_argument("--learning-rate", type=positive_float, default=1e-3, help="M-step rate")
    p.add_argument("--batch-size", type=positive_int, default=16, help="M-step batch size")
    p.add_argument(
        "--trainer",
        choices=TRAINERS,
        default="transformers",
        help="fine-tuning with transformers' Trainer or TRL's SFTTrainer (the trl extra); "
        "both put the loss on the completion only",
    )
    p.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default="transformers",
        help="who writes the samples: transformers in each worker, vLLM's offline engine "
        "(GPU), or an OpenAI-compatible server at --base-url (key: $OPENAI_API_KEY)",
    )
    p.add_argument("--base-url", default=None, help="e.g. http://127.0.0.1:8000/v1")
    p.add_argument(
        "--served-model",
        default=None,
        help="the server's model name (default: the policy's checkpoint directory)",
    )
    p.add_argument(
        "--sandbox-url",
        default=None,
        help="judge code on a sandbox service (python -m service) at this URL, token from "
        "$SANDBOX_TOKEN (default: the sandbox in each worker)",
    )
    p.add_argument("--shard-size", type=positive_int, default=100, help="problems per shard")
    p.add_argument("--workers", type=positive_int, default=2, help="sampling/verifying workers")
    p.add_argument("--executor", choices=EXECUTORS, default="local", help="where shards run")
    p.add_argument("--ray-address", default=None, help="Ray cluster to join")
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

    config = build(
        lambda: RestEMConfig(
            domain=args.domain,
            out=args.out or f"runs/rest_em_{args.domain}",
            model=args.model,
            problems=args.problems,
            n_problems=args.n_problems,
            difficulty=args.difficulty,
            held_out=args.held_out,
            seed=args.seed,
            iterations=args.iterations,
            patience=args.patience,
            seed_problems=args.seed_problems,
            seed_epochs=args.seed_epochs,
            k=args.k,
            temperature=args.temperature,
            top_k=args.top_k,
            top_p=args.top_p,
            cap=args.cap,
            max_new_tokens=args.max_new_tokens,
            eval_k=args.eval_k,
            epochs=args.epochs,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            shard_size=args.shard_size,
            workers=args.workers,
            executor=args.executor,
            ray_address=args.ray_address,
            sampler=args.sampler,
            base_url=args.base_url,
            served_model=args.served_model,
            trainer=args.trainer,
            sandbox_url=args.sandbox_url,
        )
    )
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
