import pytest

from sandbox import Limits, RunRequest, RunResult, RunStatus
from verifiers import Status, Verdict


def test_verdict_reward_is_one_only_when_correct():
    assert Verdict(Status.CORRECT).reward == 1
    for status in (Status.WRONG, Status.TIMEOUT, Status.ERROR):
        assert Verdict(status).reward == 0
    assert not Verdict(Status.ERROR).ok and Verdict(Status.WRONG).ok


def test_verdict_json_round_trip():
    v = Verdict(Status.WRONG, reason="x", elapsed_s=0.5, passed=2, total=3, first_failure="t3")
    assert Verdict.from_json(v.to_json()) == v


def test_run_request_rejects_bad_limits_and_round_trips():
    with pytest.raises(ValueError, match="wall_s"):  # InvalidRequest, one line
        Limits(wall_s=0)
    req = RunRequest(code="print(1)", stdin="x", limits=Limits(wall_s=2))
    assert RunRequest.model_validate_json(req.model_dump_json()) == req
    res = RunResult(status=RunStatus.OK, exit_code=0, stdout="1\n")
    assert RunResult.model_validate_json(res.model_dump_json()) == res


def test_verifiers_lazy_exports_resolve_and_math_does_not_import_the_sandbox():
    import subprocess
    import sys

    code = (
        "import sys, verifiers.math; assert 'sandbox' not in sys.modules, 'sandbox imported';"
        "import verifiers; assert verifiers.verify_code.__module__.startswith('verifiers.code');"
        "assert verifiers.verify_math is verifiers.math.verify; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr
