"""The fast path for Python: pre-forked, already-isolated workers (host side).

Each worker is one long-lived bubblewrap sandbox (same root, namespaces and unprivileged slot uid as
`BwrapRunner`, but nested user namespaces allowed) running `_zygote_main.py` with common modules
pre-imported. Per run, a launcher (compiled: `_launcher.c`, no Python runs in it) cloned ahead of
time into a *fresh* user, mount, PID, IPC and network namespace (loopback only), of which it is
PID 1, mounts a fresh /proc and new tmpfs on /tmp and /dev/shm, and forks the program. The
program applies the same rlimits and seccomp filter as `BwrapRunner`, drops every capability,
sets no_new_privs and runs the source with
Python's `exec` in a fresh `__main__`: no binary is executed, so a run costs forks and a few mounts
instead of bwrap's set-up plus an interpreter start-up.

What is NOT shared between runs: files (each run's /tmp and /dev/shm are new tmpfs mounts that die
with it; the rest of the root is read-only), processes (the run's PID namespace is torn down when it
ends: daemons, orphans and zombies go with it; the program cannot even name the zygote), SysV/POSIX
IPC (new IPC namespace), sockets and their TIME_WAIT state (new network namespace), Python state
(the program runs in a copy-on-write fork; patching a module or a builtin changes only its own
copy), `random` (not pre-imported: each run seeds its own from os.urandom), capabilities (none),
kernel keyrings (refused by seccomp), request files (copied into the run by sendfile, never held in
a run process's memory).

What IS shared between runs of one worker: the read-only root; the zygote's memory image as of its
start-up (readable by every run, so it must hold no secrets -- the zygote never receives request
data, the pre-forked supervisor does); the hash seed of str/bytes (fixed per zygote, unlike a fresh
interpreter); the hostname; the slot uid (runs of one worker never overlap). Known differences from
`python main.py`: `sys.flags` and `sys.orig_argv` are the zygote's, `__main__` is a fresh module (so
pickling works as usual), `-E -s -B` semantics apply.

Each worker runs in a cgroup of its own where cgroups are writable (`sandbox.cgroups`): its runs
never overlap, so the host sets the group's memory and process limits before each run, watches
the CPU time the whole run spends while it runs (and has the launcher kill the run at `cpu_s`),
and a quota of one core keeps a run from starving another worker's.

A zygote that dies (or stops answering) is restarted on the next run; the run that found it dead
gets SANDBOX_ERROR (an infrastructure failure, never a wrong answer).
"""

from __future__ import annotations

import atexit
import errno
import json
import logging
import os
import queue
import resource
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

from sandbox.backend import SHM_MB, check_file_name, finish, memfd, sandbox_init_pid
from sandbox.bwrap import BwrapRunner, isolation_args, reap_sandbox, root_binds
from sandbox.cgroups import WorkerGroup
from sandbox.errors import SandboxConfigError, SandboxError, SandboxUnavailable
from sandbox.languages import Language, get_language
from sandbox.limits import Captured, capture, rlimits, sandbox_error
from sandbox.slots import children, own_session
from sandbox.types import Limits, RunRequest, RunResult, RunStatus

logger = logging.getLogger(__name__)
T = TypeVar("T")

ZYGOTE_PATH = "/opt/proofloom/zygote.py"
LAUNCHER_PATH = "/opt/proofloom/launcher.so"
PRELOAD_PATH = "/opt/proofloom/preload.json"
START_TIMEOUT_S = 20.0
REPLY_GRACE_S = 2.0
RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "as": resource.RLIMIT_AS,
    "nproc": resource.RLIMIT_NPROC,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
    "stack": resource.RLIMIT_STACK,
}


_preload: dict[str, str] = {}


def preload_module(name: str, source: str) -> None:
    """Have every zygote started from now on import `source` as module `name` before its first
    run: a run then finds it in `sys.modules` instead of compiling it (the function-call
    harness: ~2 ms a run). Stdlib-only code that holds no secret: every run can read it. Zygotes
    already running keep what they had, so a program must not rely on the module being there."""
    if not name.isidentifier():
        raise ValueError(f"{name=} is not a module name")
    _preload[name] = source


