"""Every program of ../shared/code/attacks through the real sandbox, both runners, with the
manifest's canaries, forbidden outputs and host checks (the verifier's reward side lives in
tests/verifiers). Each runner here has a uid range of its own per pytest worker, so "nothing of
the run survives" is exact: every process under those uids must be one the runner names as its
own (`own_pids`: a zygote worker and its standby launcher)."""

import subprocess
import time
from collections.abc import Callable

import pytest

from sandbox import BwrapRunner, RunRequest, RunStatus
from sandbox.slots import UidPool
from sandbox.zygote import ZygoteRunner
from tests import attack_corpus as shared
from tests.conftest import SHARED

from . import corpus

pytestmark = pytest.mark.bwrap

# ids at collection time (tests/conftest.py has checked that ../shared is there)
ATTACKS = SHARED / "code" / "attacks"
CORPUS = shared.load_corpus(ATTACKS)
ENTRIES = {e["id"]: e for e in CORPUS.entries}


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    with shared.Canaries(tmp_path_factory.mktemp("service_cwd")) as c:
        yield c


@pytest.fixture(scope="module")
def private_runners():
    made: dict = {}

    def get(kind: str):
        if kind not in made:
            pool = UidPool(corpus.private_uids(f"sandbox-{kind}"))
            base = BwrapRunner(uids=pool)
            runner = base if kind == "bwrap" else ZygoteRunner(1, base=base)
            made[kind] = (runner, set(pool.uids))
        return made[kind]

    yield get
    for runner, _ in made.values():
        if isinstance(runner, ZygoteRunner):
            runner.close()


@pytest.fixture(params=["bwrap", "zygote"])
def runner_and_uids(request, private_runners):
    return private_runners(request.param)


def judge(runner, entry, program, limits):
    """(verdict or None for function problems, every RunResult, wall time of the slowest run)."""
    problem = CORPUS.problems[entry["problem"]]
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
def test_attack_entry(shared_dir, canary, runner_and_uids, entry_id):
    runner, uids = runner_and_uids
    check_entry(runner, canary, entry_id, left=lambda: shared.left_behind(uids, runner))


def test_a_process_left_under_the_sandbox_uid_is_caught(private_runners):
    # a survivor cannot be made from inside (that is what the corpus checks), so one is made
    # from here: a process under the runner's uid that is not one of its own must be reported,
    # beside the zygote's standby launcher, which must not be
    for kind in ("bwrap", "zygote"):
        runner, uids = private_runners(kind)
        assert runner.run(RunRequest(code="print(1)")).stdout == "1\n"
        assert shared.left_behind(uids, runner) == [], kind
        uid = max(uids)  # the pools hand out from the start of the range
        stray = subprocess.Popen(["sleep", "30"], user=uid, group=uid)
        try:
            assert shared.left_behind(uids, runner) == [stray.pid], kind
        finally:
            stray.kill()
            stray.wait()


def check_entry(
    runner,
    canary,
    entry_id: str,
    service_rss: Callable[[], int] = corpus.max_rss_bytes,
    left: Callable[[], list[int]] | None = None,
) -> None:
    """One corpus program through `runner`: its expected outcome, nothing of the canaries in what
    comes back, and the host checks (also run through the service, tests/service).
    `service_rss`: the peak RSS of the process that holds the runs' output. `left`: the host
    processes the runs left behind; None for a runner in another process, whose unlocked slot
    uids are looked at instead (`corpus.slot_processes`)."""
    entry = ENTRIES[entry_id]
    expect = entry["expect"]
    limits = corpus.limits_for(CORPUS, entry)
    program = corpus.program_for(CORPUS, entry, (ATTACKS / entry["file"]).read_text())
    paths = shared.host_paths(entry)
    for p in paths:
        p.unlink(missing_ok=True)
    before_conn = canary.connections
    free_before = shared.disk_free()
    rss_before = service_rss()
    port = shared.probe_port(entry)
    probe = shared.PortProbe(port) if port else None
    if probe is not None:
        probe.__enter__()
    try:
        verdict, results, wall = judge(runner, entry, program, limits)
    finally:
        if probe is not None:
            probe.__exit__()

    for res in results:
        assert res.status != RunStatus.SANDBOX_ERROR, res.detail
        returned = res.stdout + res.stderr + res.detail
        for text in canary.texts():
            assert text not in returned, f"{text!r} in output of {entry_id}: {returned[-2000:]}"
    bound = shared.max_wall(expect["max_wall_s"], limits.wall_s)
    assert wall <= bound + 0.5, f"{entry_id} took {wall:.2f} s"
    if verdict is not None:
        assert verdict in expect["status_any_of"], (verdict, results[-1])
    elif expect["status_any_of"] in (["pass"], ["timeout"]):
        wanted = {"pass": RunStatus.OK, "timeout": RunStatus.TIMEOUT}[expect["status_any_of"][0]]
        assert results[-1].status == wanted, results[-1]

    # host checks: nothing of the run survives it, nothing reached the host. Checks that a
    # parallel job on this machine could upset (disk use) are made only where the manifest asks.
    checks = " ".join(expect["host_checks"])
    if left is not None:
        leaked = left()
    else:
        leaked = corpus.slot_processes()
        leaked += corpus.unowned(shared.processes_named("escape_orphan"))
    assert leaked == [], [shared.describe(pid) for pid in leaked]
    for p in paths:
        assert not p.exists(), f"{p} was written on the host"
    assert canary.connections == before_conn, "the canary listener got a connection"
    if probe is not None and probe.connected and not probe.busy_before:
        # tell a foreign listener on the host (another job) from a leak of ours
        assert shared.connects(port), f"the sandbox's listener on {port} was reachable"
    if "host_disk_free_unchanged" in checks:
        for path, free in shared.disk_free().items():
            assert abs(free - free_before[path]) < 64 << 20, f"disk use changed on {path}"
    assert service_rss() - rss_before < 4 * limits.output_bytes
    assert not list(canary.workdir.glob("core*"))
    # service_alive: the correct control still passes right after
    c01 = ENTRIES["c01"]
    ctrl = corpus.program_for(CORPUS, c01, (ATTACKS / c01["file"]).read_text())
    assert judge(runner, c01, ctrl, shared.corpus_limits(CORPUS.conventions))[0] == "pass"
