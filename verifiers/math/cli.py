"""Command line: score a JSONL file of model outputs against reference answers.

    python -m verifiers.math score runs/samples.jsonl --workers 2 --out runs/scored.jsonl

The input format, the output and the exit statuses are in `--help` (the epilog below); the
work is in `verifiers.math.score`.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import NoReturn

from verifiers.errors import VerifierConfigError
from verifiers.math.score import STDIN, ScoreConfig, Tally, open_out, read_rows, run
from verifiers.math.verifier import DEFAULT_TIMEOUT_S

PROG = "python -m verifiers.math"
EXIT_OK, EXIT_UNJUDGED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

SCORE_HELP = """\
input: a JSONL file (or - for stdin), one JSON object per line; blank lines are skipped:
  {"id": "q1", "prediction": "... so the answer is $\\boxed{12}$.", "gold": "12", "label": true}
  prediction  required: the model's output, a whole solution or just the answer
              (its final answer is found as a checker would: \\boxed{}, "the answer is", ...)
  gold        required: the reference, an answer or a solution ending in one
  id          optional: copied to the output line
  label       optional, true or false: the summary adds agreement of the verdicts with it
  (--prediction-key, --reference-key and --label-key name other fields)

output: a summary on stdout (counts by status, mean reward, agreement with the labels); with
--out, one JSON line per input line, in input order, written as each is judged:
  {"id": "q1", "status": "correct", "reward": 1, "reason": "gold='12' pred='12'",
   "elapsed_s": 0.0004}
  status is correct, wrong, timeout (the symbolic check ran out of time) or error (the checker
  failed: never a wrong answer); reward is 1 for correct, else 0

exit status: 0 every line judged (right or wrong), 1 some lines ended in status error,
2 bad flags or input (one line on stderr), 130 interrupted (--out keeps the lines scored so far)
"""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, the epilog's layout kept; no '(default: None)' where None means 'off'."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default is None:
            return action.help
        return super()._get_help_string(action)


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Reports a bad flag as one line (main prints it), without the usage block around it."""

    def error(self, message: str) -> NoReturn:
        raise _Usage(f"{self.prog}: error: {message} (see --help)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number > 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Math answer verification.",
        formatter_class=_HelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    score = sub.add_parser(
        "score",
        help="score a JSONL file of model outputs against reference answers",
        description="Score a JSONL file of model outputs against reference answers.",
        epilog=SCORE_HELP,
        formatter_class=_HelpFormatter,
    )
    score.add_argument("file", metavar="FILE", help=f"the JSONL input ({STDIN} for stdin)")
    score.add_argument(
        "--prediction-key",
        metavar="KEY",
        default="prediction",
        help="field holding the model's output",
    )
    score.add_argument(
        "--reference-key", metavar="KEY", default="gold", help="field holding the reference"
    )
    score.add_argument(
        "--label-key",
        metavar="KEY",
        default="label",
        help="field holding an optional true/false label",
    )
    score.add_argument(
        "--workers",
        metavar="N",
        type=_positive_int,
        default=1,
        help="processes judging lines in parallel",
    )
    score.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT_S,
        help="seconds allowed per line for the symbolic (sympy) check; late lines are TIMEOUT",
    )
    score.add_argument(
        "--out", metavar="PATH", default=None, help="write one verdict per input line here (JSONL)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except _Usage as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    prog = f"{PROG} {args.command}"
    tally: Tally | None = None
    try:
        config = ScoreConfig(
            file=args.file,
            prediction_key=args.prediction_key,
            reference_key=args.reference_key,
            label_key=args.label_key,
            workers=args.workers,
            timeout=args.timeout,
            out=args.out,
        )
        rows = read_rows(config)
        tally = Tally(total=len(rows), label_key=config.label_key)
        out = open_out(config)
        try:
            run(config, rows, out, tally)
        finally:
            if out is not None:
                out.close()
    except VerifierConfigError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if tally is None:
            print(f"{prog}: interrupted before scoring began", file=sys.stderr)
            return EXIT_INTERRUPTED
        print("\n".join(tally.summary(interrupted=True)))
        kept = f"; {args.out} holds them" if args.out else " (no --out: nothing kept)"
        print(
            f"{prog}: interrupted after {tally.scored} of {tally.total} lines{kept}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print("\n".join(tally.summary()))
    if tally.errors:
        line, reason = tally.errors[0]
        print(
            f"{prog}: {len(tally.errors)} lines ended in status error (the checker failed); "
            f"the first, line {line}: {reason}",
            file=sys.stderr,
        )
        return EXIT_UNJUDGED
    return EXIT_OK
