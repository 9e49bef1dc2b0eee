"""The bubblewrap backend, run for real: results, statuses and the shape of the sandbox."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox import Limits, RunRequest, RunStatus, SandboxConfigError, ZygoteRunner
from sandbox.slots import REAP_EVERY_S

pytestmark = pytest.mark.bwrap


def run(runner, code, **kw):
    return runner.run(RunRequest(code=code, **kw))


def test_stdin_to_stdout(bwrap_runner):
    res = run(bwrap_runner, "a, b = map(int, input().split())\nprint(a + b)", stdin="2 40\n")
    assert res.status == RunStatus.OK
    assert res.stdout == "42\n"
    assert res.exit_code == 0
    assert res.wall_s > 0 and res.cpu_s > 0 and res.peak_memory_mb > 1


def test_nonzero_exit_is_runtime_error(bwrap_runner):
    res = run(bwrap_runner, "import sys\nprint('partial')\nsys.exit(3)")
    assert res.status == RunStatus.RUNTIME_ERROR
    assert res.exit_code == 3 and res.stdout == "partial\n"


def test_exception_traceback_on_stderr(bwrap_runner):
    res = run(bwrap_runner, "raise ValueError('boom')")
    assert res.status == RunStatus.RUNTIME_ERROR
    assert "ValueError: boom" in res.stderr


def test_request_files_and_argv(bwrap_runner):
    code = "import sys\nprint(open('data/in.txt').read(), sys.argv[1:])"
    res = run(bwrap_runner, code, files={"data/in.txt": "hello"}, argv=("x", "y"))
    assert res.status == RunStatus.OK, res
    assert res.stdout == "hello ['x', 'y']\n"


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "a/../../b", ""])
def test_bad_file_names_refused(bwrap_runner, name):
    with pytest.raises(SandboxConfigError):
        run(bwrap_runner, "pass", files={name: "x"})


def test_unknown_language_refused(bwrap_runner):
    with pytest.raises(SandboxConfigError, match="unknown language"):
        run(bwrap_runner, "pass", language="cobol")


def test_sandbox_view(bwrap_runner):
    code = """
import json, os
print(json.dumps({
    "uid": os.getuid(), "env": dict(os.environ), "root": sorted(os.listdir("/")),
    "cwd": os.getcwd(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "etc": sorted(os.listdir("/etc")),
}))
"""
    res = run(bwrap_runner, code)
    assert res.status == RunStatus.OK, res
    view = json.loads(res.stdout)
    assert view["uid"] == 65534
    assert set(view["env"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "PWD", "LC_CTYPE"}
    assert not {"root", "home", "work", "var", "opt"} & set(view["root"])
    assert view["cwd"] == "/tmp"
    assert "shadow" not in view["etc"] and "passwd" not in view["etc"]
    assert max(view["pids"]) < 10  # a PID namespace of its own


def test_invalid_utf8_output_is_replaced_not_an_error(bwrap_runner):
    res = run(bwrap_runner, "import sys\nsys.stdout.buffer.write(b'\\xff\\xfeok\\n')")
    assert res.status == RunStatus.OK
    assert res.stdout.endswith("ok\n") and "\ufffd" in res.stdout


def test_limits_model_rejects_nonsense():
    with pytest.raises(ValueError):
        Limits(wall_s=-1)


HOST_THAT_DIES = """
import os, sys, time
from sandbox import ZygoteRunner
runner = ZygoteRunner(2)
print("ready", flush=True)
time.sleep(60)
"""


REPO = Path(__file__).resolve().parents[2]


def test_sandboxes_of_a_killed_host_process_are_reaped_by_their_adopter(bwrap_runner):
    # A host process killed with -9 leaves its sandboxes' bwrap processes to the nearest
    # subreaper: this process (BwrapRunner made it one). Nobody else waits for them, so without
    # the reaper they stayed zombies for good, counted against their slot uids.
    ours = ZygoteRunner(1, base=bwrap_runner)  # a live sandbox of ours the reaper must not touch
    host = subprocess.Popen(
        [sys.executable, "-c", HOST_THAT_DIES], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert host.stdout is not None and host.stdout.readline() == "ready\n"
        outer = _children(host.pid)
        orphans = outer + [pid for o in outer for pid in _children(o)]
        assert len(orphans) == 4, orphans  # 2 zygotes x (outer bwrap + the sandbox's PID 1)
    finally:
        host.kill()
        host.wait()
    deadline = time.monotonic() + 3 * REAP_EVERY_S + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in orphans):
        time.sleep(0.1)
    assert [p for p in orphans if Path(f"/proc/{p}").exists()] == []
    assert ours.run(RunRequest(code="print('still here')")).stdout == "still here\n"
    ours.close()
    assert _zombie_children() == []


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        out += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return out


def _zombie_children() -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == "Z" and int(fields[1]) == os.getpid():
                out.append(int(name))
    return out
