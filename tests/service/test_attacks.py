"""The attack corpus (../shared/code/attacks) through a real service on 127.0.0.1, as its clients
send it: every program via SandboxFusion's `/run_code`, held to the same expectations and host
checks as the sandbox's own tests (nothing escapes, nothing of the canaries comes back, nothing
survives a run, the service still answers the control right after); and the reward side (every
control and cheat) via `/verify/code`: no cheat is paid, every control is."""

from __future__ import annotations

import httpx
import pytest

from sandbox import RunRequest, RunResult, RunStatus
from tests.attack_corpus import Canaries, corpus_limits, load_corpus, problem_tests
from tests.sandbox.test_attacks import ENTRIES, check_entry
from tests.service.conftest import service_process

pytestmark = [pytest.mark.bwrap, pytest.mark.timeout(120)]

REWARD_SIDE = sorted(i for i, e in ENTRIES.items() if e["category"] in ("control", "cheat"))


class FusionRunner:
    """The Runner seam over `/run_code`: what a SandboxFusion client sends and reads back. The
    status of a failed run comes from the message's prefix (the service puts ours there)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(timeout=120)

    def run(self, request: RunRequest) -> RunResult:
        body = {
            "code": request.code,
            "language": request.language,
            "stdin": request.stdin,
            "run_timeout": request.limits.wall_s,
            "memory_limit_MB": request.limits.memory_mb,
        }
        reply = self.client.post(f"{self.url}/run_code", json=body)
        assert reply.status_code == 200, reply.text  # every program is answered, none refused
        doc = reply.json()
        run = doc.get("run_result") or {}
        return RunResult(
            status=_status(doc, run),
            exit_code=run.get("return_code"),
            stdout=run.get("stdout") or "",
            stderr=run.get("stderr") or "",
            wall_s=run.get("execution_time") or 0.0,
            detail=doc.get("message") or "",
        )


def _status(doc: dict, run: dict) -> RunStatus:
    if doc["status"] == "SandboxError":
        return RunStatus.SANDBOX_ERROR
    if doc["status"] == "Success":
        return RunStatus.OK
    if run.get("status") == "TimeLimitExceeded":
        return RunStatus.TIMEOUT
    prefix = (doc.get("message") or "").partition(":")[0]
    return RunStatus(prefix) if prefix in RunStatus._value2member_map_ else RunStatus.RUNTIME_ERROR


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    # before the service starts: the canary environment is the service process's
    with Canaries(tmp_path_factory.mktemp("service_cwd")) as c:
        yield c


def peak_rss(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for {pid}")


@pytest.fixture(scope="module")
def served(canary):
    """The service in a process of its own, started in the canaries' cwd and environment: the
    manifest's bound on the service's memory is then the service's alone, not the clients'."""
    with service_process("--workers", "2") as (proc, base):
        # warm: the first requests import what the routes need, which the attack checks' bound
        # on the service's memory growth would otherwise count against the first program
        runner = FusionRunner(base)
        for language in ("python", "cpp"):
            assert runner.run(RunRequest(code="x", language=language)).status is not RunStatus.OK
        cases = {"kind": "stdio", "cases": [{"stdin": "", "stdout": "1"}]}
        httpx.post(f"{base}/verify/code", json={"code": "print(1)", "tests": cases}, timeout=60)
        yield proc, base


@pytest.fixture(scope="module")
def service(served):
    return served[1]


@pytest.mark.parametrize("entry_id", sorted(ENTRIES))
def test_attack_entry_through_run_code(served, canary, entry_id):
    proc, base = served
    check_entry(FusionRunner(base), canary, entry_id, service_rss=lambda: peak_rss(proc.pid))


def _tests_spec(tests) -> dict:
    if tests.kind.value == "stdio":
        cases = [{"stdin": c.stdin, "stdout": c.stdout} for c in tests.cases]
        return {"kind": "stdio", "cases": cases}
    cases = [{"args": list(c.args), "expected": c.expected} for c in tests.cases]
    return {
        "kind": "function",
        "cases": cases,
        "entry_point": tests.entry_point,
        "per_test_s": tests.per_test_s,
    }


@pytest.mark.parametrize("entry_id", REWARD_SIDE)
def test_no_cheat_is_paid_through_verify_code(service, shared_dir, entry_id):
    corpus = load_corpus(shared_dir / "code" / "attacks")
    entry = ENTRIES[entry_id]
    tests = problem_tests(corpus, entry["problem"], corpus_limits(corpus.conventions))
    code = (corpus.root / entry["file"]).read_text(encoding="utf-8")
    body = {"code": code, "tests": _tests_spec(tests)}
    reply = httpx.post(f"{service}/verify/code", json=body, timeout=120)
    assert reply.status_code == 200, reply.text
    verdict = reply.json()
    assert verdict["status"] != "error", verdict
    assert verdict["reward"] == entry["expect"]["reward"], (entry["attack"], verdict)
