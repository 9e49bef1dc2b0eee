"""The zygote: runs INSIDE a long-lived bubblewrap sandbox and forks one isolated child per run.

Standalone on purpose (stdlib only, no proofloom imports): it is bound read-only into the sandbox
and started by the sandbox's own Python. The host side is `sandbox.zygote`.

Process tree per run (pids as seen in the zygote's sandbox):

    zygote (never sees a request)
      └─ A  launcher, PID 1 of the run and its supervisor: cloned straight into a fresh user,
         │  mount, PID, IPC and network namespace (loopback up), mounts a fresh /proc, then
         │  reads one request, mounts new tmpfs at /tmp and /dev/shm, writes the files, forks C,
         │  enforces the wall clock, kills on the host's request, reaps everything, replies
         └─ C  the program: rlimits, no capabilities, no_new_privs, then exec() of the code

A replies only after every process of the run is dead (kill(-1) from PID 1 reaches exactly the
run's namespace); its mounts and IPC objects vanish with the namespaces when A exits. A is cloned
*before* the request arrives and makes its namespaces ready then; once it has its request it
tells the zygote, which clones the next A while this run goes on, so that work is off the
critical path. The zygote waits on a pidfd of each A whose run goes on and reaps it the moment it
exits: between runs its children are the standby A and, for an instant, one finishing (what the
host's `own_pids` counts as the runner's own). The zygote's memory never holds request data.

Modules to import before any run: the JSON file PRELOAD_PATH, if the host bound one (`preload`).

Protocol on the control socket (fd in argv[1]): the host sends one byte plus six fds
[request memfd (JSON: settings, file names and sizes), files memfd (their bytes, in order), stdin
memfd, stdout pipe, stderr pipe, kill pipe]; A answers one JSON line (with "error" if the set-up
fails). A byte or EOF on the kill pipe makes A kill the run (output flood, host gone). The zygote
writes b"R" once at start-up when it is ready.
"""

# Pre-imported so that runs do not pay for them (the point of the zygote). Each run gets its own
# copy-on-write copy: a run that patches one of them changes nothing for the next run. Deliberately
# NOT pre-imported: `threading` and `random`, whose at-fork hooks would run on each
# fork (measured: ~1 ms of CPU per fork for threading's), and large modules few programs
# use (decimal, fractions): every pre-imported page makes each fork dearer.
import atexit
import bisect  # noqa: F401
import collections  # noqa: F401
import ctypes
import fcntl
import functools  # noqa: F401
import gc
import heapq  # noqa: F401
import io
import itertools  # noqa: F401
import json
import math  # noqa: F401
import os
import re  # noqa: F401
import resource
import select
import signal
import socket
import string  # noqa: F401
import struct
import sys
import time
import typing  # noqa: F401
from typing import Any, NoReturn

libc = ctypes.CDLL(None, use_errno=True)
pylibc = ctypes.PyDLL(None, use_errno=True)
pylibc.syscall.restype = ctypes.c_long

# what `python main.py` starts with, to give back to the program (A drops them, see launcher)
PYTHON_HANDLERS = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ)}
CATCHABLE = [
    s
    for s in signal.valid_signals()
    if s not in (signal.SIGKILL, signal.SIGSTOP) and signal.getsignal(s) is not None
]

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 4, 24, 38, 22
SECCOMP_MODE_FILTER = 2
SYS_CAPSET = 126  # x86_64
SCRATCH = "/tmp"
PRELOAD_PATH = "/opt/proofloom/preload.json"  # sandbox.zygote binds it there
SYS_CLONE = 56  # x86_64
# a network namespace per run: runs of one worker shared the zygote's, and one run left its stdin
# in loopback TCP TIME_WAIT state for a later run to read back
RUN_NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET
RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "as": resource.RLIMIT_AS,
    "nproc": resource.RLIMIT_NPROC,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
    "stack": resource.RLIMIT_STACK,
}


def check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(
    src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    check(
        libc.mount(
            src.encode() if src else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def write_file(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def copy_in_kernel(src_fd: int, path: str, offset: int, size: int) -> None:
    """`size` bytes of `src_fd` from `offset` into a new file, by sendfile: they never pass
    through this process's memory, which every later process of the run inherits."""
    dst = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        while size > 0:
            sent = os.sendfile(dst, src_fd, offset, size)
            if sent == 0:
                raise OSError("request files ended early")
            offset += sent
            size -= sent
    finally:
        os.close(dst)


def loopback_up() -> None:
    """Bring up `lo` in the run's new network namespace, as bwrap --unshare-net does: programs
    that talk to themselves over 127.0.0.1 work; nothing else is reachable."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    finally:
        s.close()


def read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def clone_run() -> int:
    """fork(), except that the child starts in a new user, mount, PID, IPC and network namespace,
    as PID 1 of its PID namespace: one process is then the run's launcher, init and supervisor
    (with unshare() that took two forks, since the caller never enters the PID namespace it
    makes). -1 with errno if the kernel refuses. PyDLL keeps the GIL across the call, so the
    child resumes Python exactly where the parent was, as after fork(); the zygote is single
    threaded, so the state fork() would repair in a child (locks, thread list) is already right."""
    return int(pylibc.syscall(SYS_CLONE, RUN_NAMESPACES | signal.SIGCHLD, 0, 0, 0, 0))


def enter_namespaces() -> None:
    """The new launcher's first steps, before its request arrives (off the critical path: the
    previous run is still going on): identity map, loopback, private mounts, its own /proc."""
    uid, gid = os.getuid(), os.getgid()
    write_file("/proc/self/setgroups", "deny")
    write_file("/proc/self/uid_map", f"{uid} {uid} 1\n")
    write_file("/proc/self/gid_map", f"{gid} {gid} 1\n")
    loopback_up()
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def mount_scratch(scratch_mb: int, shm_mb: int) -> None:
    flags = MS_NOSUID | MS_NODEV
    # nr_inodes bounds inode-fill attacks (kernel memory that no rlimit counts)
    mount("tmpfs", SCRATCH, "tmpfs", flags, f"size={scratch_mb}m,nr_inodes=16384,mode=0755")
    shm = f"size={shm_mb}m,nr_inodes=1024,mode=1777"
    mount("tmpfs", "/dev/shm", "tmpfs", flags | MS_NOEXEC, shm)


def drop_capabilities() -> None:
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # EINVAL past the last capability the kernel knows
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    check(libc.syscall(SYS_CAPSET, header, data), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(program_hex: str) -> None:
    """The host's filter (sandbox.seccomp); no_new_privs is already set."""
    code = bytes.fromhex(program_hex)
    buf = ctypes.create_string_buffer(code, len(code))
    prog = SockFprog(len(code) // 8, ctypes.addressof(buf))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "seccomp")


def launcher(ctrl: socket.socket, took_w: int, failed: str | None) -> NoReturn:
    """The run's launcher, PID 1 and supervisor: makes its namespaces ready, takes one request
    (telling the zygote on `took_w`, so that the next launcher is made while this run goes on),
    mounts the run's scratch and writes its files, forks the program, enforces the wall clock,
    obeys the host's kill pipe, and replies only once every process of the run is gone."""
    # Every catchable signal to its default: the kernel then drops what the run's processes
    # send to their PID 1 (Python's SIGINT handler let a program end its init with
    # KeyboardInterrupt, forging a SANDBOX_ERROR). The program gets Python's handlers back.
    for sig in CATCHABLE:
        signal.signal(sig, signal.SIG_DFL)
    if failed is None:
        try:
            enter_namespaces()
            # not dumpable: the program (same uid) cannot ptrace its init or read /proc/1/mem
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        except BaseException as exc:  # said in the reply to the request this launcher takes
            failed = f"namespaces: {type(exc).__name__}: {exc}"
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctrl, 16, 8)
        except OSError:
            os._exit(3)
        if not msg:
            os._exit(3)  # the host went away: the zygote exits too
        if len(fds) == 6:
            break
        for fd in fds:
            os.close(fd)
    os.write(took_w, b"T")
    os.close(took_w)
    req_fd, files_fd, stdin_fd, out_fd, err_fd, kill_fd = fds
    reply: dict[str, Any] = {"timed_out": False, "killed": False}
    try:
        if failed is not None:
            raise RuntimeError(failed)
        req = json.loads(read_all(req_fd))
        os.close(req_fd)
        mount_scratch(req["scratch_mb"], req["shm_mb"])
        offset = 0
        for name, size in req["files"]:
            path = os.path.join(SCRATCH, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            copy_in_kernel(files_fd, path, offset, size)
            offset += size
        os.close(files_fd)
        deadline = time.monotonic() + req["wall_s"]
        ready_r, ready_w = os.pipe()  # the program writes one byte once its set-up has succeeded
        c = os.fork()
        if c == 0:
            run_program(req, stdin_fd, out_fd, err_fd, ready_w)
        for fd in (stdin_fd, out_fd, err_fd, ready_w):
            os.close(fd)
        pidfd = os.pidfd_open(c)
        remaining = max(0.0, deadline - time.monotonic())
        ready = select.select([pidfd, kill_fd], [], [], remaining)[0]
        if pidfd not in ready:
            reply["killed" if ready else "timed_out"] = True
            # every process of the run at once, not C first: its children would keep burning
            # the run's CPU while C is reaped
            os.kill(-1, signal.SIGKILL)
        _, status, ru = os.wait4(c, 0)
        os.set_blocking(ready_r, False)
        try:
            reply["setup_ok"] = os.read(ready_r, 1) == b"1"
        except BlockingIOError:
            reply["setup_ok"] = False
        # the real wait status: an exit(152) is not SIGXCPU (128 + 24), whatever it looks like
        signalled = os.WIFSIGNALED(status)
        reply.update(
            exit=None if signalled else os.WEXITSTATUS(status),
            signal=os.WTERMSIG(status) if signalled else None,
            cpu_s=ru.ru_utime + ru.ru_stime,
        )
        reply["maxrss_kb"] = ru.ru_maxrss
        try:  # as PID 1, kill(-1) reaches every other process of the run (and nothing else)
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
    except BaseException as exc:  # report, never hang the host
        reply = {"error": f"init: {type(exc).__name__}: {exc}"}
    ctrl.sendall(json.dumps(reply).encode() + b"\n")
    os._exit(0)


def run_program(req: dict, stdin_fd: int, out_fd: int, err_fd: int, ready_w: int) -> NoReturn:
    """C: becomes the program. Ends with os._exit, after the interpreter-exit steps a fresh
    `python main.py` would take (excepthook, non-daemon threads, atexit, flush)."""
    try:
        for sig, handler in PYTHON_HANDLERS.items():
            signal.signal(sig, handler)
        for target, fd in ((0, stdin_fd), (1, out_fd), (2, err_fd)):
            os.dup2(fd, target)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        drop_capabilities()
        for name, (soft, hard) in req["rlimits"].items():
            resource.setrlimit(RLIMITS[name], (soft, hard))
        os.chdir(SCRATCH)
        os.umask(0o022)
        if req["seccomp"]:
            install_seccomp(req["seccomp"])
        os.write(ready_w, b"1")
        os.closerange(3, 1 << 16)  # the control socket above all: C must not forge a reply
    except BaseException as exc:
        os.write(2, f"sandbox child setup failed: {exc}\n".encode())
        os._exit(121)
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8"
    )
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8"
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    main_path = os.path.join(SCRATCH, req["source_file"])
    sys.argv = [req["source_file"], *req["argv"]]
    sys.path[0] = SCRATCH
    module = type(sys)("__main__")
    module.__file__ = main_path
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
    del req
    code = 0
    try:
        with open(main_path, "rb") as f:
            source = f.read()
        exec(compile(source, main_path, "exec"), module.__dict__)
    except SystemExit as exc:
        code = exit_status(exc)
    except BaseException as exc:
        tb = exc.__traceback__
        exc.__traceback__ = tb.tb_next if tb else None  # hide this frame: start in main
        sys.excepthook(type(exc), exc, exc.__traceback__)
        code = 1
    if "threading" in sys.modules:  # join non-daemon threads, as interpreter exit does
        try:
            sys.modules["threading"]._shutdown()
        except BaseException:
            pass
    try:
        atexit._run_exitfuncs()
    except SystemExit as exc:
        code = exit_status(exc)
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            code = code or 120
    os._exit(code)


def exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    try:
        print(exc.code, file=sys.stderr)
    except BaseException:
        pass
    return 1


def preload(path: str) -> None:
    """Import the host's preloaded modules (`sandbox.zygote.preload_module`: JSON, name ->
    source, stdlib-only and holding no secret, since every run can read them) once here, so that
    runs find them in sys.modules instead of compiling them each time."""
    with open(path, encoding="utf-8") as f:
        modules = json.load(f)
    for name, source in modules.items():
        module = type(sys)(name)
        module.__file__ = f"<preloaded {name}>"
        sys.modules[name] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)


def main() -> None:
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    if os.path.exists(PRELOAD_PATH):
        preload(PRELOAD_PATH)
    # Everything allocated so far is immortal for the collector: a run's garbage collections then
    # never touch (and copy-on-write fault) the zygote's pages.
    gc.collect()
    gc.freeze()
    assert "threading" not in sys.modules and "random" not in sys.modules, "see the imports"
    ctrl.sendall(b"R")
    running: dict[int, int] = {}  # pidfd -> pid of each launcher whose run goes on
    while True:
        took_r, took_w = os.pipe()
        a = clone_run()
        if a < 0:  # the launcher says why in its reply, once a request comes
            failed = f"clone: {os.strerror(ctypes.get_errno())}"
            a = os.fork()
            if a == 0:
                os.close(took_r)
                for fd in running:
                    os.close(fd)
                launcher(ctrl, took_w, failed)
        elif a == 0:
            os.close(took_r)
            for fd in running:  # the zygote's, not the launcher's
                os.close(fd)
            launcher(ctrl, took_w, None)
        os.close(took_w)
        wait_for_request(took_r, running)
        took = os.read(took_r, 1)  # b"T": the launcher has its request; b"": it ended first
        os.close(took_r)
        if not took:
            _, status = os.waitpid(a, 0)
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
                return
        else:
            running[os.pidfd_open(a)] = a


def wait_for_request(took_r: int, running: dict[int, int]) -> None:
    """Until the standby launcher takes a request, reap each running launcher the moment it
    ends: a finished launcher is then a zombie only between its reply and this wait, not until
    the next request (the host's checks tell the zygote's children from a run's leftovers, and
    a zombie counts against the slot uid's process limit)."""
    while True:
        ready = select.select([took_r, *running], [], [])[0]
        for fd in ready:
            if fd != took_r:
                os.waitpid(running.pop(fd), 0)
                os.close(fd)
        if took_r in ready:
            return


if __name__ == "__main__":
    main()
