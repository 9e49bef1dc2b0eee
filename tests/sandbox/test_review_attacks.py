"""Regression programs from the security review of both runners (issue 10): each was a way for
a program to beat a limit or forge a verdict. One test per closed finding, on both runners."""

import pydantic
import pytest

from sandbox import Limits, RunRequest, RunStatus

pytestmark = pytest.mark.bwrap

FAST = Limits(wall_s=10, cpu_s=2)


@pytest.fixture(params=["bwrap", "zygote"])
def runner(request):
    return request.getfixturevalue(f"{request.param}_runner")


@pytest.mark.parametrize(
    "program",
    [
        "import os; os._exit(152)",  # 128 + SIGXCPU, as bwrap reports that signal
        "import os, signal; os.kill(os.getpid(), signal.SIGXCPU)",
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
    ],
)
def test_a_forged_timeout_is_a_runtime_error(runner, program):
    # a wrong solution that fakes a timeout would be judged TIMEOUT (dropped, not wrong)
    res = runner.run(RunRequest(code=program, limits=FAST))
    assert res.status is RunStatus.RUNTIME_ERROR, res
    assert res.cpu_s < 1.0


def test_a_real_cpu_timeout_is_still_a_timeout(runner):
    res = runner.run(RunRequest(code="while True: pass", limits=Limits(wall_s=10, cpu_s=1)))
    assert res.status is RunStatus.TIMEOUT and "CPU" in res.detail


def test_the_real_signal_is_reported(zygote_runner):
    res = zygote_runner.run(RunRequest(code="import os; os._exit(152)", limits=FAST))
    assert res.exit_code == 152 and res.signal is None
    res = zygote_runner.run(
        RunRequest(code="import os, signal; os.kill(os.getpid(), signal.SIGTERM)", limits=FAST)
    )
    assert res.signal == 15 and res.exit_code is None


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "print(1)\ud800"},
        {"code": "print(1)", "stdin": "\udfff"},
        {"code": "print(1)", "files": {"a.txt": "\ud83d"}},
        {"code": "print(1)", "files": {"\ud83d.txt": "x"}},
        {"code": "print(1)", "argv": ("\ud800",)},
    ],
)
def test_a_lone_surrogate_is_a_request_error(fields):
    # it used to raise UnicodeEncodeError in BwrapRunner and restart a zygote worker
    with pytest.raises(pydantic.ValidationError, match="not valid Unicode"):
        RunRequest(**fields)
