"""verify() end to end through the real bubblewrap sandbox: stdio and function-call judging,
the policies of judge.py, and the harness' defences against cheats written for it."""

import importlib
import re

import pytest

from sandbox import Limits, RunRequest, RunResult, RunStatus, default_runner
from verifiers.code import CallCase, CodeTests, Failure, StdioCase, judge, verify
from verifiers.errors import VerifierConfigError, VerifierError
from verifiers.problems import verify_completion
from verifiers.types import Problem, Status

pytestmark = pytest.mark.bwrap

SUM = CodeTests("stdio", [StdioCase("1 2\n", "3\n"), StdioCase("10 20\n", "30\n")], name="sum")
ADD_REF = "def add(a, b):\n    return a + b\n"
ADD = CodeTests(
    "function",
    [CallCase((1, 2)), CallCase((-1, 1)), CallCase((10, 5))],
    entry_point="add",
    reference=ADD_REF,
    per_test_s=2,
)
FAST = Limits(wall_s=5, cpu_s=5)
READ = "a, b = map(int, input().split())\n"


@pytest.fixture(scope="module")
def runner():
    return default_runner()


def test_stdio_correct_with_trailing_whitespace(runner):
    v = verify(
        "a, b = map(int, input().split())\nprint(a + b, '  ')\nprint()\n", SUM, runner=runner
    )
    assert v.status is Status.CORRECT and v.reward == 1 and (v.passed, v.total) == (2, 2)


@pytest.mark.parametrize(
    "code, failure",
    [
        ("print(3)", Failure.WRONG_ANSWER),  # right only on the first test
        (READ + "print(a + b)\nraise SystemExit(1)", Failure.RUNTIME_ERROR),
        ("import sys\n" + READ + "print(a + b, file=sys.stderr)", Failure.WRONG_ANSWER),
        (READ + "print(a + b)\nprint('extra')", Failure.WRONG_ANSWER),
        ("def (", Failure.RUNTIME_ERROR),
        ("x = bytearray(2_000_000_000)", Failure.MEMORY_LIMIT),
        ("print('x' * 3_000_000)", Failure.OUTPUT_LIMIT),
    ],
)  # fmt: skip
def test_stdio_failures(runner, code, failure):
    report = judge(code, SUM, runner=runner, limits=FAST)
    assert report.verdict.status is Status.WRONG and report.verdict.reward == 0
    assert report.failure is failure, report.verdict.reason


def test_stdio_stops_at_first_failure(runner):
    report = judge("print(3)", SUM, runner=runner)
    assert report.verdict.passed == 1 and report.verdict.first_failure.startswith("test 1")


def test_stdio_timeout_is_a_timeout_verdict(runner):
    v = verify("while True: pass", SUM, runner=runner, limits=Limits(wall_s=1, cpu_s=1))
    assert v.status is Status.TIMEOUT and v.reward == 0 and v.elapsed_s < 4


def test_stdio_float_tolerance(runner):
    tests = CodeTests("stdio", [StdioCase("3\n", "0.333333333\n")], atol=1e-6)
    assert verify("print(round(1 / int(input()), 7))", tests, runner=runner).reward == 1
    assert verify("print(round(1 / int(input()), 3))", tests, runner=runner).reward == 0
    exact = CodeTests("stdio", [StdioCase("3\n", "0.333333333\n")])
    assert verify("print(round(1 / int(input()), 7))", exact, runner=runner).reward == 0


def test_stdio_other_language(runner):
    c = '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n'
    assert verify(c, SUM, language="c", runner=runner).status is Status.CORRECT


def test_function_expected_from_reference(runner):
    report = judge(ADD_REF, ADD, runner=runner)
    assert report.verdict.status is Status.CORRECT and report.verdict.passed == 3


def test_function_given_expected_values(runner):
    tests = CodeTests("function", [CallCase(([3, 1, 2],), [1, 2, 3])], entry_point="f")
    assert verify("def f(x):\n    return sorted(x)", tests, runner=runner).reward == 1
    assert verify("def f(x):\n    return tuple(sorted(x))", tests, runner=runner).reward == 0
    assert verify("def f(x):\n    x.sort()", tests, runner=runner).reward == 0


