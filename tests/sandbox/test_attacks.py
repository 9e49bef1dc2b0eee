"""Every program of ../shared/code/attacks through the real sandbox, with the manifest's canaries,
forbidden outputs and host checks (the verifier's reward side lives in tests/verifiers)."""

import threading
import time

import pytest

from sandbox import RunRequest, RunStatus
from tests.conftest import SHARED

from . import corpus

pytestmark = pytest.mark.bwrap

# ids at collection time (tests/conftest.py has checked that ../shared is there)
ATTACKS = SHARED / "code" / "attacks"
MANIFEST = corpus.load(ATTACKS)
ENTRIES = {e["id"]: e for e in MANIFEST["entries"]}


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    with corpus.canaries(tmp_path_factory.mktemp("service_cwd")) as c:
        yield c


@pytest.fixture(params=["bwrap", "zygote"])
def runner(request):
    return request.getfixturevalue(f"{request.param}_runner")


def judge(runner, entry, program, limits):
    """(verdict or None for function problems, every RunResult, wall time of the slowest run)."""
    problem = MANIFEST["problems"][entry["problem"]]
    if problem["kind"] != "stdio":
        t = time.monotonic()
        res = runner.run(RunRequest(code=program, limits=limits))
        return None, [res], time.monotonic() - t
    results, walls = [], []
    for test in problem["tests"]:
        t = time.monotonic()
        res = runner.run(RunRequest(code=program, stdin=test["stdin"], limits=limits))
        walls.append(time.monotonic() - t)
        results.append((res, test["stdout"]))
        if corpus.stdio_verdict(results) != "pass":
            break
    return corpus.stdio_verdict(results), [r for r, _ in results], max(walls)


@pytest.mark.parametrize("entry_id", sorted(ENTRIES))
def test_attack_entry(shared_dir, canary, runner, entry_id):
    check_entry(runner, canary, entry_id)


def check_entry(runner, canary, entry_id: str, service_rss=corpus.max_rss_bytes) -> None:
    """One corpus program through `runner`: its expected outcome, nothing of the canaries in what
    comes back, and the host checks (also run through the service, tests/service).
    `service_rss`: the peak RSS of the process that holds the runs' output."""
    entry = ENTRIES[entry_id]
    expect = entry["expect"]
    limits = corpus.limits_for(MANIFEST, entry)
    program = corpus.program_for(MANIFEST, entry, (ATTACKS / entry["file"]).read_text())
    paths = corpus.host_paths(entry)
    for p in paths:
        p.unlink(missing_ok=True)
    before_conn = canary.connections[0]
    free_before = corpus.disk_free()
    rss_before = service_rss()
    probe_stop, probe_hits = threading.Event(), []
    if entry_id == "n04":
        threading.Thread(
            target=corpus.port_probe, args=(47002, probe_stop, probe_hits), daemon=True
        ).start()
    try:
        verdict, results, wall = judge(runner, entry, program, limits)
    finally:
        probe_stop.set()

    for res in results:
        assert res.status != RunStatus.SANDBOX_ERROR, res.detail
        returned = res.stdout + res.stderr + res.detail
        for text in canary.texts():
            assert text not in returned, f"{text!r} in output of {entry_id}: {returned[-2000:]}"
    assert wall <= corpus.wall_bound(entry, limits) + 0.5, f"{entry_id} took {wall:.2f} s"
    if verdict is not None:
        assert verdict in expect["status_any_of"], (verdict, results[-1])
    elif expect["status_any_of"] in (["pass"], ["timeout"]):
        wanted = {"pass": RunStatus.OK, "timeout": RunStatus.TIMEOUT}[expect["status_any_of"][0]]
        assert results[-1].status == wanted, results[-1]

    # host checks: nothing of the run survives it, nothing reached the host. Checks that a
    # parallel job on this machine could upset (disk use) are made only where the manifest asks.
    checks = " ".join(expect["host_checks"])
    leaked = corpus.slot_processes()
    assert leaked == [], [corpus.describe(pid) for pid in leaked]
    assert corpus.unowned(corpus.processes_named("escape_orphan")) == []
    for p in paths:
        assert not p.exists(), f"{p} was written on the host"
    assert canary.connections[0] == before_conn, "the canary listener got a connection"
    if probe_hits:  # tell a foreign listener on the host (another job) from a leak of ours
        foreign = corpus.port_open(47002)
        assert foreign, "the sandbox's listener on 47002 was reachable from the host"
    if "host_disk_free_unchanged" in checks:
        for path, free in corpus.disk_free().items():
            assert abs(free - free_before[path]) < 64 << 20, f"disk use changed on {path}"
    assert service_rss() - rss_before < 4 * limits.output_bytes
    assert not list(canary.workdir.glob("core*"))
    # service_alive: the correct control still passes right after
    c01 = ENTRIES["c01"]
    ctrl = corpus.program_for(MANIFEST, c01, (ATTACKS / c01["file"]).read_text())
    assert judge(runner, c01, ctrl, corpus.limits_of(MANIFEST))[0] == "pass"
