"""The bubblewrap backend: one fresh `bwrap` sandbox per run.

What a run sees:
- a read-only root made of /usr (plus the /bin, /lib* symlinks or binds), the dynamic linker cache
  and /etc/alternatives, nothing else of /etc (no passwd, shadow, ssl keys), no /root, /home, /work
  or host /tmp;
- a fresh size-limited tmpfs at /tmp that is cwd and $HOME and holds the source and request files,
  a small tmpfs at /dev/shm, a read-only minimal /dev, a fresh /proc of its own PID namespace;
- every namespace unshared (user, pid, net, ipc, uts, cgroup, mount): no network at all; no
  capabilities; no nested user namespaces; a new session (no terminal to inject into);
- an environment of PATH, HOME, TMPDIR and LANG only;
- rlimits (see `sandbox.limits.rlimits`) applied by prlimit right before the program;
- a seccomp filter (`sandbox.seccomp`) refusing ptrace, new user namespaces, keyrings, bpf, ...

bwrap is started as an unprivileged host uid from `sandbox.slots.UidPool` (one per concurrent run),
never as root. The wall clock is enforced here: on timeout or output flood the outer bwrap is
killed; `--die-with-parent` makes its PID-1 die with it, which kills every process of the run's PID
namespace, and the slot's uid is then swept (`kill_uid`) so nothing outlives the run. Every child is
reaped with wait4, whose rusage gives CPU time and peak RSS of the process tree; where the slot has
a cgroup its CPU usage is watched while the run goes on, and the run is killed at `cpu_s`.
"""

from __future__ import annotations

import logging
import os
import resource
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path, PurePosixPath
from typing import Any

from sandbox import seccomp
from sandbox.backend import (
    ENV,
    SANDBOX_UID,
    SCRATCH,
    SHM_MB,
    check_file_name,
    finish,
    memfd,
    sandbox_init_pid,
)
from sandbox.cgroups import WorkerGroup
from sandbox.errors import SandboxConfigError, SandboxUnavailable
from sandbox.languages import Language, PythonInstall, find_python, get_language
from sandbox.limits import capture, prlimit_argv, sandbox_error, split_wait_status
from sandbox.slots import UidPool, disown_session, kill_uid, own_session, set_child_subreaper
from sandbox.types import Limits, RunRequest, RunResult, RunStatus

logger = logging.getLogger(__name__)

