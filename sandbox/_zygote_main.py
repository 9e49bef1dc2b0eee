"""The zygote: runs INSIDE a long-lived bubblewrap sandbox and forks one isolated child per run.

Standalone on purpose (stdlib only, no proofloom imports): it is bound read-only into the sandbox
and started by the sandbox's own Python, with the compiled launcher (`_launcher.c`, bound beside
it; its path in argv[2]) that does each run's namespace and mount set-up and supervision without
running Python. The host side is `sandbox.zygote`.

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
[request memfd (settings, file names and sizes: see `_launcher.c`), files memfd (their bytes,
in order), stdin memfd, stdout pipe, stderr pipe, kill pipe]; A answers one JSON line (with
"error" if the set-up fails). A byte or EOF on the kill pipe makes A kill the run (output flood,
host gone). The zygote writes b"R" once at start-up when it is ready.
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
import fcntl  # noqa: F401
import functools  # noqa: F401
import gc
import heapq  # noqa: F401
import io
import itertools  # noqa: F401
import json  # noqa: F401
import math  # noqa: F401
import os
import re  # noqa: F401
import resource  # noqa: F401
import select
import signal
import socket
import string  # noqa: F401
import struct  # noqa: F401
import sys
import time  # noqa: F401
import typing  # noqa: F401
from typing import Any, NoReturn

pylibc = ctypes.PyDLL(None, use_errno=True)
pylibc.syscall.restype = ctypes.c_long

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
SCRATCH = "/tmp"
ARGS_CODEC = ("utf-8", "surrogatepass")  # sandbox.zygote encodes the argv so
PRELOAD_PATH = "/opt/proofloom/preload.json"  # sandbox.zygote binds it there
SYS_CLONE = 56  # x86_64
# a network namespace per run: runs of one worker shared the zygote's, and one run left its stdin
# in loopback TCP TIME_WAIT state for a later run to read back
RUN_NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET


class Job(ctypes.Structure):
    """What the launcher (C, `_launcher.c`) hands the program's process: its source file's name
    and argv, NUL-separated."""

    _fields_ = [("args", ctypes.c_void_p), ("args_len", ctypes.c_long)]


def clone_run() -> int:
    """fork(), except that the child starts in a new user, mount, PID, IPC and network namespace,
    as PID 1 of its PID namespace: one process is then the run's launcher, init and supervisor
    (with unshare() that took two forks, since the caller never enters the PID namespace it
    makes). -1 with errno if the kernel refuses. PyDLL keeps the GIL across the call, so the
    child resumes Python exactly where the parent was, as after fork(); the zygote is single
    threaded, so the state fork() would repair in a child (locks, thread list) is already right."""
    return int(pylibc.syscall(SYS_CLONE, RUN_NAMESPACES | signal.SIGCHLD, 0, 0, 0, 0))


def launcher(launch: Any, ctrl: socket.socket, took_w: int, failed: str | None) -> NoReturn:
    """The run's launcher, PID 1 and supervisor, in C (`_launcher.c`, called with the GIL held:
    no other thread exists): makes its namespaces ready, takes one request (telling the zygote on
    `took_w`, so that the next launcher is made while this run goes on), mounts the run's scratch
    and writes its files, forks the program, enforces the wall clock, obeys the host's kill pipe,
    and replies only once every process of the run is gone. It returns only in the program's
    process, once that is set up (stdio, no capabilities, no_new_privs, rlimits, seccomp, no
    other fds)."""
    job = Job()
    launch(ctrl.fileno(), took_w, failed.encode() if failed else None, ctypes.byref(job))
    source_file, *argv = ctypes.string_at(job.args, job.args_len).decode(*ARGS_CODEC).split("\0")
    run_program(source_file, argv)


def run_program(source_file: str, argv: list[str]) -> NoReturn:
    """C: becomes the program (its set-up done by the launcher). Ends with os._exit, after the
    interpreter-exit steps a fresh `python main.py` would take (excepthook, non-daemon threads,
    atexit, flush)."""
    fresh_stdio()
    main_path = os.path.join(SCRATCH, source_file)
    sys.argv = [source_file, *argv]
    sys.path[0] = SCRATCH
    module = type(sys)("__main__")
    module.__file__ = main_path
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
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


def fresh_stdio() -> None:
    """sys.stdin/stdout/stderr on fds 0, 1 and 2, as a fresh `python main.py` has them."""
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


def warm_up() -> None:
    """A trivial program's first-time work, done once here rather than in every run (codec
    lookups, the io stack, the compiler's and the method caches): each run then writes, and
    copy-on-write faults, fewer of the zygote's pages. Fixed code only, with the zygote's own
    stdio (/dev/null and its stderr file): nothing of any run is involved."""
    saved = sys.stdin, sys.stdout, sys.stderr
    fresh_stdio()
    module = type(sys)("__main__")
    module.__dict__["__builtins__"] = __builtins__
    exec(compile("print(sum(range(10)))\n", "main.py", "exec"), module.__dict__)
    sys.stdout.flush()
    sys.stdin, sys.stdout, sys.stderr = saved  # type: ignore[assignment]
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = saved  # type: ignore[misc,assignment]


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
    launch = ctypes.PyDLL(sys.argv[2], use_errno=True).pl_launch
    if os.path.exists(PRELOAD_PATH):
        preload(PRELOAD_PATH)
    warm_up()
    # Everything allocated so far is immortal for the collector: a run's garbage collections then
    # never touch (and copy-on-write fault) the zygote's pages. Free heap pages go back to the
    # kernel: each fork copies the page table entries of every resident page.
    gc.collect()
    gc.freeze()
    pylibc.malloc_trim(0)
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
                launcher(launch, ctrl, took_w, failed)
        elif a == 0:
            os.close(took_r)
            for fd in running:  # the zygote's, not the launcher's
                os.close(fd)
            launcher(launch, ctrl, took_w, None)
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