@pytest.mark.parametrize(
    "code, failure, passed",
    [
        ("def add(a, b):\n    return a * b", Failure.WRONG_ANSWER, 0),
        ("def add(a, b):\n    return a + b if a < 5 else 0", Failure.WRONG_ANSWER, 2),
        ("def add(a, b):\n    return 1 / (a + b)", Failure.WRONG_ANSWER, 0),
        ("def add(a, b):\n    raise ValueError('no')", Failure.RUNTIME_ERROR, 0),
        ("raise SystemExit(0)", Failure.RUNTIME_ERROR, 0),
        ("import os\ndef add(a, b):\n    os._exit(0)", Failure.RUNTIME_ERROR, 0),
        ("def plus(a, b):\n    return a + b", Failure.RUNTIME_ERROR, 0),  # no entry point
        ("def add(a, b):\n    return [0] * 10**9", Failure.MEMORY_LIMIT, 0),
        ("def add(a, b):\n    return object()", Failure.WRONG_ANSWER, 0),
        ("def add(a, b):\n    return add(a, b)", Failure.RUNTIME_ERROR, 0),  # RecursionError
    ],
)
def test_function_failures(runner, code, failure, passed):
    report = judge(code, ADD, runner=runner)
    assert report.verdict.status is Status.WRONG, report.verdict.reason
    assert report.failure is failure, report.verdict.reason
    assert report.verdict.passed == passed


def test_function_per_test_timeout_survives_alarm_cancelling(runner):
    code = (
        "import signal\n"
        "def add(a, b):\n"
        "    signal.setitimer(signal.ITIMER_REAL, 0)\n"
        "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    if a == 10:\n"
        "        while True: pass\n"
        "    return a + b\n"
    )
    report = judge(code, ADD, runner=runner)
    assert report.verdict.status is Status.TIMEOUT and report.failure is Failure.TIMEOUT
    assert report.verdict.passed == 2 and report.verdict.first_failure.startswith("test 2")


def test_function_cheat_cannot_learn_or_forge_the_frame(runner):
    # tries every way to the nonce it can think of, then prints forged frames everywhere
    code = r"""
import json, os
found = []
for path in ["nonce", "/proc/1/fd/0", "/proc/1/fd/3", "/proc/1/environ", "/proc/self/environ"]:
    try:
        with open(path, "rb") as f:
            found.append(f.read().decode(errors="ignore"))
    except OSError:
        pass
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for what in ("cmdline", "environ", "fd/0"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as f:
                    found.append(f.read(4096).decode(errors="ignore"))
            except OSError:
                pass
fake = {"records": [{"i": i, "value": 3} for i in range(3)], "stop": "done", "imported": True}
for guess in found + ["", "0" * 32]:
    for tok in guess.replace("\0", " ").split():
        line = f"\n{tok} {json.dumps(fake)}\n"
        for target in ("/proc/1/fd/1", "/dev/stdout"):
            try:
                with open(target, "w") as f:
                    f.write(line)
            except OSError:
                pass
        print(line)
def add(a, b):
    return a * b
"""
    report = judge(code, ADD, runner=runner)
    assert report.verdict.reward == 0 and report.failure is Failure.WRONG_ANSWER


def test_undecodable_code_is_wrong_not_an_error(runner):
    v = verify("print('\udc80')", SUM, runner=runner)
    assert v.status is Status.WRONG and "not valid text" in v.reason


@pytest.mark.parametrize("tests", ["SUM", "ADD"])
def test_a_program_the_sandbox_refuses_is_wrong_not_a_raise(runner, tests):
    from sandbox.types import MAX_FILES_BYTES

    v = verify("#" * (MAX_FILES_BYTES + 1), globals()[tests], runner=runner)
    assert v.status is Status.WRONG and "refused" in v.reason