_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives")
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def root_binds(python: PythonInstall) -> list[str]:
    """bwrap arguments for the minimal read-only root (merged-/usr aware)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for path in _ROOT_LINKS:
        p = Path(path)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), path]
        elif p.is_dir():
            args += ["--ro-bind", path, path]
    for path in _ETC:
        args += ["--ro-bind-try", path, path]
    for path in python.extra_ro_binds:
        args += ["--ro-bind", path, path]
    return args


def isolation_args(limits: Limits, *, nested_userns: bool = False) -> list[str]:
    """Namespaces, mounts and environment common to the per-run and the pre-forked sandboxes."""
    args = ["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    args += ["--cap-drop", "ALL", "--hostname", "sandbox"]
    if not nested_userns:
        args += ["--disable-userns"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # bwrap cannot cap a tmpfs's inodes (the zygote's mounts say nr_inodes): a flood of empty
    # files costs kernel memory, not scratch bytes, and the run's memory cgroup bounds it
    args += ["--size", str(limits.scratch_mb << 20), "--tmpfs", SCRATCH]
    args += ["--size", str(SHM_MB << 20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    args += ["--chdir", SCRATCH, "--clearenv"]
    for key, value in ENV.items():
        args += ["--setenv", key, value]
    args += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    return args


class BwrapRunner:
    """`Runner` backed by one bubblewrap sandbox per run. Thread-safe; at most `pool.size`
    concurrent runs (further callers wait for a free uid slot)."""

    def __init__(
        self,
        *,
        bwrap: str | None = None,
        uids: UidPool | None = None,
        use_seccomp: bool = True,
        probe: bool = True,
    ) -> None:
        found = bwrap or shutil.which("bwrap")
        if not found:
            raise SandboxUnavailable("bubblewrap (bwrap) is not installed; run scripts/setup.sh")
        if not Path("/usr/bin/prlimit").exists():
            raise SandboxUnavailable("/usr/bin/prlimit (util-linux) is missing")
        self.bwrap = found
        self.python = find_python()
        self.uids = uids or UidPool()
        self.seccomp = seccomp.program() if use_seccomp else None
        self._root = root_binds(self.python)
        self._groups: dict[int, WorkerGroup | None] = {}  # per uid slot: its runs never overlap
        set_child_subreaper()
        if probe:  # fail here, clearly, rather than on every run (e.g. no user namespaces)
            res = self.run(RunRequest(code="print(6 * 7)"))
            if res.status != RunStatus.OK or res.stdout != "42\n":
                detail = res.detail or res.stderr.strip()[-300:]
                raise SandboxUnavailable(f"bubblewrap self-test failed ({res.status}): {detail}")

    def own_pids(self) -> set[int]:
        """Host pids of this runner's own processes between runs: none, each sandbox is reaped
        before its run returns (see `ZygoteRunner.own_pids`)."""
        return set()

    def _argv(
        self,
        req: RunRequest,
        lang: Language,
        fds: list[tuple[int, str]],
        status_fd: int,
        seccomp_fd: int | None,
    ) -> list[str]:
        args = [self.bwrap, *self._root, *isolation_args(req.limits)]
        if seccomp_fd is not None:
            args += ["--seccomp", str(seccomp_fd)]
        for fd, dest in fds:
            parent = PurePosixPath(dest).parent
            if str(parent) != SCRATCH:
                args += ["--dir", str(parent)]
            args += ["--file", str(fd), dest]
        # bwrap's root is a tmpfs the sandbox user owns: read-only, or /etc, /root... are writable
        args += ["--remount-ro", "/", "--json-status-fd", str(status_fd), "--"]
        args += prlimit_argv(req.limits, lang)
        return args + lang.argv(req.limits, req.argv, self.python.executable)

    def run(self, request: RunRequest) -> RunResult:
        lang = get_language(request.language)
        files = {name: check_file_name(name) for name in request.files}
        if lang.source_file in request.files:
            raise SandboxConfigError(f"request file {lang.source_file!r} would shadow the source")
        opened: list[int] = []
        try:
            sources = [(lang.source_file, request.code)] + list(request.files.items())
            fds = []
            for name, text in sources:
                fd = memfd(name, text.encode())
                opened.append(fd)
                fds.append((fd, f"{SCRATCH}/{files.get(name, name)}"))
            stdin_fd = memfd("stdin", request.stdin.encode())
            opened.append(stdin_fd)
            status_r, status_w = os.pipe()
            opened += [status_r, status_w]
            seccomp_fd = None
            if self.seccomp is not None:
                seccomp_fd = memfd("seccomp", self.seccomp)
                opened.append(seccomp_fd)
            with self.uids.acquire() as uid:
                argv = self._argv(request, lang, fds, status_w, seccomp_fd)
                pass_fds = [status_w] + [fd for fd, _ in fds]
                if seccomp_fd is not None:
                    pass_fds.append(seccomp_fd)
                return self._execute(argv, request.limits, lang, uid, stdin_fd, pass_fds, status_r)
        finally:
            for fd in opened:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _execute(
        self,
        argv: list[str],
        limits: Limits,
        lang: Language,
        uid: int,
        stdin_fd: int,
        pass_fds: list[int],
        status_r: int,
    ) -> RunResult:
        ids: dict[str, Any] = {}
        if self.uids.privileged:
            ids = {"user": uid, "group": uid, "extra_groups": []}
        group, group_cpu = self._group(uid, limits)
        if group is not None:
            argv = group.wrap(argv)
            if group.switches_user:  # the wrapper drops to the slot uid itself
                ids = {}
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=stdin_fd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=pass_fds,
                env={},
                start_new_session=True,
                **ids,
            )
        except OSError as exc:
            return sandbox_error(f"cannot start bwrap: {exc}")
        own_session(proc.pid)  # we reap its processes ourselves, not the adopted-orphan reaper
        try:
            return self._finish(proc, limits, lang, uid, group, group_cpu, status_r, start)
        finally:
            disown_session(proc.pid)

    def _finish(
        self,
        proc: subprocess.Popen,
        limits: Limits,
        lang: Language,
        uid: int,
        group: WorkerGroup | None,
        group_cpu: float | None,
        status_r: int,
        start: float,
    ) -> RunResult:
        assert proc.stdout is not None and proc.stderr is not None
        pidfd = os.pidfd_open(proc.pid)
        cpu_used = None
        if group is not None and group_cpu is not None:
            cpu_used = lambda: group.cpu_s() - group_cpu  # noqa: E731
        try:
            captured = capture(
                proc.stdout.fileno(),
                proc.stderr.fileno(),
                pidfd,
                limits,
                start + limits.wall_s,
                cpu_used,
            )
            killed = captured.timed_out or captured.overflow or captured.cpu_out
            if killed:
                _kill(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            init_pid = sandbox_init_pid(status_r)
            if init_pid is not None:
                usage = _reap_init(init_pid) or usage
        finally:
            os.close(pidfd)
            proc.stdout.close()
            proc.stderr.close()
        wall = time.monotonic() - start
        if killed and self.uids.privileged:
            kill_uid(uid)
        started = init_pid is not None
        exit_code, sig = split_wait_status(status)
        if not started and not captured.timed_out:
            detail = captured.stderr.decode(errors="replace").strip()[-500:]
            return sandbox_error(f"bwrap failed to set up the sandbox: {detail}", wall)
        return finish(
            lang=lang,
            limits=limits,
            captured=captured,
            exit_code=exit_code,
            sig=sig,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_mb=usage.ru_maxrss / 1024.0,
            group=group,
            group_cpu=group_cpu,
        )

    def _group(self, uid: int, limits: Limits) -> tuple[WorkerGroup | None, float | None]:
        """The uid slot's cgroup, limited for this run, and its CPU seconds so far; (None, None)
        where cgroups are not writable."""
        if uid not in self._groups:
            owner = uid if self.uids.privileged else None
            self._groups[uid] = WorkerGroup.create(f"run-uid{uid}", owner)
        group = self._groups[uid]
        if group is None:
            return None, None
        try:
            group.limit(limits, SHM_MB)
            group.reset_peak()
            return group, group.cpu_s()
        except OSError as exc:
            logger.warning("cgroup of uid %d unusable (%s): per-process limits only", uid, exc)
            self._groups[uid] = None
            return None, None


def reap_sandbox(proc: subprocess.Popen, init_pid: int | None, uid: int | None) -> None:
    """Kill a bwrap sandbox and everything in it, and reap the outer bwrap and its PID 1."""
    _kill(proc.pid)
    proc.wait()
    if init_pid is not None:
        _reap_init(init_pid)
    if uid is not None:
        kill_uid(uid)
    disown_session(proc.pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap_init(pid: int, grace_s: float = 2.0) -> resource.struct_rusage | None:
    """Wait for the orphaned sandbox PID 1 (we are its subreaper) and return its rusage, which
    includes every process of the run it reaped. Kills it if it lingers past `grace_s`."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return None
    try:
        if not select.select([pidfd], [], [], grace_s)[0]:
            _kill(pid)
        return os.wait4(pid, 0)[2]
    except ChildProcessError:  # not reparented to us (no subreaper) or already reaped
        return None
    finally:
        os.close(pidfd)