class _Keeper:
    """Starts zygotes from one long-lived thread: bwrap's --die-with-parent fires when the
    *thread* that forked it exits, so a zygote started from a short-lived worker thread would die
    with that thread."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="zygote-keeper", daemon=True).start()

    def _loop(self) -> None:
        while True:
            fn, box, done = self._jobs.get()
            try:
                box.append(fn())
            except BaseException as exc:  # handed back to the caller
                box.append(exc)
            done.set()

    def call(self, fn: Callable[[], T]) -> T:
        box: list = []
        done = threading.Event()
        self._jobs.put((fn, box, done))
        done.wait()
        if isinstance(box[0], BaseException):
            raise box[0]
        return cast(T, box[0])


_keeper_lock = threading.Lock()
_keeper: _Keeper | None = None


def _get_keeper() -> _Keeper:
    global _keeper
    with _keeper_lock:
        if _keeper is None:
            _keeper = _Keeper()
        return _keeper


class Zygote:
    """One pre-forking sandbox. Not thread-safe: `ZygoteRunner` hands each to one run at a time."""

    def __init__(self, base: BwrapRunner) -> None:
        self.base = base
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.uid, self._uid_fd = base.uids.lock()
        self._init_pid: int | None = None
        self._zygote_pid: int | None = None  # host pid of the zygote process itself
        self.runs = 0
        self.group: WorkerGroup | None = None
        self._idle = (0, 0)  # the idle worker's (memory bytes, pids) in its cgroup
        self._limited: Limits | None = None  # what the group's limits were last set for

    def start(self) -> None:
        script = resources.files("sandbox").joinpath("_zygote_main.py").read_bytes()
        launcher = _launcher_library()
        host_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        script_fd = memfd("zygote.py", script)
        launcher_fd = memfd("launcher.so", launcher)
        preload_fd = memfd("preload.json", json.dumps(_preload).encode())
        err_fd = memfd("zygote-stderr", b"")
        status_r, status_w = os.pipe()
        argv = [self.base.bwrap, *root_binds(self.base.python)]
        argv += isolation_args(Limits.model_validate({"scratch_mb": 1}), nested_userns=True)
        argv += ["--ro-bind-data", str(script_fd), ZYGOTE_PATH]
        argv += ["--ro-bind-data", str(launcher_fd), LAUNCHER_PATH]
        argv += ["--ro-bind-data", str(preload_fd), PRELOAD_PATH, "--remount-ro", "/"]
        argv += ["--json-status-fd", str(status_w), "--"]
        argv += [self.base.python.executable, "-E", "-s", "-B", ZYGOTE_PATH]
        argv += [str(child_sock.fileno()), LAUNCHER_PATH]
        ids: dict[str, Any] = {}
        if self.base.uids.privileged:
            ids = {"user": self.uid, "group": self.uid, "extra_groups": []}
        if self.group is None:
            owner = self.uid if self.base.uids.privileged else None
            self.group = WorkerGroup.create(f"uid{self.uid}", owner)
        if self.group is not None:
            argv = self.group.wrap(argv)
            if self.group.switches_user:  # the wrapper drops to the slot uid itself
                ids = {}

        def spawn() -> subprocess.Popen:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err_fd,
                pass_fds=[child_sock.fileno(), script_fd, launcher_fd, preload_fd, status_w],
                env={},
                start_new_session=True,
                **ids,
            )

        try:
            self.proc = _get_keeper().call(spawn)
            own_session(self.proc.pid)  # reaped by close(), not by the adopted-orphan reaper
            child_sock.close()
            os.close(status_w)
            status_w = -1
            host_sock.settimeout(START_TIMEOUT_S)
            try:
                ready = host_sock.recv(1)
            except TimeoutError:
                ready = b""
            if ready != b"R":
                detail = _tail(err_fd)
                self.sock = host_sock
                self.close()
                raise SandboxUnavailable(f"zygote did not start: {detail}")
            host_sock.settimeout(None)
            self.sock = host_sock
            self._init_pid = sandbox_init_pid(status_r)
            if self._init_pid is not None:  # before any run, the zygote is its only child
                self._zygote_pid = next(iter(children(self._init_pid)), None)
            if self.group is not None:
                self._idle = self.group.usage()
                self._limited = None  # the limits count from this worker's idle usage
        finally:
            for fd in (script_fd, launcher_fd, preload_fd, err_fd, status_r, status_w):
                if fd >= 0:
                    os.close(fd)
            if child_sock.fileno() >= 0:
                child_sock.close()
        logger.debug("zygote started as uid %d (pid %d)", self.uid, self.proc.pid)

    def own_pids(self) -> set[int]:
        """Host pids of this worker's own processes while it has no run: its bwrap, the
        sandbox's PID 1, the zygote, and the zygote's children, which are launchers: the standby
        one (cloned before the next request) and any whose run has ended and that the zygote is
        about to reap. A launcher replies only once every process of its run is gone, so a
        launcher's children after its reply, or any other process under the slot uid, are
        what a run left behind, never the runner's."""
        if self.proc is None:
            return set()
        own = {self.proc.pid}
        if self._init_pid is not None:
            own.add(self._init_pid)
        if self._zygote_pid is not None:
            own.add(self._zygote_pid)
            own.update(children(self._zygote_pid))
        return own

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            reap_sandbox(self.proc, self._init_pid, self.uid if self.base.uids.privileged else None)
            self.proc = None

    def release(self) -> None:
        self.close()
        if self.group is not None:
            self.group.remove()
        os.close(self._uid_fd)

    def run(self, request: RunRequest) -> RunResult:
        if self.sock is None:
            return sandbox_error("zygote not started")
        sock = self.sock
        limits = request.limits
        lang = get_language(request.language)
        files = {lang.source_file: request.code.encode()}
        for name, text in request.files.items():
            check_file_name(name)
            if name == lang.source_file:
                raise SandboxConfigError(f"request file {name!r} would shadow the source")
            files[name] = text.encode()
        req_fd = memfd("request", self._request(request, lang, files))
        files_fd = memfd("files", b"".join(files.values()))
        stdin_fd = memfd("stdin", request.stdin.encode())
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        kill_r, kill_w = os.pipe()  # a byte (or EOF) tells the run's init to kill the run
        group_cpu = self._limit_group(limits)
        start = time.monotonic()
        try:
            try:
                socket.send_fds(sock, [b"Q"], [req_fd, files_fd, stdin_fd, out_w, err_w, kill_r])
            except OSError as exc:
                self.close()
                return sandbox_error(f"zygote unreachable: {exc}")
            finally:
                for fd in (req_fd, files_fd, stdin_fd, out_w, err_w, kill_r):
                    os.close(fd)
            deadline = start + limits.wall_s + REPLY_GRACE_S
            cpu_used = None
            if self.group is not None and group_cpu is not None:
                group = self.group
                cpu_used = lambda: group.cpu_s() - group_cpu  # noqa: E731
            captured = capture(out_r, err_r, sock.fileno(), limits, deadline, cpu_used)
            if captured.overflow or captured.cpu_out:
                os.write(kill_w, b"K")
                _drain(out_r, err_r, captured)
            reply = self._reply(deadline + REPLY_GRACE_S)
        finally:
            for fd in (out_r, err_r, kill_w):
                os.close(fd)
        wall = time.monotonic() - start
        self.runs += 1
        if reply is None:
            self.close()
            return sandbox_error("zygote died or stopped answering during the run", wall)
        if "error" in reply:
            self.close()
            return sandbox_error(f"zygote supervisor failed: {reply['error']}", wall)
        captured.timed_out = bool(reply["timed_out"]) and not captured.overflow
        exit_code, sig = reply["exit"], reply["signal"]
        if not reply["setup_ok"]:  # the program never started: the sandbox failed, not it
            detail = captured.stderr[-500:].decode(errors="replace")
            return sandbox_error(f"run setup failed: {detail}", wall)
        return finish(
            lang=lang,
            limits=limits,
            captured=captured,
            exit_code=exit_code,
            sig=sig,
            wall_s=wall,
            cpu_s=float(reply["cpu_s"]),
            peak_mb=reply["maxrss_kb"] / 1024.0,
            group=self.group,
            group_cpu=group_cpu,
            idle_bytes=self._idle[0],
        )

    def _request(self, request: RunRequest, lang: Language, files: dict[str, bytes]) -> bytes:
        """The request memfd: a header for the C launcher (see `_launcher.c`), then the source
        file's name and argv for the program's Python side. Names and sizes only: the files'
        bytes go in their own memfd, which the launcher copies into the run in the kernel, so no
        process of the run ever holds them in memory (the harness's nonce file is read only by
        its supervisor)."""
        limits = request.limits
        program = self.base.seccomp or b""
        limit_lines = [
            f"{RLIMITS[name]} {soft} {hard}\n"
            for name, (soft, hard) in rlimits(limits, lang).items()
        ]
        head = (
            f"{limits.scratch_mb} {SHM_MB} {int(limits.wall_s * 1000)} {len(limit_lines)} "
            f"{len(files)} {len(program)}\n"
        )
        parts = [head.encode(), "".join(limit_lines).encode()]
        for name, body in files.items():
            raw = name.encode()
            parts += [f"{len(body)} {len(raw)}\n".encode(), raw]
        # no NUL in argv (RunRequest refuses one)
        args = "\0".join([lang.source_file, *request.argv]).encode("utf-8", "surrogatepass")
        return b"".join([*parts, program, args])

    def _limit_group(self, limits: Limits) -> float | None:
        """Set the worker's cgroup for this run; the group's CPU seconds so far (None without
        cgroups). Memory: the idle worker's, plus the program's limit, its scratch and /dev/shm."""
        group = self.group
        if group is None:
            return None
        try:
            # most runs repeat the last run's limits: writing them again costs each run a few
            # cgroup file writes for nothing
            if limits != self._limited:
                self._limited = None
                try:
                    group.limit(limits, SHM_MB, self._idle, helpers=2)
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        raise
                    # the last run's memory is not all given back yet (its mounts go
                    # asynchronously): the limit counts from what is still there, never unlimited
                    group.limit(limits, SHM_MB, (group.usage()[0], self._idle[1]), helpers=2)
                else:
                    self._limited = limits
            group.reset_peak()
            return group.cpu_s()
        except OSError as exc:
            logger.warning(
                "cgroup of zygote uid %d unusable (%s): per-process limits only", self.uid, exc
            )
            self.group = None
            return None

    def _reply(self, deadline: float) -> dict | None:
        if self.sock is None:
            return None
        sock = self.sock
        data = b""
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(4096)
            except (TimeoutError, OSError):
                return None
            finally:
                sock.settimeout(None)
            if not chunk:
                return None
            data += chunk
        try:
            return json.loads(data)
        except ValueError:
            return None


