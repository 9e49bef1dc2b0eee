"""What every backend shares (`sandbox.backend`): one reading of bwrap's status line, one
end-of-run accounting, each pinned here on the case where the backends' own copies disagreed."""

import os
import signal

from sandbox.backend import finish, sandbox_init_pid
from sandbox.cgroups import WorkerGroup
from sandbox.languages import get_language
from sandbox.limits import Captured
from sandbox.types import Limits, RunStatus


def status_pipe(text: bytes) -> int:
    r, w = os.pipe()
    os.write(w, text)
    os.close(w)
    return r


def test_a_bad_status_line_does_not_hide_the_child_pid():
    # the zygote's copy gave up at the first line that was not JSON; bwrap's skipped it
    r = status_pipe(b'{"child-pid": \n{"child-pid": 4242}\n')
    try:
        assert sandbox_init_pid(r) == 4242
    finally:
        os.close(r)


def test_no_status_means_the_sandbox_never_started():
    r, w = os.pipe()
    try:
        assert sandbox_init_pid(r) is None
    finally:
        os.close(r)
        os.close(w)


class VanishedGroup(WorkerGroup):
    """A group removed under the runner: every read fails."""

    def cpu_s(self) -> float:
        raise OSError("gone")

    def peak_bytes(self) -> int:
        raise OSError("gone")


class CountingGroup(WorkerGroup):
    def cpu_s(self) -> float:
        return 12.5

    def peak_bytes(self) -> int:
        return 300 << 20


def run_end(group, **kw):
    args = dict(
        lang=get_language("python"),
        limits=Limits(cpu_s=1, memory_mb=256),
        captured=Captured(),
        exit_code=None,
        sig=signal.SIGXCPU,
        wall_s=1.2,
        cpu_s=0.95,
        peak_mb=20.0,
    )
    return finish(**(args | kw), group=group, group_cpu=11.0 if group else None)


def test_an_unreadable_group_leaves_the_backends_figures_said_per_process():
    # only bwrap guarded its cgroup reads: the zygote's raised out of the run
    res = run_end(VanishedGroup())
    assert res.status == RunStatus.TIMEOUT and "per process" in res.detail
    assert (res.cpu_s, res.peak_memory_mb) == (0.95, 20.0)


def test_the_group_counts_the_whole_run_less_what_the_idle_worker_held():
    res = run_end(CountingGroup(), idle_bytes=100 << 20, sig=None, exit_code=0)
    assert res.status == RunStatus.TIMEOUT  # 1.5 s of CPU in all, over cpu_s=1
    assert "processes together" in res.detail
    assert (res.cpu_s, res.peak_memory_mb) == (1.5, 200.0)
