"""`verify` and `verify_many`: a model's output against a reference, as a Verdict.

Cheap paths run in-process and are bounded by construction (input caps, size guards in the
evaluator); only pairs they cannot decide go to the sympy worker, under a deadline. A late
worker gives Status.TIMEOUT -- never a silent 0 -- and an internal failure Status.ERROR.
Results are cached by the extracted answer texts, since sampled solutions repeat answers.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from fractions import Fraction
from functools import lru_cache

from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.math.answer import parse_answer
from verifiers.math.compare import equivalent
from verifiers.math.extract import extract_answer, extract_with_cue, is_bare
from verifiers.math.normalize import clean, text_key
from verifiers.math.symbolic import SymbolicTimeout, shared_worker
from verifiers.math.types import Answer, Choice, Text
from verifiers.types import Status, Verdict

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 1.0
MAX_CHUNK = 256  # pairs per pool task: an interrupted run waits for, and loses, little work
MAX_PLAIN_DIGITS = 1000  # Python refuses int() of more than 4300 digits
_PLAIN_NUMBER = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))")
_LETTER_START = re.compile(r"^\(?([A-J])\)?(?![A-Za-z0-9*+\-^/=_{])")
_LOWER_CHOICE = re.compile(r"\(?([a-j])\)")
_CHOICE_HEDGE = re.compile(r"\(?[A-J]\)?(?:\s*(?:,|and|or|&|/)\s*\(?[A-J]\)?)+\.?")
# A stand-alone letter, but not the pronoun in "I think".
_LETTER_ANY = re.compile(r"(?<![A-Za-z])\(?([A-J])\)?(?![A-Za-z'])(?<!I(?= [a-z']))")
_NEGATION_BEFORE = re.compile(r"(?:\bnot|n't(?: be)?|\bnon|\bpas|不是)\s*$", re.I)


def _negated(s: str, pos: int) -> bool:
    """'it can't be A', 'non A', '不是 A': the letter is ruled out, not chosen."""
    return _NEGATION_BEFORE.search(s[max(0, pos - 12) : pos]) is not None


@lru_cache(maxsize=65536)
def _parsed(text: str) -> Answer:
    return parse_answer(text)


def _choice_letter(cue: str, answer: str) -> str | None:
    """A multiple-choice letter: `(A)`, `\\textbf{(A)}`, `A. because...`, `answer is D`."""
    for candidate in (answer, cue):
        s = re.sub(r"\\(?:text|textbf|mathrm|mathbf)\{([^{}]*)\}", r"\1", clean(candidate))
        s = s.replace("$", "").strip()
        lower = _LOWER_CHOICE.fullmatch(s)
        if lower:  # "(c)" names option C; a bare "e" stays Euler's number
            return lower.group(1).upper()
        m = _LETTER_START.match(s)
        if m:
            if _CHOICE_HEDGE.fullmatch(s):
                return None  # "(A) and (B)" hedges between choices
            return m.group(1)
        if not is_bare(s):
            m = next((m for m in _LETTER_ANY.finditer(s) if not _negated(s, m.start())), None)
            digit = re.search(r"\d", s)
            if m and (digit is None or digit.start() > m.start()):
                return m.group(1)
    return None


def _plain_number(text: str) -> Fraction | None:
    m = _PLAIN_NUMBER.fullmatch(text) if len(text) <= MAX_PLAIN_DIGITS else None
    return Fraction(m.group(1)) if m else None


def _judge(gold_text: str, pred_text: str, cue: str) -> bool | None:
    cg, cp = clean(gold_text), clean(pred_text)
    if cg == cp and cg:
        return True
    # Fast path: two plain integers/decimals are equal exactly or not at all (policy 3).
    gold_number, pred_number = _plain_number(cg), _plain_number(cp)
    if gold_number is not None and pred_number is not None:
        return gold_number == pred_number
    gold, pred = _parsed(gold_text), _parsed(pred_text)
    if isinstance(gold.value, Choice):
        return _choice_letter(cue, pred_text) == gold.value.letter
    if isinstance(gold.value, Text) or isinstance(pred.value, Text):
        # "no" parses as the product n*o; a text answer on either side compares as text
        return text_key(gold.raw) == text_key(pred.raw)
    results = []
    for g in (gold.value, *gold.alternatives):
        for p in (pred.value, *pred.alternatives):
            r = equivalent(g, p)
            if r:
                return True
            results.append(r)
    return None if None in results else False


@lru_cache(maxsize=65536)
def _judge_cached(gold_text: str, pred_text: str, cue: str) -> bool | None:
    return _judge(gold_text, pred_text, cue)


def clear_caches() -> None:
    """Forget cached parses and judgements (benchmarks measure cold runs)."""
    _parsed.cache_clear()
    _judge_cached.cache_clear()
    clean.cache_clear()


def _shown(text: str) -> str:
    """An answer quoted for a reason, as written: repr() would double every LaTeX backslash."""
    return "'" + " ".join(text[:80].split()) + "'"