def _launcher_library() -> bytes:
    """The compiled launcher (`_launcher.c`), built by scripts/setup.sh: refused when older than
    its source, whose protocol may have changed since."""
    path = Path(__file__).with_name("_launcher.so")
    source = path.with_suffix(".c")
    try:
        if source.exists() and path.stat().st_mtime < source.stat().st_mtime:
            raise SandboxUnavailable(f"{path} is older than its source: run scripts/setup.sh")
        return path.read_bytes()
    except OSError as exc:
        raise SandboxUnavailable(f"{path} is missing ({exc}): run scripts/setup.sh") from None


def _drain(out_r: int, err_r: int, captured: Captured) -> None:
    """After an overflow the run is being killed; discard what is still in the pipes so the
    writers are not blocked on a full pipe while they die."""
    for fd in (out_r, err_r):
        try:
            while os.read(fd, 65536):
                pass
        except BlockingIOError:
            pass


def _tail(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 1 << 16).decode(errors="replace").strip()[-1000:]


_live: weakref.WeakSet[ZygoteRunner] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """At interpreter exit, kill and reap every zygote sandbox. Left to --die-with-parent, their
    bwrap processes would become zombies of the host's init, counted against their slot uid until
    init gets round to reaping them."""
    for runner in list(_live):
        runner.close()


class ZygoteRunner:
    """`Runner` with `workers` pre-forking sandboxes for Python; every other language is handed to
    a `BwrapRunner` (fresh sandbox per run). Thread-safe: concurrent runs beyond `workers` wait.
    `close()` (or the end of a `with` block, or interpreter exit) stops the workers."""

    def __init__(self, workers: int | None = None, *, base: BwrapRunner | None = None) -> None:
        self.base = base or BwrapRunner()
        self.workers = workers or os.cpu_count() or 2
        self._idle: queue.SimpleQueue[Zygote] = queue.SimpleQueue()
        self._all: list[Zygote] = []
        self._closed = False
        _live.add(self)
        for _ in range(self.workers):
            z = Zygote(self.base)
            self._all.append(z)
            try:
                z.start()
            except BaseException:
                self.close()
                raise
            self._idle.put(z)
        probe = self.run(RunRequest(code="print(6 * 7)"))
        if probe.status != RunStatus.OK or probe.stdout != "42\n":
            self.close()
            raise SandboxUnavailable(f"zygote self-test failed: {probe.status} {probe.detail}")

    def run(self, request: RunRequest) -> RunResult:
        if get_language(request.language).name != "python":
            return self.base.run(request)
        if self._closed:
            raise SandboxError("this ZygoteRunner is closed")
        z = self._idle.get()
        try:
            if not z.alive():
                z.close()
                try:
                    z.start()
                except SandboxUnavailable as exc:
                    return sandbox_error(str(exc))
            return z.run(request)
        finally:
            self._idle.put(z)

    def own_pids(self) -> set[int]:
        """The host pids of every worker's own processes between runs (`Zygote.own_pids`): what a
        host check must not count as left behind by a run. Only meaningful while no run is in
        flight."""
        return set().union(*(z.own_pids() for z in self._all))

    def close(self) -> None:
        self._closed = True
        for z in self._all:
            z.release()
        self._all.clear()

    def __enter__(self) -> ZygoteRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