def test_language_must_be_python_for_calls(runner):
    with pytest.raises(VerifierConfigError):
        verify("int main(){}", ADD, language="c", runner=runner)


def test_bad_test_specs_raise():
    with pytest.raises(ValueError):
        CodeTests("function", [CallCase((1,))], entry_point="f")  # no expected, no reference
    with pytest.raises(ValueError):
        CodeTests("stdio", [CallCase((1,), 1)])
    with pytest.raises(ValueError):
        CodeTests("function", [CallCase((1,), 1)], entry_point="not an identifier")


class BrokenRunner:
    def __init__(self, failures: int, real=None) -> None:
        self.failures, self.real, self.calls = failures, real, 0

    def run(self, request: RunRequest) -> RunResult:
        self.calls += 1
        if self.calls <= self.failures:
            return RunResult(status=RunStatus.SANDBOX_ERROR, detail="simulated outage")
        return self.real.run(request)


def test_sandbox_failure_is_an_error_never_a_zero(runner):
    broken = BrokenRunner(failures=10)
    one = CodeTests("stdio", [StdioCase("1 2\n", "3\n")])
    v = verify(ADD_REF, one, runner=broken)
    assert v.status is Status.ERROR and not v.ok and broken.calls == 2  # retried once
    assert verify(ADD_REF, ADD, runner=BrokenRunner(failures=10)).status is Status.ERROR
    with pytest.raises(VerifierError):
        verify(ADD_REF, SUM, runner=BrokenRunner(failures=10), raise_on_error=True)


def test_sandbox_failure_is_retried_once(runner):
    flaky = BrokenRunner(failures=1, real=runner)
    report = judge("a, b = map(int, input().split())\nprint(a + b)", SUM, runner=flaky)
    assert report.verdict.status is Status.CORRECT and report.runs == 3


def test_reference_failure_is_an_error(runner):
    tests = CodeTests(
        "function", [CallCase((1,))], entry_point="f", reference="def f(x):\n    return 1 / 0"
    )
    v = verify("def f(x):\n    return 1", tests, runner=runner)
    assert v.status is Status.ERROR and "reference" in v.reason


def test_package_docstring_examples_run():
    import doctest

    import verifiers.code

    result = doctest.testmod(verifiers.code)
    assert result.attempted >= 4 and result.failed == 0


_RESULT_FD_GARBAGE = """
import os
for fd in range(3, 20):
    try:
        os.write(fd, b'{"i": 0, "value": 3}\\n{not json\\n')
    except OSError:
        pass
def add(a, b):
    return a + b
"""
_RESULT_FD_FORGERY = """
import json, os
lines = b"".join(json.dumps({"i": i, "value": 0}).encode() + b"\\n" for i in range(3))
for fd in range(3, 20):
    try:
        os.write(fd, lines)
    except OSError:
        pass
def add(a, b):
    return a * b
"""


@pytest.mark.parametrize(
    "code, failure",
    [
        # writing into the worker's result pipe: corrupt lines fail, forged values are compared
        (_RESULT_FD_GARBAGE, Failure.RUNTIME_ERROR),
        (_RESULT_FD_FORGERY, Failure.WRONG_ANSWER),
        # killing the in-sandbox supervisor ends the batch without a result: a failure, not ERROR
        ("import os\nos.kill(os.getppid(), 9)\n" + ADD_REF, Failure.RUNTIME_ERROR),
        # a large value travels as a digest: still compared, still wrong
        ("def add(a, b):\n    return 'x' * 10_000_000", Failure.WRONG_ANSWER),
    ],
)  # fmt: skip
def test_function_harness_attacks(runner, code, failure):
    report = judge(code, ADD, runner=runner)
    assert report.verdict.status is Status.WRONG and report.failure is failure, report.verdict


def test_stopping_the_supervisor_ends_at_the_batch_wall_limit(runner):
    code = (
        "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\ndef add(a, b):\n    return a + b"
    )
    report = judge(code, ADD, runner=runner, limits=Limits(wall_s=2, cpu_s=2))
    assert report.verdict.status is Status.TIMEOUT and report.verdict.elapsed_s < 5


