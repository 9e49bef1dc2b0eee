"""Scoring a JSONL file of model outputs against reference answers (`python -m verifiers.math
score`): read every line first, so a bad line is reported before anything is judged, then judge
them in order and write each verdict line as soon as it is known, so an interrupted run keeps the
lines scored so far.

Input, one JSON object per line (blank lines are skipped):

    {"id": "q1", "prediction": "... so the answer is $\\boxed{12}$.", "gold": "12", "label": true}

`prediction` (the model's output: a whole solution or just the answer) and `gold` (the
reference: an answer or a solution ending in one) are required strings; `id` is copied to the
output; `label` (true/false), where present, is what the verdict is compared against. The three
field names are settings (`ScoreConfig`).
"""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from verifiers.errors import VerifierConfigError
from verifiers.math.verifier import DEFAULT_TIMEOUT_S, verify_iter
from verifiers.types import Status, Verdict

STDIN = "-"
_JSON_KINDS = {"list": "an array", "str": "a string", "bool": "true/false", "NoneType": "null"}


@dataclass(frozen=True, slots=True)
class ScoreConfig:
    file: str  # a path, or "-" for stdin
    prediction_key: str = "prediction"
    reference_key: str = "gold"
    label_key: str = "label"
    workers: int = 1
    timeout: float = DEFAULT_TIMEOUT_S
    out: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise VerifierConfigError(f"workers={self.workers} must be >= 1")
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise VerifierConfigError(f"timeout={self.timeout} must be a finite number > 0")
        if self.out is not None and self.file != STDIN and _same_file(self.file, self.out):
            raise VerifierConfigError(f"--out {self.out} would overwrite the input file")


def _same_file(a: str, b: str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # in the input file, for messages
    id: object
    prediction: str
    reference: str
    label: bool | None


def _lines(config: ScoreConfig) -> Iterator[bytes]:
    if config.file == STDIN:
        yield from sys.stdin.buffer
        return
    try:
        fh = open(config.file, "rb")  # bytes: a line that is not UTF-8 is named, not fatal
    except OSError as exc:
        raise VerifierConfigError(f"cannot read {config.file}: {exc.strerror}") from None
    with fh:
        yield from fh


def read_rows(config: ScoreConfig) -> list[Row]:
    """All rows of the input; VerifierConfigError names the first bad line and what is wrong."""
    name = "stdin" if config.file == STDIN else config.file
    keys = (config.prediction_key, config.reference_key)
    rows = []
    for lineno, raw in enumerate(_lines(config), 1):
        where = f"{name}:{lineno}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise VerifierConfigError(f"{where}: not UTF-8 text") from None
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise VerifierConfigError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            kind = _JSON_KINDS.get(type(obj).__name__, "a number")
            raise VerifierConfigError(
                f"{where}: {kind}, not a JSON object such as "
                f'{{"{keys[0]}": "... the answer is 12", "{keys[1]}": "12"}}'
            )
        for key, role, flag in zip(
            keys, ("model output", "reference answer"), ("prediction", "reference"), strict=True
        ):
            if not isinstance(obj.get(key), str):
                has = ", ".join(repr(k) for k in list(obj)[:12]) or "none"
                state = "missing" if key not in obj else "not a string"
                raise VerifierConfigError(
                    f"{where}: field {key!r} ({role}) {state}; the line's fields: {has} "
                    f"(--{flag}-key names another field)"
                )
        rows.append(
            Row(
                lineno,
                obj.get("id"),
                obj[keys[0]],
                obj[keys[1]],
                _label(obj, config.label_key, where),
            )
        )
    if not rows:
        raise VerifierConfigError(f"{name} holds no lines to score")
    return rows


def _label(obj: dict, key: str, where: str) -> bool | None:
    if key not in obj or obj[key] is None:
        return None
    value = obj[key]
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise VerifierConfigError(f"{where}: field {key!r} must be true or false, got {value!r}")


def open_out(config: ScoreConfig) -> IO[str] | None:
    """The --out file, opened before any judging: a bad path fails at once, not after the run."""
    if config.out is None:
        return None
    try:
        return open(config.out, "w", encoding="utf-8")  # the caller closes it
    except OSError as exc:
        raise VerifierConfigError(f"cannot write --out {config.out}: {exc.strerror}") from None


def verdict_line(row: Row, verdict: Verdict) -> str:
    """One output line: the row's id (when it has one) and the verdict's math fields, as JSON.

    Fields only the code verifier fills (passed, total, first_failure) are left out when empty.
    """
    record: dict[str, object] = {} if row.id is None else {"id": row.id}
    record.update((k, v) for k, v in verdict.to_json().items() if v is not None)
    record["elapsed_s"] = round(verdict.elapsed_s, 6)
    return json.dumps(record, ensure_ascii=False)


@dataclass(slots=True)
class Tally:
    """What a run has scored so far; after an interruption, how far it got."""

    total: int
    label_key: str = "label"
    scored: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    labelled: int = 0
    agreed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (input line, reason)

    def add(self, row: Row, verdict: Verdict) -> None:
        self.scored += 1
        self.statuses[verdict.status.value] += 1
        if row.label is not None:
            self.labelled += 1
            self.agreed += row.label == bool(verdict.reward)
        if verdict.status is Status.ERROR:
            self.errors.append((row.line, verdict.reason))

    def summary(self, interrupted: bool = False) -> list[str]:
        counts = ", ".join(f"{k}={n}" for k, n in sorted(self.statuses.items()))
        head = f"scored {self.scored} lines"
        if interrupted:
            head = f"scored {self.scored} of {self.total} lines (interrupted)"
        lines = [f"{head}: {counts}" if counts else head]
        if self.scored:
            correct = self.statuses[Status.CORRECT.value]
            mean = correct / self.scored
            lines.append(f"mean reward {mean:.3f} ({correct} correct of {self.scored})")
        if self.labelled:
            share = self.agreed / self.labelled
            lines.append(
                f"agreement with {self.label_key!r}: {self.agreed}/{self.labelled} = {share:.3f}"
            )
        return lines


class _HeldInterrupt:
    """Ctrl-C raises KeyboardInterrupt at once, except inside `held()`: there it waits until the
    block ends, so a verdict line is never written without being counted, or counted without
    being written. Python runs signal handlers in the main thread between bytecodes, so `hold`
    is always read consistently."""

    def __init__(self) -> None:
        self.hold = False
        self.pending = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.hold:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        self.hold = True
        try:
            yield
        finally:
            self.hold = False
        if self.pending:
            raise KeyboardInterrupt


@contextmanager
def _interrupts() -> Iterator[_HeldInterrupt]:
    """Our SIGINT handler while the block runs, where Python's own is in place (in the main
    thread, not ignored)."""
    guard = _HeldInterrupt()
    installed = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    if installed:
        signal.signal(signal.SIGINT, guard)
    try:
        yield guard
    finally:
        if installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def run(config: ScoreConfig, rows: list[Row], out: IO[str] | None, tally: Tally) -> None:
    """Judge `rows` in order, writing each verdict line to `out` as it comes; `tally` counts
    exactly the lines written, so after a KeyboardInterrupt it says what `out` holds."""
    pairs = ((row.prediction, row.reference) for row in rows)
    verdicts = verify_iter(pairs, workers=config.workers, timeout=config.timeout)
    try:
        with _interrupts() as guard:
            for row, verdict in zip(rows, verdicts, strict=True):
                line = verdict_line(row, verdict) + "\n"
                with guard.held():
                    if out is not None:
                        out.write(line)
                    tally.add(row, verdict)
    finally:
        verdicts.close()  # an interrupted run stops the pool's workers now
