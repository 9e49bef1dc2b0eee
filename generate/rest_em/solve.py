"""`python -m generate.rest_em.solve FILE --proposer DIR`: solve geometry problems with DD+AR,
trying a trained policy's auxiliary clauses before the heuristic search.

    python -m generate.rest_em.solve [FILE|-] --proposer RUN_DIR|CHECKPOINT
        [--samples K] [--top N] [--temperature T] [--sampler transformers|vllm|openai ...]
        + every flag of python -m deduction.solve (--name, --timeout, --jobs, --seed, --out,
          --proof, --no-aux, --no-ar, --rules)

It is `python -m deduction.solve` (`deduction.solve.run`) with a proposer: deduction never
imports generate, so the command that joins the two lives here. The policy samples K
completions per problem in one batch, in this process, before the solver starts (the solver
forks a process per problem; loading the model in each would cost a load per problem); each
problem's `--top` most sampled proposals are tried first, then the heuristic search, which
`--no-aux` turns off (the proposals only). A line solved with auxiliary points says whose
they were, `proposed: CLAUSES` (the policy's, pruned to what the proof needs) or
`searched: CLAUSES`; the `--out` rows carry `"proposed": true|false` and the counts
`stats.proposals` / `stats.proposals_unparsed`.
"""

from __future__ import annotations

import argparse
import sys
import time

from deduction import Problem, UsageError
from deduction.solve import EXIT_USAGE
from deduction.solve import parser as solve_parser
from deduction.solve import run as solve_run
from generate.cli import positive_int
from generate.errors import GenerateError
from generate.rest_em.propose import PolicyProposer, Proposals, resolve_checkpoint
from generate.rest_em.samplers import SAMPLERS, SamplerSpec

PROG = "python -m generate.rest_em.solve"


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0 (0: greedy, one proposal)")
    return value


def parser() -> argparse.ArgumentParser:
    p = solve_parser(PROG)
    p.description = (
        "Solve AlphaGeometry problems with DD+AR, trying a trained policy's auxiliary "
        "clauses first; one line per problem."
    )
    # argparse has no public way to reword an inherited flag's help
    p._option_string_actions[
        "--no-aux"
    ].help = "no heuristic auxiliary search: try the policy's proposals only"
    g = p.add_argument_group("the policy")
    g.add_argument(
        "--proposer",
        required=True,
        metavar="DIR",
        help="a run directory of python -m generate.rest_em (its best iteration by held-out "
        "pass@1, else its latest checkpoint) or a transformers checkpoint directory",
    )
    g.add_argument(
        "--samples", type=positive_int, default=16, metavar="K", help="completions per problem"
    )
    g.add_argument(
        "--top", type=positive_int, default=8, metavar="N", help="most sampled proposals tried"
    )
    g.add_argument(
        "--temperature", type=_temperature, default=0.7, metavar="T", help="sampling temperature"
    )
    g.add_argument(
        "--max-new-tokens", type=positive_int, default=128, metavar="N", help="per completion"
    )
    g.add_argument(
        "--no-constrain",
        dest="constrain",
        action="store_false",
        help="sample freely instead of only well-formed auxiliary clauses of the problem",
    )
    g.add_argument("--sampler", choices=SAMPLERS, default="transformers", help="how to sample")
    g.add_argument(
        "--base-url",
        metavar="URL",
        help="--sampler openai: the server, e.g. http://127.0.0.1:8000/v1",
    )
    g.add_argument(
        "--served-model",
        metavar="NAME",
        help="--sampler openai: the served model's name (default: the path)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        model, why = resolve_checkpoint(args.proposer)
        spec = SamplerSpec(args.sampler, args.base_url, args.served_model)
    except ValueError as exc:
        print(f"{PROG}: error: --proposer: {exc}", file=sys.stderr)
        return EXIT_USAGE
    proposer = PolicyProposer(
        model,
        spec,
        samples=args.samples,
        top=args.top,
        temperature=args.temperature,
        max_new_tokens=args.max_new_tokens,
        seed=args.seed,
        constrain=args.constrain,
    )

    def make_proposer(problems: list[Problem]) -> Proposals:
        start = time.monotonic()
        try:
            proposals = Proposals.sample(proposer, problems)
        except (GenerateError, RuntimeError, OSError, ValueError) as exc:
            # a model that does not load or a server that does not answer: one line, exit 2
            raise UsageError(f"the policy in {model} cannot propose: {exc}") from None
        print(
            f"proposer: {model} ({why}): {proposals.count()} proposals for "
            f"{len(problems)} problems in {time.monotonic() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        return proposals

    return solve_run(args, make_proposer, PROG)


if __name__ == "__main__":
    sys.exit(main())