def verify(
    prediction: str,
    reference: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    raise_on_error: bool = False,
    cache: bool = True,
) -> Verdict:
    """Judge `prediction` (a solution or an answer) against `reference` (an answer or solution).

    `timeout` bounds the symbolic fallback (the cheap paths are bounded by construction);
    `cache=False` forgets earlier results first (for cold-run measurements).

    >>> verify("So the answer is $\\\\boxed{\\\\frac{2}{4}}$.", "0.5").reward
    1
    """
    if not isinstance(prediction, str) or not isinstance(reference, str):
        raise VerifierConfigError(
            f"prediction and reference must be str, got {type(prediction).__name__} "
            f"and {type(reference).__name__}"
        )
    _check_timeout(timeout)
    if not cache:
        clear_caches()
    started = time.perf_counter()
    try:
        gold_text = extract_answer(reference, reference=True)
        pred_text, cue = extract_with_cue(prediction)
        if not clean(gold_text):
            return Verdict(Status.ERROR, "empty reference answer", time.perf_counter() - started)
        result = _judge_cached(gold_text, pred_text, cue)
        reason = f"gold={_shown(gold_text)} pred={_shown(pred_text)}"
        if result is None:
            remaining = timeout - (time.perf_counter() - started)
            result = shared_worker().check(gold_text, pred_text, remaining)
            reason += " (sympy)"
        status = Status.CORRECT if result else Status.WRONG
        return Verdict(status, reason, time.perf_counter() - started)
    except SymbolicTimeout as exc:
        return Verdict(Status.TIMEOUT, str(exc), time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 -- a checker bug is ERROR, never WRONG
        if raise_on_error:
            raise VerifierError(f"math verifier failed: {exc!r}") from exc
        logger.debug("math verifier error", exc_info=True)
        return Verdict(Status.ERROR, repr(exc)[:200], time.perf_counter() - started)


def _check_timeout(timeout: float) -> None:
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise VerifierConfigError(f"{timeout=} must be a finite number > 0")


def _verify_chunk(args: tuple[list[tuple[str, str]], float, bool]) -> list[Verdict]:
    pairs, timeout, cache = args
    return [verify(p, r, timeout=timeout, cache=cache) for p, r in pairs]


def _leave_ctrl_c_to_the_parent() -> None:
    """Pool initializer. Ctrl-C at a terminal reaches every process of the foreground group: the
    parent alone handles it, by terminating the pool, so workers print no tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_context() -> multiprocessing.context.BaseContext:
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def verify_iter(
    pairs: Iterable[tuple[str, str]],
    *,
    workers: int = 1,
    timeout: float = DEFAULT_TIMEOUT_S,
    cache: bool = True,
) -> Generator[Verdict, None, None]:
    """`verify_many` as a stream: each verdict in input order, as soon as it and all verdicts
    before it are known, so a consumer can write results as they come and keep them when it
    stops early. Closing the iterator early (`break`, an exception, Ctrl-C in the consumer)
    terminates the pool's workers at once instead of letting them finish queued work.

    Bad arguments raise VerifierConfigError here, before any pair is judged.
    """
    if not isinstance(workers, int) or workers < 1:
        raise VerifierConfigError(f"{workers=} must be a whole number >= 1")
    _check_timeout(timeout)
    items: Sequence[tuple[str, str]] = list(pairs)
    if workers > 1 and multiprocessing.current_process().daemon:
        # A daemonic pool worker may not start processes of its own: verify here instead.
        logger.info("verify_many inside a daemonic process: running with workers=1")
        workers = 1
    if workers == 1 or len(items) < 2 * workers:
        return (verify(p, r, timeout=timeout, cache=cache) for p, r in items)
    return _pooled(items, workers, timeout, cache)


def _pooled(
    items: Sequence[tuple[str, str]], workers: int, timeout: float, cache: bool
) -> Generator[Verdict, None, None]:
    """Contiguous chunks over a process pool, at most two per worker in flight (memory stays
    bounded however long the input). The pool is forked when this process has a single thread
    (fast, and no `if __name__ == "__main__"` guard needed), spawned otherwise (forking a
    threaded process is unsafe; spawn needs the usual main guard)."""
    size = max(1, min(MAX_CHUNK, -(-len(items) // (workers * 4))))
    pool = ProcessPoolExecutor(
        workers, mp_context=_pool_context(), initializer=_leave_ctrl_c_to_the_parent
    )
    pending: deque[Future[list[Verdict]]] = deque()
    finished = False
    try:
        for start in range(0, len(items), size):
            chunk = (list(items[start : start + size]), timeout, cache)
            # submit may start a worker; one started with SIGINT blocked cannot die of a Ctrl-C
            # that reaches it before its initializer ignores SIGINT (the parent, where it stays
            # pending, handles it as soon as the mask is back)
            old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                pending.append(pool.submit(_verify_chunk, chunk))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
        finished = True
    finally:
        if not finished:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()  # no public way to stop a running task before Python 3.14
        pool.shutdown(wait=True, cancel_futures=True)  # terminated workers join at once


def verify_many(
    pairs: Iterable[tuple[str, str]],
    *,
    workers: int = 1,
    timeout: float = DEFAULT_TIMEOUT_S,
    cache: bool = True,
) -> list[Verdict]:
    """Verify (prediction, reference) pairs; the result is in input order.

    workers > 1 splits the pairs into contiguous chunks over a process pool (see `verify_iter`,
    which yields the verdicts as they come).
    """
    return list(verify_iter(pairs, workers=workers, timeout=timeout, cache=cache))
