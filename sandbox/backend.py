"""What every sandbox backend shares around a run, kept once so that they cannot drift apart: what
the program sees (its uid, its scratch directory, its environment, the /dev/shm size), the check of
a request's file names, the bubblewrap status line the bwrap and zygote backends both read, and the
end-of-run accounting that turns what a backend measured into a `RunResult`.

The accounting is where the backends used to differ: each had its own tail, and only bwrap guarded
its cgroup reads (a group removed under a zygote worker raised out of the run). `finish` reads the
run's cgroup, if it has one, for the CPU time and peak memory of every process of the run, falls
back to what the backend measured itself where the group cannot be read, and says which it was
(`classify(whole_run=...)`); the rules that turn those figures into a status are `sandbox.limits`'.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePosixPath

from sandbox.cgroups import WorkerGroup
from sandbox.errors import SandboxConfigError
from sandbox.languages import Language
from sandbox.limits import Captured, classify, result
from sandbox.types import Limits, RunResult

SANDBOX_UID = 65534  # the uid (and gid) the program sees inside
SCRATCH = "/tmp"  # the run's own tmpfs: cwd, $HOME and $TMPDIR
SHM_MB = 16
ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": SCRATCH,
    "TMPDIR": SCRATCH,
    "LANG": "C.UTF-8",
}


def check_file_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or name.startswith("-"):
        raise SandboxConfigError(f"request file name {name!r} must be a plain relative path")
    return path


def memfd(name: str, data: bytes) -> int:
    """An anonymous in-memory file: stdin and request files reach a sandbox without touching disk
    and without a pipe that could fill up."""
    # the name is only a label in /proc/*/fd, and the kernel refuses one over 249 bytes (EINVAL),
    # which a request file's path may be
    fd = os.memfd_create(name.encode()[:249].decode(errors="ignore"), os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def sandbox_init_pid(status_r: int) -> int | None:
    """bwrap writes `{"child-pid": N, ...}` to --json-status-fd once the sandbox is set up: N is
    the host pid of the sandbox's PID 1. None means the sandbox never started. A line that is not
    JSON is skipped, not taken as the end: a later line may still name the child."""
    os.set_blocking(status_r, False)
    try:
        data = os.read(status_r, 65536)
    except BlockingIOError:
        return None
    for line in data.decode(errors="replace").splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("child-pid"), int):
            return doc["child-pid"]
    return None


def finish(
    *,
    lang: Language,
    limits: Limits,
    captured: Captured,
    exit_code: int | None,
    sig: int | None,
    wall_s: float,
    cpu_s: float,
    peak_mb: float,
    group: WorkerGroup | None = None,
    group_cpu: float | None = None,
    idle_bytes: int = 0,
    whole_run: bool = False,
) -> RunResult:
    """The run's result from what the backend measured (`cpu_s`, `peak_mb`: the program's own
    rusage, or 0 where it has none; `whole_run`: they already count every process of the run,
    as a container's cgroup does) and, where the run has a worker cgroup, what the group counted
    since the run began (`group_cpu`: its CPU seconds then; `idle_bytes`: memory the worker held
    idle, not the run's). A group that cannot be read leaves the backend's figures, said as per
    process."""
    whole_run = whole_run or (group is not None and group_cpu is not None)
    if group is not None and group_cpu is not None:
        try:  # every process of the run, orphans and setsid()'d ones included
            cpu_s = max(cpu_s, group.cpu_s() - group_cpu)
            peak_mb = max(peak_mb, (group.peak_bytes() - idle_bytes) / (1 << 20))
        except OSError:
            whole_run = False
    status, detail = classify(
        lang=lang,
        limits=limits,
        captured=captured,
        exit_code=exit_code,
        sig=sig,
        cpu_s=cpu_s,
        peak_mb=peak_mb,
        whole_run=whole_run,
    )
    return result(
        status=status,
        detail=detail,
        captured=captured,
        exit_code=exit_code,
        sig=sig,
        wall_s=wall_s,
        cpu_s=cpu_s,
        peak_mb=peak_mb,
    )
