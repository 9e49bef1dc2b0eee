"""Every request is validated at the door of the real service (issue 18, item 6): through
SandboxFusion's `/run_code` and our `/run`, a bad file name, size or limit is a 400 with a one-line
reason, never a 500 (the sandbox's refusal unmapped) or a SandboxError verdict (the supervisor
failing on it), and the good edge cases run."""

import base64
import json

import httpx
import pytest

from sandbox import HttpRunner, InvalidRequest, RunRequest

pytestmark = [pytest.mark.bwrap, pytest.mark.timeout(120)]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fusion(**fields: object) -> dict:
    return {"code": "print(1)", "language": "python", **fields}


# (body of /run_code, words of the reason)
BAD_FUSION = [
    (fusion(files={"../../x": b64("x")}), "'..' component"),
    (fusion(files={"/tmp/x": b64("x")}), "must be relative"),
    (fusion(files={"": b64("x")}), "names no file"),
    (fusion(files={"main.py": b64("x")}), "'main.py' is the runner's own"),
    (fusion(language="cpp", files={"main": b64("x")}), "'main' is the runner's own"),
    (fusion(files={".": b64("x")}), "names no file"),
    (fusion(files={"x" * 5000: b64("x")}), "over 255 bytes"),
    (fusion(files={"a\0b": b64("x")}), "NUL byte"),
    (fusion(files={"d": b64("x"), "d/e": b64("y")}), "'d' is a file and also the directory"),
    (fusion(files={f"f{i}": None for i in range(65)}), "at most 64"),
    (fusion(memory_limit_MB=-5), "memory_limit_MB: -5 is neither -1"),
    (fusion(memory_limit_MB=0), "memory_limit_MB: 0 is neither -1"),
    (fusion(memory_limit_MB=10**9), "memory_limit_MB"),
    (fusion(memory_limit_MB=1.5), "memory_limit_MB"),
    (fusion(run_timeout=0), "run_timeout"),
    (fusion(run_timeout=1e9), "run_timeout"),
    (fusion(run_timeout="inf"), "run_timeout: Input should be a finite number"),
    (fusion(compile_timeout="nan"), "compile_timeout: Input should be a finite number"),
    (fusion(compile_timeout=-1), "compile_timeout"),
]


def refused(response: httpx.Response, words: str) -> str:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    detail = response.json()["detail"]
    assert words in detail and "\n" not in detail and len(detail) < 300, detail
    return detail


@pytest.mark.parametrize("body, words", BAD_FUSION, ids=range(len(BAD_FUSION)))
def test_run_code_answers_a_bad_request_400_with_its_reason(url, body, words):
    refused(httpx.post(f"{url}/run_code", json=body, timeout=30), words)


def test_run_refuses_the_same_and_http_runner_raises_what_a_local_runner_would(url):
    bad = [
        ({"files": {"../x": ""}}, "'..' component"),
        ({"files": {"d": "", "d/e": ""}}, "also the directory"),
        ({"language": "cobol"}, "unknown language"),
        ({"limits": {"memory_mb": -5}}, "limits: memory_mb"),
        ({"argv": ["a\0"]}, "NUL byte"),
    ]
    for fields, words in bad:
        refused(httpx.post(f"{url}/run", json={"code": "print(1)", **fields}, timeout=30), words)
    # a request that skipped the local checks (or a stricter service's) is refused there, and
    # HttpRunner says so as InvalidRequest, not as a SANDBOX_ERROR result
    unchecked = RunRequest.model_construct(code="print(1)", files={"../x": ""})
    with pytest.raises(InvalidRequest, match="'..' component"):
        HttpRunner(url).run(unchecked)


def test_good_edge_cases_run(url):
    files = {"a/b.txt": "nested", "données/ü 1.txt": "unicode", "a/c/d.txt": "deeper"}
    code = f"import json\nprint(json.dumps({{n: open(n).read() for n in {list(files)!r}}}))"
    for memory in (-1, 256):  # SandboxFusion's "unset" and a real limit
        body = fusion(
            code=code, files={n: b64(t) for n, t in files.items()}, memory_limit_MB=memory
        )
        answer = httpx.post(f"{url}/run_code", json=body, timeout=60).json()
        assert answer["status"] == "Success", answer
        assert json.loads(answer["run_result"]["stdout"]) == files
    empty = httpx.post(f"{url}/run_code", json=fusion(files={"empty.txt": None}), timeout=60)
    assert empty.json()["status"] == "Success"
    run = httpx.post(f"{url}/run", json={"code": code, "files": files}, timeout=60).json()
    assert run["status"] == "ok" and json.loads(run["stdout"]) == files
