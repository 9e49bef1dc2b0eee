"""The service over real HTTP on 127.0.0.1: SandboxFusion's SDK, our routes, refusals, load."""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sandbox_fusion import RunCodeRequest, run_code

from sandbox import HttpRunner, RunRequest, RunStatus
from service import ServiceSettings
from service.__main__ import main
from tests.service.conftest import service_process, serving
from verifiers.code import CallCase, CodeTests, StdioCase, verify

pytestmark = [pytest.mark.bwrap, pytest.mark.timeout(120)]


def fusion(url: str, **fields) -> dict:
    return run_code(RunCodeRequest(**fields), endpoint=url, max_attempts=1).dict()


def test_sandbox_fusion_sdk_runs_unchanged(url):
    ok = fusion(url, code="print(input()[::-1])", language="python", stdin="abc\n")
    assert ok["status"] == "Success" and ok["run_result"]["stdout"] == "cba\n"
    assert ok["run_result"]["status"] == "Finished" and ok["run_result"]["return_code"] == 0
    failed = fusion(url, code="import sys; sys.exit(3)", language="python")
    assert failed["status"] == "Failed" and failed["run_result"]["return_code"] == 3
    slow = fusion(url, code="while True: pass", language="python", run_timeout=1)
    assert slow["run_result"]["status"] == "TimeLimitExceeded"
    broken = fusion(url, code="int main( {", language="cpp")
    assert broken["status"] == "Failed" and broken["run_result"] is None
    assert (
        broken["compile_result"]["return_code"] != 0
        and "error" in broken["compile_result"]["stderr"]
    )
    compiled = fusion(url, code='#include <cstdio>\nint main(){puts("hi");}', language="cpp")
    assert compiled["status"] == "Success" and compiled["run_result"]["stdout"] == "hi\n"
    files = {"data.txt": base64.b64encode(b"42\n").decode()}
    read = fusion(
        url, code="print(open('data.txt').read().strip())", language="python", files=files
    )
    assert read["run_result"]["stdout"] == "42\n"


def test_concurrent_requests_each_get_their_own_stdin(url):
    def one(i: int) -> str:
        body = {"code": "print(input())", "language": "python", "stdin": f"request {i}\n"}
        return httpx.post(f"{url}/run_code", json=body, timeout=60).json()["run_result"]["stdout"]

    with ThreadPoolExecutor(16) as pool:
        outs = list(pool.map(one, range(32)))
    assert outs == [f"request {i}\n" for i in range(32)]


def test_run_and_the_verifiers(url):
    run = httpx.post(f"{url}/run", json=RunRequest(code="print(6*7)").model_dump(mode="json"))
    assert run.status_code == 200 and run.json()["stdout"] == "42\n"
    math = httpx.post(
        f"{url}/verify/math", json={"prediction": "so $\\frac12$", "reference": "0.5"}
    )
    assert math.json()["status"] == "correct" and math.json()["reward"] == 1
    stdio = {"kind": "stdio", "cases": [{"stdin": "1 2\n", "stdout": "3\n"}]}
    good = "a, b = map(int, input().split())\nprint(a + b)"
    code = httpx.post(f"{url}/verify/code", json={"code": good, "tests": stdio}, timeout=60)
    assert code.json()["status"] == "correct"
    calls = {"kind": "function", "entry_point": "add", "cases": [{"args": [1, 2], "expected": 3}]}
    wrong = "def add(a, b):\n    return a * b"
    batch = httpx.post(
        f"{url}/verify/batch",
        json={
            "items": [
                {"kind": "code", "code": wrong, "tests": calls},
                {"kind": "math", "prediction": "7", "reference": "8"},
                {"kind": "code", "code": good, "tests": stdio},
            ]
        },
        timeout=60,
    )
    assert [v["status"] for v in batch.json()["verdicts"]] == ["wrong", "wrong", "correct"]
    # the code verifier through HttpRunner: the same verdicts as with a local runner
    remote = HttpRunner(url)
    tests = CodeTests("function", [CallCase((2, 3), 5)], entry_point="add")
    assert verify("def add(a, b):\n    return a + b", tests, runner=remote).reward == 1
    assert verify(wrong, tests, runner=remote).reward == 0
    assert verify(good, CodeTests("stdio", [StdioCase("4 5\n", "9\n")]), runner=remote).reward == 1
    health = httpx.get(f"{url}/health").json()
    assert health["status"] == "ok" and health["workers"] == 2
    for i in range(3):
        assert httpx.get(f"{url}/no/such/path/{i}").status_code == 404
    metrics = httpx.get(f"{url}/metrics").text
    assert 'proofloom_requests_total{route="/verify/batch",status="200"}' in metrics
    assert "/no/such" not in metrics and 'route="other",status="404"' in metrics


def test_untrusted_code_reaches_neither_the_network_nor_the_service(url):
    port = url.rsplit(":", 1)[1]
    probe = (
        "import socket\ntry:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2); print('REACHED')\n"
        "except OSError as e:\n    print('blocked', type(e).__name__)"
    )
    out = fusion(url, code=probe, language="python")["run_result"]["stdout"]
    assert "REACHED" not in out and out.startswith("blocked")
    home = fusion(url, code="import os; print(os.path.exists('/work'))", language="python")
    assert home["run_result"]["stdout"] == "False\n"


