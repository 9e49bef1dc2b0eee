"""`verify(code, tests) -> Verdict`: run untrusted code in the sandbox, judge it on the host.

Policies (each a deliberate choice, see the issue "a wrong program never earns 1, a right one never
loses it to a flaky limit"):

- A run passes only with exit status 0 AND the right output: an answer followed by a crash fails
  (CodeContests' rule). Only stdout is compared; stderr is ignored.
- Stdio tests run one sandbox run each, in order, and judging stops at the first failing test
  (`passed` then counts the tests before it). Function tests of a problem run as ONE batch (see
  harness.py); every call is judged, but a per-test timeout or a dead worker ends the batch and the
  calls after it count as failed, unrun.
- Statuses: CORRECT; WRONG for wrong answers, crashes, memory and output limits; TIMEOUT when a
  test ran out of time (reward 0, like WRONG, but ReST-EM may drop it instead of learning from it);
  ERROR when the sandbox or the reference solution failed: never a silent 0.
- Timeouts and load: a call in a batch is limited by CPU time (`per_test_s`), with a wall limit
  of WALL_FACTOR times that as a backstop, so a right program starved by a loaded machine keeps
  its budget. Only a SANDBOX_ERROR is retried (once). A timeout is not: the retry of a busy loop
  would double its cost (the corpus wants a busy loop judged within limit + 1 s), and limits are
  meant to sit far above what right programs use (the corpus asks a 0.5 s program to pass under
  load with a 5 s limit).
- Expected values missing from call cases are computed once per (reference, inputs) by running the
  reference solution through the same harness in the sandbox, and cached in memory (LRU).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from sandbox import (
    LANGUAGES,
    InvalidRequest,
    Limits,
    Runner,
    RunRequest,
    RunResult,
    RunStatus,
    SandboxConfigError,
    get_language,
    preload_module,
)
from verifiers.code import harness
from verifiers.code.compare import ORACLES, stdio_matches
from verifiers.code.diagnose import cause
from verifiers.code.types import (
    MISSING,
    CaseResult,
    CodeReport,
    CodeTests,
    Failure,
    StdioCase,
    TestKind,
)
from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.types import Status, Verdict

logger = logging.getLogger(__name__)

FRAME_BYTES = 32 << 20  # stdout cap of a batch run: it carries only the harness' result frame
# each stdio run: the sandbox's defaults (5 s wall and CPU, 512 MB), those of the attack corpus
DEFAULT_STDIO_LIMITS = Limits()
# 4 GiB of address space as evalplus allows: some MBPP+ references need over 1 GiB (Mbpp/255)
DEFAULT_BATCH_LIMITS = Limits(wall_s=60.0, cpu_s=60.0, memory_mb=4096, output_bytes=FRAME_BYTES)
WALL_FACTOR = 3.0  # a call's wall limit, in multiples of its CPU limit
STDIO_PARALLEL = 2  # concurrent runs of one program's stdio cases
INNER_SHARE = 0.9  # the supervisor's limits stay below the batch's wall limit: it decides
_REFERENCE_CACHE_SIZE = 4096

_STATUS_OF_FAILURE = {
    Failure.SANDBOX_ERROR: Status.ERROR,
    Failure.TIMEOUT: Status.TIMEOUT,
}
_FAILURE_OF_RUN = {
    RunStatus.RUNTIME_ERROR: Failure.RUNTIME_ERROR,
    RunStatus.TIMEOUT: Failure.TIMEOUT,
    RunStatus.MEMORY_LIMIT: Failure.MEMORY_LIMIT,
    RunStatus.OUTPUT_LIMIT: Failure.OUTPUT_LIMIT,
    RunStatus.SANDBOX_ERROR: Failure.SANDBOX_ERROR,
}


class _ReferenceFailed(VerifierError):
    pass


HARNESS_MODULE = "proofloom_harness"  # its name in a run, and its file there
_HARNESS_FILE = HARNESS_MODULE + ".py"
_HARNESS_STUB = """\
import sys
harness = sys.modules.get({name!r})
if getattr(harness, "FINGERPRINT", None) != {fingerprint!r}:  # not preloaded: compile it
    harness = sys.modules[{name!r}] = type(sys)({name!r})
    harness.__file__ = {file!r}
    with open({file!r}, encoding="utf-8") as f:
        exec(compile(f.read(), {file!r}, "exec"), harness.__dict__)
harness.main()
"""


@lru_cache(maxsize=1)
def _harness_source() -> tuple[str, str]:
    """(harness.py's text, its fingerprint)."""
    text = resources.files("verifiers.code").joinpath("harness.py").read_text(encoding="utf-8")
    return text, hashlib.sha256(text.encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def harness_program() -> str:
    """The program a batch runs: the harness module, as the zygote preloaded it (a run then
    compiles none of its 14.6 kB) or else from the file `_batch_request` sends with it, and a
    call of its `main`. The fingerprint makes a stale or foreign module of the same name count as
    absent."""
    _, fingerprint = _harness_source()
    return _HARNESS_STUB.format(name=HARNESS_MODULE, fingerprint=fingerprint, file=_HARNESS_FILE)


def _preload_harness() -> None:
    """Zygotes started from now on import the harness before their first run (with the
    fingerprint `harness_program` checks)."""
    text, fingerprint = _harness_source()
    preload_module(HARNESS_MODULE, f"{text}\n\nFINGERPRINT = {fingerprint!r}\n")


_preload_harness()


_default_lock = threading.Lock()
_default: list[Runner] = []


def _default_runner() -> Runner:
    with _default_lock:
        if not _default:
            try:
                from sandbox import default_runner  # type: ignore[attr-defined]
            except ImportError as exc:  # pragma: no cover - depends on the sandbox version
                raise VerifierConfigError("no default sandbox runner: pass runner=") from exc
            _default.append(default_runner())
        return _default[0]


def _run(runner: Runner, request: RunRequest) -> tuple[RunResult, int]:
    """One run, retried once on a sandbox error."""
    result = _run_once(runner, request)
    if result.status is RunStatus.SANDBOX_ERROR:
        logger.info("retrying a %s run (%s)", result.status.value, result.detail)
        return _run_once(runner, request), 2
    return result, 1


def _run_once(runner: Runner, request: RunRequest) -> RunResult:
    try:
        result = runner.run(request)
    except Exception as exc:  # noqa: BLE001 - any runner failure is infrastructure, not a verdict
        logger.warning("runner raised %r", exc)
        result = RunResult(status=RunStatus.SANDBOX_ERROR, detail=f"runner raised {exc!r}")
    return result


def _report(
    tests: CodeTests,
    cases: list[CaseResult],
    runs: int,
    t0: float,
    last: RunResult | None,
    max_wall: float,
) -> CodeReport:
    total = len(tests.cases)
    passed = sum(1 for c in cases if c.failure is None)
    first = next((c for c in cases if c.failure is not None), None)
    if first is None and passed < total:
        first = CaseResult(passed, Failure.SANDBOX_ERROR, "tests left unjudged")
    elapsed = time.monotonic() - t0
    if first is None:
        verdict = Verdict(Status.CORRECT, "", elapsed, passed, total, None)
        return CodeReport(verdict, None, tuple(cases), runs, *_outputs(last), max_wall)
    assert first.failure is not None
    status = _STATUS_OF_FAILURE.get(first.failure, Status.WRONG)
    desc = f"test {first.index}: {first.detail}"
    reason = f"{first.failure.value}: {desc}"
    verdict = Verdict(status, reason, elapsed, passed, total, desc)
    return CodeReport(verdict, first.failure, tuple(cases), runs, *_outputs(last), max_wall)


def _outputs(last: RunResult | None) -> tuple[str, str]:
    return (last.stdout, last.stderr) if last is not None else ("", "")


# --- stdio ---------------------------------------------------------------------------------


def _judge_stdio(
    code: str, tests: CodeTests, language: str, runner: Runner, limits: Limits
) -> tuple[list[CaseResult], int, RunResult | None, float]:
    """Cases run STDIO_PARALLEL at a time, judged in order; the first failure cancels the rest."""
    results: list[CaseResult] = []
    runs = 0
    res = None
    max_wall = 0.0
    requests = [
        RunRequest(code=code, language=language, stdin=case.stdin, limits=limits)
        for case in tests.cases
    ]
    window = min(STDIO_PARALLEL, len(requests))
    # submit only as far as the window reaches: nothing starts after the first failure is seen
    with ThreadPoolExecutor(window) as pool:
        futures = [pool.submit(_run, runner, r) for r in requests[:window]]
        for i, case in enumerate(tests.cases):
            res, n = futures[i].result()
            runs += n
            max_wall = max(max_wall, res.wall_s)
            if not _stdio_case(i, case, res, tests, results):
                break
            if i + window < len(requests):
                futures.append(pool.submit(_run, runner, requests[i + window]))
    return results, runs, res, max_wall


def _stdio_case(
    i: int, case: StdioCase, res: RunResult, tests: CodeTests, results: list[CaseResult]
) -> bool:
    """Judge one stdio run into `results`; False when it failed."""
    if res.status is RunStatus.OK:
        ok, why = stdio_matches(res.stdout, case.stdout, tests.atol)
        if ok and res.stdout_truncated:
            ok, why = False, "stdout truncated"
        results.append(CaseResult(i, None if ok else Failure.WRONG_ANSWER, why))
    else:
        detail = res.detail or f"exit {res.exit_code}, signal {res.signal}"
        said = cause(res.stderr) if res.status is RunStatus.RUNTIME_ERROR else None
        if said is not None:  # the words function tests give: "SyntaxError: ... (main.py, line 1)"
            detail = f"{detail}: {said}"
        results.append(CaseResult(i, _FAILURE_OF_RUN[res.status], detail))
    return results[-1].failure is None


# --- function calls ------------------------------------------------------------------------


def _batch_request(code: str, tests: CodeTests, nonce: str, limits: Limits) -> RunRequest:
    job = {
        "entry_point": tests.entry_point,
        "inputs": [harness.encode(c.args) for c in tests.cases],
        "import_s": min(limits.cpu_s, max(tests.per_test_s, 5.0)),
        "per_test_s": min(tests.per_test_s, limits.cpu_s),
        "wall_factor": WALL_FACTOR,
        "wall_cap_s": INNER_SHARE * limits.wall_s,
        "not_none": tests.oracle == "not_none",
        "frame_budget": FRAME_BYTES - (1 << 20),
    }
    if limits.output_bytes < FRAME_BYTES:
        limits = limits.model_copy(update={"output_bytes": FRAME_BYTES})
    return RunRequest(
        code=harness_program(),
        language="python",
        files={
            "candidate.py": code,
            "job.json": json.dumps(job),
            harness.NONCE_FILE: nonce,
            _HARNESS_FILE: _harness_source()[0],
        },
        limits=limits,
    )


def _frame(result: RunResult, nonce: str) -> dict | None:
    frames = [ln for ln in result.stdout.splitlines() if ln.startswith(nonce + " ")]
    if len(frames) != 1:
        return None
    try:
        report = json.loads(frames[0][len(nonce) + 1 :])
    except (ValueError, RecursionError):
        return None
    return report if isinstance(report, dict) else None


def _batch(
    code: str, tests: CodeTests, runner: Runner, limits: Limits
) -> tuple[RunResult, dict | None, int]:
    nonce = secrets.token_hex(16)
    res, runs = _run(runner, _batch_request(code, tests, nonce, limits))
    if res.status is RunStatus.SANDBOX_ERROR:
        return res, None, runs
    return res, _frame(res, nonce) if res.status is RunStatus.OK else None, runs


@dataclass(frozen=True, slots=True)
class _Digest:
    """A return value too large to ship, as its digest (harness.DIGEST_OVER)."""

    hex: str


def _returned(item: dict) -> object:
    return _Digest(str(item["digest"])) if "digest" in item else harness.decode(item.get("value"))


def _matches(oracle: str, got: object, exp: object, args: tuple, atol: float) -> bool:
    if isinstance(got, _Digest) or isinstance(exp, _Digest):
        if oracle == "any":
            return True
        g = got.hex if isinstance(got, _Digest) else harness.digest(got)
        e = exp.hex if isinstance(exp, _Digest) else harness.digest(exp)
        return g == e
    return ORACLES[oracle](got, exp, args, atol)


def _error_failure(message: str) -> Failure:
    if message.startswith("MemoryError"):
        return Failure.MEMORY_LIMIT
    if message.startswith("OutputLimit"):
        return Failure.OUTPUT_LIMIT
    if message.startswith("Unserialisable"):  # not plain data: cannot be the right answer
        return Failure.WRONG_ANSWER
    return Failure.RUNTIME_ERROR


def _calls_outcome(res: RunResult, frame: dict | None, n: int) -> list[dict | CaseResult]:
    """Per test: the worker's record, or a CaseResult when the test did not return normally."""
    if frame is None:
        if res.status is RunStatus.OK:
            why = "the harness returned no result frame"
            return [CaseResult(0, Failure.SANDBOX_ERROR, why)]
        detail = res.detail or f"batch ended: exit {res.exit_code}, signal {res.signal}"
        return [CaseResult(0, _FAILURE_OF_RUN[res.status], detail)]
    records = frame.get("records", [])
    out: list[dict | CaseResult] = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or rec.get("i") != i:
            message = rec.get("import_error") or rec.get("crash") if isinstance(rec, dict) else None
            if message:
                out.append(CaseResult(i, _error_failure(message), f"at import: {message}"))
            else:
                out.append(CaseResult(i, Failure.RUNTIME_ERROR, f"corrupt result: {rec!r:.200}"))
            return out
        out.append(rec)
    if len(out) < n:
        if frame.get("stop") == "timeout":
            what = "import" if not frame.get("imported") else "call"
            out.append(CaseResult(len(out), Failure.TIMEOUT, f"{what} exceeded the time limit"))
        else:
            status = int(frame.get("worker_status", 0))
            out.append(
                CaseResult(
                    len(out),
                    Failure.RUNTIME_ERROR,
                    f"worker ended before returning (wait status {status:#x})",
                )
            )
    return out


def _judge_calls(
    code: str, tests: CodeTests, expected: list, runner: Runner, limits: Limits
) -> tuple[list[CaseResult], int, RunResult, float]:
    res, frame, runs = _batch(code, tests, runner, limits)
    results: list[CaseResult] = []
    for i, item in enumerate(_calls_outcome(res, frame, len(tests.cases))):
        if isinstance(item, CaseResult):
            results.append(item)
            break
        args = tests.cases[i].args
        if "error" in item:
            msg = str(item["error"])
            results.append(CaseResult(i, _error_failure(msg), f"{_call(tests, args)} raised {msg}"))
            continue
        try:
            got = _returned(item)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
            results.append(CaseResult(i, Failure.RUNTIME_ERROR, f"undecodable result: {exc}"))
            continue
        if _matches(tests.oracle, got, expected[i], args, tests.atol):
            results.append(CaseResult(i, None))
        else:
            why = f"{_call(tests, args)} returned {got!r:.120}, expected {expected[i]!r:.120}"
            results.append(CaseResult(i, Failure.WRONG_ANSWER, why))
    return results, runs, res, res.wall_s


def _call(tests: CodeTests, args: tuple) -> str:
    shown = repr(args) if len(args) != 1 else f"({args[0]!r})"
    return f"{tests.entry_point}{shown[:160]}"


_ref_lock = threading.Lock()
_ref_cache: OrderedDict[tuple[str, str], list] = OrderedDict()


def expected_values(tests: CodeTests, runner: Runner, limits: Limits) -> list:
    """Expected return values: given ones, the rest from the reference solution (cached).

    Raises _ReferenceFailed when the reference does not return plain data for every input.
    """
    if all(c.expected is not MISSING for c in tests.cases):
        return [c.expected for c in tests.cases]
    assert tests.reference is not None
    inputs = [harness.encode(c.args) for c in tests.cases]
    key = (tests.reference, json.dumps([tests.entry_point, tests.oracle, inputs]))
    with _ref_lock:
        if key in _ref_cache:
            _ref_cache.move_to_end(key)
            return _ref_cache[key]
    res, frame, _ = _batch(tests.reference, tests, runner, limits)
    values = []
    for i, item in enumerate(_calls_outcome(res, frame, len(tests.cases))):
        if isinstance(item, CaseResult) or not ("value" in item or "digest" in item):
            detail = item.detail if isinstance(item, CaseResult) else item.get("error")
            raise _ReferenceFailed(f"reference solution failed on test {i}: {detail}")
        values.append(_returned(item))
    pairs = zip(tests.cases, values, strict=True)
    given = [c.expected if c.expected is not MISSING else v for c, v in pairs]
    with _ref_lock:
        _ref_cache[key] = given
        while len(_ref_cache) > _REFERENCE_CACHE_SIZE:
            _ref_cache.popitem(last=False)
    return given


def _check_call(code: object, tests: object, language: object, limits: object) -> None:
    """The caller's mistakes, raised before anything runs: a data set is never scored as ERROR,
    sample by sample, for one bad setting."""
    if not isinstance(code, str):
        raise TypeError(f"code must be str, got {type(code).__name__}")
    if not isinstance(tests, CodeTests):
        raise TypeError(f"tests must be CodeTests, got {type(tests).__name__}")
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be sandbox.Limits, got {type(limits).__name__}")
    if not isinstance(language, str):
        raise VerifierConfigError(f"language must be a str, got {type(language).__name__}")
    try:
        name = get_language(language).name
    except SandboxConfigError:
        known = ", ".join(sorted(LANGUAGES))
        message = f"language={language!r} is not one the sandbox runs: {known}"
        raise VerifierConfigError(message) from None
    if tests.kind is TestKind.FUNCTION and name != "python":
        raise VerifierConfigError(f"function-call tests need language='python', not {language!r}")


def judge(
    code: str,
    tests: CodeTests,
    *,
    language: str = "python",
    runner: Runner | None = None,
    limits: Limits | None = None,
) -> CodeReport:
    """`verify` with the per-test detail and the failure kind (the corpus' status)."""
    t0 = time.monotonic()
    _check_call(code, tests, language, limits)
    runner = runner if runner is not None else _default_runner()
    try:
        code.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: no program text, a wrong answer
        bad = CaseResult(0, Failure.RUNTIME_ERROR, f"code is not valid text: {exc.reason}")
        return _report(tests, [bad], 0, t0, None, 0.0)
    try:
        RunRequest(code=code, language=language)  # what the sandbox refuses is a wrong answer
    except InvalidRequest as exc:
        bad = CaseResult(0, Failure.RUNTIME_ERROR, f"the sandbox refused the program: {exc}")
        return _report(tests, [bad], 0, t0, None, 0.0)
    if tests.kind is TestKind.STDIO:
        limits = limits or DEFAULT_STDIO_LIMITS
        cases, runs, last, wall = _judge_stdio(code, tests, language, runner, limits)
        return _report(tests, cases, runs, t0, last, wall)
    limits = limits or DEFAULT_BATCH_LIMITS
    try:
        expected = expected_values(tests, runner, limits)
    except _ReferenceFailed as exc:
        verdict = Verdict(Status.ERROR, str(exc), time.monotonic() - t0, 0, len(tests.cases))
        return CodeReport(verdict, Failure.SANDBOX_ERROR, (), 0)
    cases, runs, last, wall = _judge_calls(code, tests, expected, runner, limits)
    return _report(tests, cases, runs, t0, last, wall)


def verify(
    code: str,
    tests: CodeTests,
    *,
    language: str = "python",
    runner: Runner | None = None,
    limits: Limits | None = None,
    raise_on_error: bool = False,
) -> Verdict:
    """Judge `code` on `tests` in the sandbox: CORRECT (reward 1), WRONG, TIMEOUT or ERROR.

    `limits` apply to each stdio run (default DEFAULT_STDIO_LIMITS: 5 s wall and CPU, 512 MB per
    test), or to the whole batch of function calls (default DEFAULT_BATCH_LIMITS: 60 s wall and
    CPU, 4 GiB; `tests.per_test_s` bounds each call's CPU time). `language` is one the sandbox
    runs (python, c, cpp, javascript; function-call tests: python only).

    Bad code never raises. A caller's mistake does, before anything runs: VerifierConfigError
    for an unsupported language, TypeError for arguments of the wrong type.
    `raise_on_error=True` turns an ERROR verdict (sandbox or reference failure) into a
    VerifierError, for debugging.
    """
    report = judge(code, tests, language=language, runner=runner, limits=limits)
    if raise_on_error and report.verdict.status is Status.ERROR:
        raise VerifierError(report.verdict.reason)
    return report.verdict
