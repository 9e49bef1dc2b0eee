"""Every limit tested for real, through both the per-run and the pre-forked sandbox."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox import Limits, RunRequest, RunStatus
from sandbox.limits import CPU_SLACK_S

pytestmark = pytest.mark.bwrap

FAST = Limits(wall_s=1.5, cpu_s=1.0)


@pytest.fixture(params=["bwrap", "zygote"])
def runner(request):
    return request.getfixturevalue(f"{request.param}_runner")


def run(runner, code, limits=FAST, **kw):
    return runner.run(RunRequest(code=code, limits=limits, **kw))


def test_wall_clock_kills_a_sleeper(runner):
    t = time.monotonic()
    res = run(runner, "import time\nprint('start', flush=True)\ntime.sleep(30)")
    assert res.status == RunStatus.TIMEOUT
    assert res.stdout == "start\n"  # output before the kill is kept
    assert time.monotonic() - t < FAST.wall_s + 1.0


def test_cpu_limit(runner):
    res = run(runner, "while True: pass", Limits(wall_s=5, cpu_s=1))
    assert res.status == RunStatus.TIMEOUT
    assert res.detail.startswith("CPU") and res.cpu_s >= 0.5  # rusage is tick-sampled


FORK_8_BURNERS = """
import os, time
def burn(s):
    t = time.process_time()
    while time.process_time() - t < s:
        pass
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        burn(0.9)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
print("all burned")
"""


def test_cpu_limit_bounds_the_whole_run(runner):
    # 8 children x 0.9 s: each under its own RLIMIT_CPU, 7.2 s together; the run's cgroup is
    # watched while it runs and the run is stopped at cpu_s (it took 7.2 s before the watch)
    res = run(runner, FORK_8_BURNERS, Limits(cpu_s=1, wall_s=8))
    assert res.status == RunStatus.TIMEOUT, res
    assert "processes together" in res.detail, res.detail  # the CPU watch, not the wall clock
    assert 1.0 <= res.cpu_s <= 1.0 + CPU_SLACK_S, res.cpu_s


def test_sigterm_ignoring_spinner_still_times_out(runner):
    code = "import signal\nfor s in (15, 2, 1, 24, 14):\n  signal.signal(s, signal.SIG_IGN)\n"
    res = run(runner, code + "while True: pass")
    assert res.status == RunStatus.TIMEOUT


def test_memory_limit(runner):
    res = run(runner, "x = bytearray(400 << 20)", Limits(memory_mb=128))
    assert res.status == RunStatus.MEMORY_LIMIT, res
    ok = run(runner, "x = bytearray(50 << 20)\nprint(len(x))", Limits(memory_mb=256))
    assert ok.status == RunStatus.OK, ok


def test_output_flood_is_capped_and_flagged(runner):
    limits = Limits(output_bytes=1 << 16, wall_s=5)
    res = run(runner, "import sys\nwhile True:\n  sys.stdout.write('y' * 4096)", limits)
    assert res.status == RunStatus.OUTPUT_LIMIT
    assert res.stdout_truncated and len(res.stdout) == 1 << 16
    assert res.wall_s < 2  # killed at the cap, not at the wall clock


def test_stderr_flood_does_not_block_stdout(runner):
    code = "import sys\nsys.stderr.write('e' * (300 << 10))\nprint('done')"
    res = run(runner, code)
    assert res.status == RunStatus.OK and res.stdout == "done\n"
    assert len(res.stderr) == 300 << 10 and not res.stderr_truncated


def test_fork_bomb_is_contained(runner):
    code = """
import os, time
n = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            time.sleep(3)
            os._exit(0)
        n += 1
except OSError as e:
    print("stopped at", n, type(e).__name__)
"""
    res = run(runner, code, Limits(processes=16, wall_s=2))
    assert res.status == RunStatus.OK, res
    assert res.stdout.startswith("stopped at") and int(res.stdout.split()[2]) < 16


def test_fd_exhaustion(runner):
    code = """
fs = []
try:
    while True:
        fs.append(open('/dev/null'))
except OSError as e:
    print(len(fs), e.errno)