def test_large_return_values_compare_by_digest(runner):
    tests = CodeTests("function", [CallCase((n,)) for n in (10, 300_000)], entry_point="f",
                      reference="def f(n):\n    return list(range(n))")  # fmt: skip
    assert verify("def f(n):\n    return [*range(n)]", tests, runner=runner).reward == 1
    report = judge("def f(n):\n    return list(range(n - (n > 10)))", tests, runner=runner)
    assert report.failure is Failure.WRONG_ANSWER and report.verdict.passed == 1


def test_candidate_prints_do_not_disturb_function_results(runner):
    code = "def add(a, b):\n    print('noise ' * 100_000)\n    return a + b"
    report = judge(code, ADD, runner=runner)
    assert report.verdict.status is Status.CORRECT and "noise" in report.stderr


# --- issue 11: what a newcomer meets --------------------------------------------------------

UNCLOSED = "def add(a, b:\n    return a + b\n"


def test_a_syntax_error_reads_the_same_in_stdio_and_function_mode(runner):
    stdio = verify(UNCLOSED, SUM, runner=runner)
    calls = verify(UNCLOSED, ADD, runner=runner)
    assert stdio.status is calls.status is Status.WRONG
    said = re.search(r"(SyntaxError: .*) \(candidate\.py, line 1\)$", calls.reason)
    assert said, calls.reason
    assert stdio.reason == f"runtime_error: test 0: exit code 1: {said.group(1)} (main.py, line 1)"


@pytest.mark.parametrize(
    "code, language, words",
    [
        (READ + "print(a // 0)", "python", "exit code 1: ZeroDivisionError: integer division or "
         "modulo by zero (main.py, line 2)"),
        ("import json\njson.loads('{')", "python", "exit code 1: json.decoder.JSONDecodeError: "),
        ("int main() { return }", "c", "compile error: main.c:1:"),
        ("raise SystemExit(3)", "python", "runtime_error: test 0: exit code 3"),  # nothing to add
    ],
)  # fmt: skip
def test_a_stdio_crash_names_its_cause(runner, code, language, words):
    v = verify(code, SUM, language=language, runner=runner)
    assert v.status is Status.WRONG and words in v.reason, v.reason


class CountingRunner:
    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def run(self, request: RunRequest) -> RunResult:
        self.calls += 1
        return self.real.run(request)


@pytest.mark.parametrize("tests", [SUM, ADD], ids=["stdio", "function"])
def test_an_unsupported_language_raises_before_anything_runs(runner, tests, caplog):
    counting = CountingRunner(runner)
    with pytest.raises(VerifierConfigError) as raised:
        verify(READ + "print(a + b)", tests, language="rust", runner=counting)
    assert str(raised.value) == (
        "language='rust' is not one the sandbox runs: c, cpp, javascript, python"
    )
    assert counting.calls == 0 and not caplog.records  # no run, no log line per sample
    assert verify(READ + "print(a + b)", SUM, language="py", runner=counting).reward == 1


def test_a_data_set_with_a_bad_language_fails_once_not_per_sample(runner):
    problems = [Problem(f"p{i}", "code", "add", tests=SUM) for i in range(3)]
    counting = CountingRunner(runner)
    verdicts = []
    with pytest.raises(VerifierConfigError):
        for problem in problems:
            verdicts.append(verify_completion(problem, READ + "print(a + b)", language="rust",
                                              runner=counting))  # fmt: skip
    assert verdicts == [] and counting.calls == 0


