"""What every generate CLI shares: count and range arguments, logging, one-line errors.

Exit status: 0 when the run finished, 2 for a usage or configuration error (printed as one
line), 130 when interrupted (the run resumes when the same command is run again), 1 for an
unexpected failure (one line; `--log-level debug` shows the traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import signal
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from generate.errors import GenerateError, RunInterrupted, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
T = TypeVar("T")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each default, except where there is none to show (a required flag, or None,
    whose meaning the help text says in words)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default is None:
            return action.help
        return super()._get_help_string(action)


def count(text: str) -> int:
    """A count written `1000`, `1_000`, `1e6` or `2.5e4`: a positive whole number."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number >= 1")
    return int(value)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number > 0")
    return value


def int_range(text: str) -> tuple[int, int]:
    """`LO-HI` or a single `N` (LO = HI = N)."""
    lo, sep, hi = text.partition("-")
    try:
        pair = (int(lo), int(hi)) if sep else (int(lo), int(lo))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LO-HI (e.g. 8-14)") from None
    if pair[0] > pair[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: LO is greater than HI")
    return pair


def defaults(config_class: type) -> dict[str, Any]:
    """The field defaults of a config dataclass: the one source of its command line's defaults
    (a flag's default is `defaults(Config)["field"]`, never a second literal)."""
    fields = dataclasses.fields(config_class)
    return {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}


class ConfigFlags:
    """The flags of a config dataclass's fields: `add("--seed-epochs", help, type=float)` sets
    the field `seed_epochs` (or `field`) and shows its default, so a default lives in the
    dataclass alone and a flag names its field once. A flag of no field with a default is a
    KeyError when the parser is built."""

    def __init__(self, parser: argparse.ArgumentParser, config_class: type) -> None:
        self.parser = parser
        self.defaults = defaults(config_class)

    def add(self, flag: str, help: str, field: str | None = None, **kwargs: Any) -> None:
        name = flag.removeprefix("--").replace("-", "_")
        if field and "action" not in kwargs:
            kwargs.setdefault("metavar", name.upper())  # the flag's name, not the field's
        dest = field or name
        self.parser.add_argument(flag, dest=dest, default=self.defaults[dest], help=help, **kwargs)


def config_args(args: argparse.Namespace, config_class: type) -> dict[str, Any]:
    """The parsed flags whose `dest` is a field of `config_class`, as its keyword arguments."""
    names = {f.name for f in dataclasses.fields(config_class) if f.init}
    return {k: v for k, v in vars(args).items() if k in names}


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def build(make: Callable[[], T]) -> T:
    """Build a run's config: its ValueError (a setting out of range) is a usage error."""
    try:
        return make()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a scheduler's SIGTERM stops a run as Ctrl-C does: summary, 130


def guarded(run: Callable[[], int], prog: str) -> int:
    """Run a CLI body; turn every failure into one line on stderr and an exit status."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run()
    except RunInterrupted as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (GenerateError, OSError) as exc:
        print(f"{prog}: failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a CLI prints one line, never a traceback
        logging.getLogger(prog).debug("traceback", exc_info=True)
        print(
            f"{prog}: failed: {type(exc).__name__}: {exc} (--log-level debug shows where)",
            file=sys.stderr,
        )
        return EXIT_FAILED