"""
    res = run(runner, code, Limits(open_files=32))
    assert res.status == RunStatus.OK
    assert int(res.stdout.split()[0]) < 32 and res.stdout.split()[1] == "24"  # EMFILE


def test_file_size_and_disk_fill(runner):
    big = "f = open('big', 'wb')\nf.write(b'x' * (8 << 20))\nf.close()\nprint('wrote')"
    res = run(runner, big, Limits(file_size_mb=1))
    assert res.status == RunStatus.RUNTIME_ERROR  # SIGXFSZ is ignored by Python: an OSError
    assert "File too large" in res.stderr or res.signal == 25
    fill = """
import os
n = 0
try:
    for i in range(100):
        with open(f'f{i}', 'wb') as f:
            f.write(b'x' * (1 << 20))
        n += 1
except OSError as e:
    print(n, e.errno)
"""
    res = run(runner, fill, Limits(scratch_mb=8, file_size_mb=4))
    assert res.status == RunStatus.OK
    assert int(res.stdout.split()[0]) <= 8 and res.stdout.split()[1] == "28"  # ENOSPC


def test_no_zombies_or_leftover_processes_after_many_runs(runner):
    # Orphans of other tests in this worker (a killed CLI's pool workers) may already be our
    # zombies: the runner made this process a subreaper. Only what these runs leave counts.
    before, zombies_before = _kids(), _zombies()
    code = "import os\nif os.fork() == 0:\n  os.setsid()\n  import time; time.sleep(5)\nprint(1)"
    for _ in range(20):
        assert run(runner, code).status == RunStatus.OK
    time.sleep(0.2)
    assert _kids() == before
    assert _zombies() == zombies_before


def test_parallel_runs(runner):
    code = "import sys, time\nn = int(input())\ntime.sleep(0.2)\nprint(n * n)"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: run(runner, code, stdin=f"{n}\n"), range(24)))
    assert [r.stdout for r in results] == [f"{n * n}\n" for n in range(24)]
    assert all(r.status == RunStatus.OK for r in results)


def test_a_fork_bomb_next_door_does_not_starve_a_correct_run(runner):
    bomb = "import os, time\nwhile True:\n  try:\n    os.fork()\n  except OSError:\n"
    bomb += "    time.sleep(0.01)"
    results = {}

    def bomb_run():
        results["bomb"] = run(runner, bomb, Limits(wall_s=2, processes=32))

    t = threading.Thread(target=bomb_run)
    t.start()
    time.sleep(0.3)
    code = "import threading\nt = threading.Thread(target=print, args=('ok',))\nt.start(); t.join()"
    good = run(runner, code, Limits(processes=4))
    t.join()
    assert good.status == RunStatus.OK and good.stdout == "ok\n", good
    assert results["bomb"].status == RunStatus.TIMEOUT


def _kids() -> list[int]:
    me = str(os.getpid())
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == me:
                        out.append(int(name))
            except OSError:
                pass
    return sorted(out)


def _zombies() -> list[int]:
    out = []
    for pid in _kids():
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    out.append(pid)
        except OSError:
            pass
    return out


def test_capture_stops_when_the_runs_cpu_is_spent():
    from sandbox.limits import CPU_POLL_S, capture

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    spent = iter([0.2, 0.6, 1.0, 5.0])
    try:
        t = time.monotonic()
        got = capture(out_r, err_r, None, Limits(cpu_s=1), t + 10, lambda: next(spent))
        assert got.cpu_out and not got.timed_out
        assert time.monotonic() - t < 10 * CPU_POLL_S  # the third poll, not the deadline
    finally:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)


def test_cpu_verdict_without_a_run_cgroup_says_it_was_per_process():
    import signal

    from sandbox.languages import get_language
    from sandbox.limits import Captured, classify

    status, detail = classify(
        lang=get_language("python"),
        limits=Limits(cpu_s=1),
        captured=Captured(),
        exit_code=None,
        sig=signal.SIGXCPU,
        cpu_s=0.95,
        peak_mb=10,
        whole_run=False,
    )
    assert status == RunStatus.TIMEOUT and "per process" in detail