def test_the_docstring_states_the_default_limits_that_apply(runner):
    from verifiers.code.judge import DEFAULT_BATCH_LIMITS, DEFAULT_STDIO_LIMITS

    doc = " ".join(verify.__doc__.split())
    stdio, batch = DEFAULT_STDIO_LIMITS, DEFAULT_BATCH_LIMITS
    assert f"DEFAULT_STDIO_LIMITS: {stdio.wall_s:g} s wall and CPU, {stdio.memory_mb} MB" in doc
    assert f"DEFAULT_BATCH_LIMITS: {batch.wall_s:g} s wall and CPU" in doc
    # and a stdio run really stops there (a sleep: wall time, no CPU spent)
    one = CodeTests("stdio", [StdioCase("", "")])
    v = verify("import time\ntime.sleep(60)", one, runner=runner)
    assert v.status is Status.TIMEOUT and f"{stdio.wall_s:g} s" in v.reason
    assert stdio.wall_s <= v.elapsed_s < stdio.wall_s + 3


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: CodeTests("stdio", []), "stdio tests have no cases: give at least one StdioCase"),
        (lambda: CodeTests("function", [], entry_point="f", name="HumanEval/0"),
         "tests 'HumanEval/0' have no cases: give at least one CallCase"),
        (lambda: CodeTests("bogus", [StdioCase("", "")]), "kind='bogus' must be one of"),
        (lambda: CodeTests("stdio", [StdioCase("", "")], per_test_s=float("nan")),
         "per_test_s=nan must be a finite number > 0"),
    ],
)  # fmt: skip
def test_bad_test_specs_name_what_is_wrong(make, words):
    with pytest.raises(VerifierConfigError) as raised:
        make()
    assert words in str(raised.value) and "''" not in str(raised.value)
    assert isinstance(raised.value, ValueError)  # callers catching ValueError keep working


def test_the_readme_example_is_what_runs(runner, capsys):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Judging code") :]
    code, after = section.split("```python\n")[1].split("```\n", 1)
    shown = after.split("```\n", 1)[1].split("```")[0]  # the output block that follows
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README's example
    printed = capsys.readouterr().out

    def no_timing(s: str) -> str:
        return re.sub(r"elapsed_s=[0-9.e-]+", "elapsed_s=_", s)

    assert no_timing(printed) == no_timing(shown)


# --- issue 18: the harness kept compiled in the zygote ----------------------------------------

_judge_module = importlib.import_module("verifiers.code.judge")  # the module, not the function
_HARNESS = _judge_module.HARNESS_MODULE


def test_the_default_runner_runs_the_preloaded_harness(runner):
    probe = f"import sys\nprint(getattr(sys.modules.get({_HARNESS!r}), 'FINGERPRINT', None))"
    fingerprint = runner.run(RunRequest(code=probe)).stdout.strip()
    assert fingerprint != "None" and repr(fingerprint) in _judge_module.harness_program()


def test_a_module_of_the_harness_name_with_another_fingerprint_is_not_run(runner):
    # what the program meets in a zygote that preloaded another version under the same name
    nonce = "f" * 32
    request = _judge_module._batch_request(ADD_REF, ADD, nonce, FAST)
    stale = (
        f"import sys\nstale = sys.modules[{_HARNESS!r}] = type(sys)('stale')\n"
        "stale.FINGERPRINT = 'stale'\nstale.main = lambda: print('not the harness')\n"
    )
    result = runner.run(request.model_copy(update={"code": stale + request.code}))
    frame = _judge_module._frame(result, nonce)
    assert frame is not None and [r["value"] for r in frame["records"]] == [3, 0, 15]


def test_a_candidate_patching_the_preloaded_harness_changes_its_own_run_only(runner):
    patch = (
        f"import sys\nharness = sys.modules[{_HARNESS!r}]\n"
        "harness.encode = lambda value, depth=0: 3\nharness.decode = lambda data: (1, 2)\n"
        "harness.main = lambda: print('patched')\n"
    )
    report = judge(patch + "def add(a, b):\n    return a * b\n", ADD, runner=runner)
    assert report.verdict.reward == 0 and report.failure is Failure.WRONG_ANSWER
    for _ in range(4):  # every worker of the runner: the next runs meet the harness as preloaded
        assert verify(ADD_REF, ADD, runner=runner).reward == 1
        assert verify("def add(a, b):\n    return a * b\n", ADD, runner=runner).reward == 0
