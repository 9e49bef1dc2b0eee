"""Hang-proofing, bad input and error policy of the math verifier, with real threads/processes."""

import multiprocessing
import signal
import threading
import time

import pytest

from verifiers.errors import VerifierConfigError
from verifiers.math import verify, verify_many
from verifiers.math.symbolic import SymbolicTimeout, SymbolicWorker, shared_worker
from verifiers.types import Status

# Power towers beyond every numeric guard: only the sympy worker could try, and it is too slow.
TOWER_GOLD = "9^{9^{9^{9}}}"
TOWER_PRED = "9^{9^{9^{8}}} + 1"
BOUND_S = 1.0


def _verify_in_child(queue: "multiprocessing.Queue[tuple[str, float]]") -> None:
    v = verify(TOWER_PRED, TOWER_GOLD, timeout=0.5)
    queue.put((v.status.value, v.elapsed_s))


def test_adversarial_tower_times_out_in_main_thread() -> None:
    verify("1", "1")  # warm caches; the sympy worker starts on first need
    started = time.perf_counter()
    verdict = verify(TOWER_PRED, TOWER_GOLD, timeout=0.5)
    assert verdict.status in (Status.TIMEOUT, Status.WRONG)
    assert verdict.reward == 0
    assert time.perf_counter() - started < 0.5 + BOUND_S + 60  # startup of sympy worker excluded


def test_timeout_is_a_status_not_a_zero_from_a_thread() -> None:
    results = []

    def run() -> None:
        started = time.perf_counter()
        results.append((verify(TOWER_PRED, TOWER_GOLD, timeout=0.5), time.perf_counter() - started))

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not t.is_alive()
    verdict, took = results[0]
    assert verdict.status is Status.TIMEOUT
    assert not verdict.ok
    assert took < 0.5 + BOUND_S + 60  # worker start-up (sympy import) is not part of the budget


def test_adversarial_case_in_a_worker_process() -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_verify_in_child, args=(queue,))
    proc.start()
    status, elapsed = queue.get(timeout=120)
    proc.join(10)
    assert status in ("timeout", "wrong")
    assert elapsed < 60


@pytest.mark.parametrize(
    "pred, gold",
    [
        ("1000000!", "1000001!"),
        ("(" * 500 + "1" + ")" * 500, "1"),
        ("\\frac{" * 300, "2"),
        ("x" * 50_000, "x"),
        ("2 " + "a" * 5000 + "!", "1"),
        ("$" * 10_000, "1"),
        ("\\boxed{" * 2000, "3"),
    ],
)
def test_hostile_inputs_return_quickly(pred: str, gold: str) -> None:
    started = time.perf_counter()
    verdict = verify(pred, gold, timeout=0.5)
    assert time.perf_counter() - started < BOUND_S + 60
    assert verdict.status in (Status.WRONG, Status.TIMEOUT)


def test_empty_reference_is_an_error_not_a_zero() -> None:
    verdict = verify("$" * 100, "$")
    assert verdict.status is Status.ERROR


def test_cheap_hostile_inputs_need_no_worker() -> None:
    hostile = (
        "(" * 500 + "1" + ")" * 500,
        "x" * 50_000,
        "1 " + "a" * 5000 + "!",
        "\\boxed{" * 5000,
        "a=" + ",".join(str(i) for i in range(2000)),  # a huge collection
        "\\{" + ",".join(str(i) for i in range(400)) + "\\}",
        "1" * 5000,  # beyond Python's int-from-string limit
        "$a" * 100_000,  # many math segments
        "(1+x)^{1000000}",
        "x" + "!" * 3000,  # deep trees without brackets
        "1/" * 1500 + "1",
        "x \\ge " + "1+" * 1000 + "1",  # an inequality with a thousand constants
        "\\(" * 20000,  # unclosed math delimiters (a lazy regex rescans: quadratic)
        "\\[ x" * 10000,
        "$a$ 1 " * 8000,  # numbers between many math segments
        "final answer is 3. " * 3000 + "\\boxed{4}",
        " " * 12000,  # a leading \s* in a regex made this quadratic
        "x=1, " * 12000,  # thousands of list items
        "(1,2), " * 3000,
        "12:00 " * 12000,
    )
    for pred in hostile:
        started = time.perf_counter()
        verify(pred, "1")
        assert time.perf_counter() - started < BOUND_S


def test_bad_arguments_raise_config_errors() -> None:
    with pytest.raises(VerifierConfigError):
        verify(None, "1")  # type: ignore[arg-type]
    with pytest.raises(VerifierConfigError):
        verify("1", "1", timeout=0)
    with pytest.raises(VerifierConfigError):
        verify_many([("1", "1")], workers=0)


def test_worker_restarts_after_a_kill() -> None:
    worker = shared_worker()
    with pytest.raises(SymbolicTimeout):
        worker.check(TOWER_GOLD, TOWER_PRED, 0.3)  # killed at the deadline
    assert worker.check("x^2", "x \\cdot x", 30.0) is True  # a fresh worker answers


def test_many_threads_sharing_the_worker_each_stay_bounded() -> None:
    verify(TOWER_PRED, TOWER_GOLD, timeout=0.3)  # the worker is started (and killed) once
    took: list[float] = []
    statuses: list[Status] = []

    def run() -> None:
        started = time.perf_counter()
        statuses.append(verify(TOWER_PRED, TOWER_GOLD, timeout=0.3).status)
        took.append(time.perf_counter() - started)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses and all(s is Status.TIMEOUT for s in statuses)
    # One thread may pay one worker start-up; the others give up at their own deadline.
    assert sorted(took)[-2] < 0.3 + BOUND_S


def _batch_in_daemon(queue: "multiprocessing.Queue[list[int]]") -> None:
    verdicts = verify_many([("1", "1"), ("2", "3")] * 4, workers=2)
    queue.put([v.reward for v in verdicts])


def test_verify_many_inside_a_daemonic_pool_worker() -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_batch_in_daemon, args=(queue,), daemon=True)
    proc.start()
    assert queue.get(timeout=120) == [1, 0] * 4
    proc.join(10)


def test_an_interrupted_request_is_not_answered_by_the_next() -> None:
    # a sum sympy needs well over a minute for; Ctrl-C (here a timer's KeyboardInterrupt) lands
    # while the worker is busy with it
    slow_gold, slow_pred = "\\sum_{k=1}^{n} k^{60} x^k", "n"
    worker = SymbolicWorker()

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        assert worker.check("1", "1", 60) is True  # started and warm
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            worker.check(slow_gold, slow_pred, 120)
        started = time.monotonic()
        assert worker.check("2", "3", 20) is False  # not the slow request's late answer
        assert worker.check("2", "2", 20) is True
        assert time.monotonic() - started < 10  # a fresh worker, not a wait for the old one
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        worker.stop()


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_a_timeout_must_be_finite_and_positive(timeout) -> None:
    with pytest.raises(VerifierConfigError, match="must be a finite number > 0"):
        verify("1", "1", timeout=timeout)
    with pytest.raises(VerifierConfigError, match="must be a finite number > 0"):
        verify_many([("1", "1")] * 4, workers=2, timeout=timeout)