@pytest.mark.parametrize(
    "route, body, status, words",
    [
        ("/run_code", {"code": "x", "language": "cobol"}, 400, "not run here"),
        (
            "/run_code",
            {"code": "x", "language": "python", "fetch_files": ["a"]},
            400,
            "fetch_files",
        ),
        ("/run_code", {"language": "python"}, 400, "code: Field required"),
        ("/run_code", {"code": "x", "language": "python", "files": {"a": "!!"}}, 400, "base64"),
        ("/run_code", {"code": "x", "language": "python", "run_timeout": -1}, 400, "run_timeout"),
        ("/verify/code", {"code": "x", "tests": {"kind": "stdio", "cases": []}}, 400, "cases"),
        ("/verify/batch", {"items": []}, 400, "items"),
        (
            "/verify/code",
            {"code": "x", "language": "rust", "tests": {"kind": "stdio", "cases": [{"stdin": ""}]}},
            400,
            "rust",
        ),
    ],
)
def test_bad_requests_get_a_clear_400(url, route, body, status, words):
    response = httpx.post(f"{url}{route}", json=body)
    assert response.status_code == status and words in response.json()["detail"]


def test_malformed_oversized_and_lone_surrogates_are_refused(url):
    raw = httpx.post(
        f"{url}/run", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 400
    big = httpx.post(f"{url}/run", json={"code": "#" * (9 << 20)})
    assert big.status_code == 413 and "body over" in big.json()["detail"]
    lone = b'{"code": "print(1)", "stdin": "\\ud800"}'
    bad = httpx.post(f"{url}/run", content=lone, headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "stdin: not valid Unicode" in bad.json()["detail"]
    fusion_lone = b'{"code": "print(1)", "language": "python", "stdin": "\\ud800"}'
    bad = httpx.post(
        f"{url}/run_code", content=fusion_lone, headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400 and "stdin: not valid Unicode" in bad.json()["detail"]
    math_lone = b'{"prediction": "\\udfff", "reference": "1"}'
    bad = httpx.post(
        f"{url}/verify/math", content=math_lone, headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400 and "prediction" in bad.json()["detail"]
    run = httpx.post(f"{url}/run", json={"code": "print('still fine')"})
    assert run.json()["status"] == RunStatus.OK.value


def test_a_token_is_required_when_configured():
    with serving(ServiceSettings(token="s3cret", workers=1)) as base:
        body = {"code": "print(1)", "language": "python"}
        assert httpx.post(f"{base}/run_code", json=body).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.post(f"{base}/run_code", json=body, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert httpx.post(f"{base}/run_code", json=body, headers=right).status_code == 200
        assert httpx.get(f"{base}/health").status_code == 200
        assert HttpRunner(base, token="s3cret").run(RunRequest(code="print(2)")).stdout == "2\n"


def test_an_overload_burst_is_answered_or_refused_never_dropped():
    with serving(ServiceSettings(workers=1, queue=2, queue_timeout_s=20)) as base:
        body = {"code": "import time; time.sleep(0.5); print('done')", "language": "python"}

        def one(_: int) -> tuple[int, float, str | None]:
            start = time.perf_counter()
            r = httpx.post(f"{base}/run_code", json=body, timeout=60)
            return r.status_code, time.perf_counter() - start, r.headers.get("retry-after")

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(one, range(12)))
    codes = [c for c, _, _ in results]
    assert len(codes) == 12 and set(codes) <= {200, 429}
    assert 1 <= codes.count(200) <= 4 and codes.count(429) >= 8  # 1 running + 2 queued (+ luck)
    refusals = [(s, ra) for c, s, ra in results if c == 429]
    assert all(ra is not None and int(ra) >= 1 for _, ra in refusals)
    assert max(s for s, _ in refusals) < 2.0  # refused at once, not after waiting


def test_help_never_prints_the_token(capsys, monkeypatch):
    monkeypatch.setenv("SANDBOX_TOKEN", "s3cret-from-env")
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--token" in out and "s3cret-from-env" not in out


def test_serving_a_remote_address_without_a_token_is_refused(capsys):
    assert main(["--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "without a token" in err[0]
    assert main(["--workers", "0"]) == 2


def test_zygotes_that_die_are_restarted_without_failing_later_requests():
    from sandbox.zygote import ZygoteRunner

    runner = ZygoteRunner(workers=2)
    try:
        with serving(ServiceSettings(workers=2), runner) as base:
            body = {"code": "print('up')", "language": "python"}
            assert httpx.post(f"{base}/run_code", json=body).json()["status"] == "Success"
            for zygote in runner._all:  # both workers die while idle (OOM killer, a crash)
                zygote.proc.kill()
                zygote.proc.wait()
            with ThreadPoolExecutor(4) as pool:
                answers = list(
                    pool.map(
                        lambda _: httpx.post(f"{base}/run_code", json=body, timeout=60).json(),
                        range(8),
                    )
                )
            assert [a["status"] for a in answers] == ["Success"] * 8
            assert all(z.alive() for z in runner._all)
    finally:
        runner.close()


def test_sigterm_finishes_the_runs_in_flight_then_exits_cleanly():
    import signal

    with service_process("--workers", "1") as (proc, base):
        body = {"code": "import time; time.sleep(1.5); print('finished')", "language": "python"}
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(httpx.post, f"{base}/run_code", json=body, timeout=30)
            time.sleep(0.5)  # the run is in flight
            proc.send_signal(signal.SIGTERM)
            answer = pending.result()
        assert answer.status_code == 200 and answer.json()["run_result"]["stdout"] == "finished\n"
        assert proc.wait(30) == 0
