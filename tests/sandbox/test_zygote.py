"""The pre-forked fast path: no state crosses from one run to the next, the zygote is out of reach
of the program, it survives hostile runs and is restarted when it dies, and it answers like the
per-run sandbox."""

import json
import os
import signal
import time

import pytest

from sandbox import Limits, RunRequest, RunStatus, ZygoteRunner

pytestmark = pytest.mark.bwrap

LEAVE_STATE = """
import math, os, subprocess, builtins, random
open('/tmp/left_behind', 'w').write('x')
open('/dev/shm/left_behind', 'w').write('x')
math.pi = 3
builtins.len = lambda x: 0
os.environ['LEFT'] = '1'
subprocess.Popen(['sleep', '30'], start_new_session=True)
print(random.random())
"""
LOOK_FOR_STATE = """
import json, math, os, random
print(json.dumps({
    "files": [p for p in ('/tmp/left_behind', '/dev/shm/left_behind') if os.path.exists(p)],
    "pi": math.pi, "len": len("abc"), "env": os.environ.get('LEFT'),
    "pids": sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
    "random": random.random(),
}))
"""


@pytest.fixture(scope="module")
def one_worker(bwrap_runner):
    runner = ZygoteRunner(workers=1, base=bwrap_runner)
    yield runner
    runner.close()


def run(runner, code, **kw):
    return runner.run(RunRequest(code=code, **kw))


def test_nothing_crosses_between_runs(one_worker):
    first = run(one_worker, LEAVE_STATE)
    assert first.status == RunStatus.OK, first
    seen = json.loads(run(one_worker, LOOK_FOR_STATE).stdout)
    assert seen["files"] == []
    assert seen["pi"] == pytest.approx(3.14159, abs=1e-4) and seen["len"] == 3
    assert seen["env"] is None
    assert seen["pids"] == [1, 2]  # its init and itself: the sleeper of the last run is gone
    assert str(seen["random"]) not in first.stdout


def test_program_cannot_see_or_reach_the_zygote(one_worker):
    code = """
import os, ctypes
libc = ctypes.CDLL(None, use_errno=True)
print(os.getpid(), os.getppid(), sorted(os.listdir('/proc/self/fd')))
print(libc.ptrace(0x4206, 1, None, None), ctypes.get_errno())
try:
    open('/proc/1/mem', 'rb').read(1)
    print('mem readable')
except OSError as e:
    print('mem', e.errno)
print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])
"""
    res = run(one_worker, code)
    lines = res.stdout.splitlines()
    assert lines[0] == "2 1 ['0', '1', '2', '3']"  # 3 is the listdir fd; no control socket
    assert lines[1].startswith("-1 ")  # ptrace of its init refused
    assert lines[2].startswith("mem ")
    assert lines[3] == "0000000000000000"


def test_zygote_survives_kill_all_and_is_restarted_when_it_dies(one_worker):
    code = (
        "import os, signal, time\nif os.fork() == 0:\n  time.sleep(9)\nos.kill(-1, signal.SIGKILL)"
    )
    res = run(one_worker, code + "\nprint('alive')")
    assert res.status == RunStatus.OK  # kill(-1) from inside never reaches the zygote
    assert run(one_worker, "print(1)").stdout == "1\n"
    zygote = one_worker._all[0]
    os.kill(zygote.proc.pid, signal.SIGKILL)
    zygote.proc.wait()
    again = run(one_worker, "print(2)")
    assert again.status == RunStatus.OK and again.stdout == "2\n"
    assert zygote.alive()


PARITY = [
    ("print(input()[::-1])", "abc\n"),
    ("import sys\nprint('x', file=sys.stderr)\nsys.exit(4)", ""),
    ("def f():\n    raise KeyError('k')\nf()", ""),
    ("import sys\nprint(sys.argv, __name__, __file__)", ""),
    ("import atexit\natexit.register(lambda: print('bye'))\nprint('hi')", ""),
    ("import threading\nthreading.Thread(target=lambda: print('t')).start()", ""),
    ("raise SystemExit('message')", ""),
    ("import helper\nprint(helper.X, __import__('sys').path[0])", ""),
    ("import os\nos._exit(7)", ""),
    ("import sys\nsys.exit(121)", ""),  # the zygote's own set-up failure code: still the program's
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", ""),
    ("x = [0] * (10**9)", ""),
]


@pytest.mark.parametrize(("code", "stdin"), PARITY)
def test_same_answers_as_the_per_run_sandbox(bwrap_runner, one_worker, code, stdin):
    limits = Limits(memory_mb=256)
    files = {"helper.py": "X = 5"}
    a = bwrap_runner.run(RunRequest(code=code, stdin=stdin, limits=limits, files=files))
    b = one_worker.run(RunRequest(code=code, stdin=stdin, limits=limits, files=files))
    assert (a.status, a.exit_code, a.signal, a.stdout, a.stderr) == (
        b.status,
        b.exit_code,
        b.signal,
        b.stdout,
        b.stderr,
    )


def test_other_languages_go_to_the_per_run_sandbox(one_worker):
    res = run(one_worker, "int main(){return 3;}", language="c")
    assert res.status == RunStatus.RUNTIME_ERROR and res.exit_code == 3


def test_default_runner_is_the_fast_path():
    from sandbox import default_runner

    runner = default_runner()
    assert isinstance(runner, ZygoteRunner) and runner is default_runner()
    assert runner.run(RunRequest(code="print('fast')")).stdout == "fast\n"


def test_zygote_killed_mid_run_gives_sandbox_error_then_recovers(one_worker):
    import threading
    import time

    zygote = one_worker._all[0]
    if not zygote.alive():
        one_worker.run(RunRequest(code="pass"))
    pid = zygote.proc.pid
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    t = time.monotonic()
    res = run(one_worker, "import time\ntime.sleep(4)\nprint('late')")
    assert res.status == RunStatus.SANDBOX_ERROR and time.monotonic() - t < 3
    assert run(one_worker, "print('back')").stdout == "back\n"


def test_a_finished_launcher_is_reaped_at_once(one_worker):
    # it was a zombie until the next request came, which the host checks counted as left behind
    from sandbox.slots import children

    assert one_worker.run(RunRequest(code="print(1)")).stdout == "1\n"
    (worker,) = one_worker._all
    deadline = time.monotonic() + 2
    # the run's launcher exits right after its reply, and is reaped then, not at the next run
    while len(launchers := children(worker._zygote_pid)) != 1:
        assert time.monotonic() < deadline, launchers
        time.sleep(0.01)
    assert set(launchers) <= worker.own_pids()  # the standby launcher is the runner's own
