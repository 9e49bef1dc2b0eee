"""Limits that every backend shares: rlimits, bounded output capture, and how a run is classified.

Output capture reads stdout and stderr *concurrently* (one selector, no threads) so a program that
fills one pipe never blocks on it, keeps at most `Limits.output_bytes` per stream, and reports
`overflow` the moment a stream exceeds it so the caller can kill the run (the host's memory never
holds more than ~2x the cap). A pidfd in the same selector tells when the process has exited, so a
program that closes its stdout and keeps spinning is still timed out.

Memory: RLIMIT_AS bounds each process's address space, and a run may have `processes` of them;
files it writes live in its tmpfs scratch (`scratch_mb`) and /dev/shm (16 MB), which no rlimit
counts; SysV shared memory, message queues and memfds, which no rlimit counts either, are refused
by seccomp. On the zygote path a cgroup per worker (`sandbox.cgroups`, where cgroups are
writable) bounds the whole run to memory_mb + scratch_mb + 16 MB (+ 32 MB for its launcher) and
counts its CPU time across processes; per-run bwrap (other languages) and machines without
writable cgroups have the per-process bound: processes x memory_mb + scratch_mb + 16 MB.

CPU: where the run has a cgroup (`sandbox.cgroups`, both runners), `capture` reads the group's CPU
usage every `CPU_POLL_S` while the run goes on and stops the run once its processes together have
used `cpu_s`; the caller then kills the whole run. A cgroup's `cpu.max` (v2) or CFS quota (v1) is a
rate, not a budget, so polling is what makes `cpu_s` a bound. The run's total CPU time is then at
most `cpu_s + CPU_SLACK_S`: between two polls a run can spend one poll interval on every core it
reaches (the group's one-core quota caps that burst at one CFS period, 0.1 s), plus the time the
kill takes to land (`KILL_LATENCY_S`). Without writable cgroups nothing counts the run as a whole:
RLIMIT_CPU (`cpu_s` rounded up, SIGKILL one second later) holds per process, and the run may have
`processes` of them at once, so it can spend up to processes x (ceil(cpu_s) + 1) CPU seconds
before the wall clock stops it; such a run's CPU verdicts say so in their `detail`.

Classification rules (first match wins), stated here because the verifier relies on them:
1. the sandbox itself failed before the program started          -> SANDBOX_ERROR
2. the wall clock ran out (we killed the run)                      -> TIMEOUT
3. a stream went over `output_bytes` (we killed the run)           -> OUTPUT_LIMIT
4. CPU time of the run's processes together >= the CPU limit       -> TIMEOUT
   (or the CPU watch above stopped the run)
5. exit code 0                                                     -> OK
6. SIGXCPU or SIGKILL, with CPU time >= 80% of the CPU limit       -> TIMEOUT
7. a language OOM marker (e.g. `MemoryError`) in the last 4 KiB of
   stderr, or death by SIGSEGV/SIGABRT/SIGKILL/SIGBUS with peak
   memory >= 90% of the limit                                       -> MEMORY_LIMIT
8. anything else                                                   -> RUNTIME_ERROR
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.languages import COMPILE_ERROR_EXIT, Language
from sandbox.types import Limits, RunResult, RunStatus

_CHUNK = 65536
CPU_POLL_S = 0.02  # how often a run's cgroup CPU usage is read while it runs
KILL_LATENCY_S = 0.1  # from a poll that finds the budget spent to the run's last process dead
_CFS_PERIOD_S = 0.1  # the run's group may use one core per period, in a burst on every core
CPU_SLACK_S = min((os.cpu_count() or 1) * CPU_POLL_S, _CFS_PERIOD_S + CPU_POLL_S) + KILL_LATENCY_S
_OOM_SIGNALS = {signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL, signal.SIGBUS}


PER_PROCESS_CPU = "per process (no run cgroup here: processes x that in all)"


def rlimits(limits: Limits, lang: Language) -> dict[str, tuple[int, int]]:
    """prlimit-style resource name -> (soft, hard). The hard CPU limit is one second above the
    soft one: SIGXCPU first (catchable, reported as TIMEOUT), then SIGKILL."""
    cpu = max(1, int(limits.cpu_s + 0.999))
    return {
        "cpu": (cpu, cpu + 1),
        "as": (lang.address_space_bytes(limits),) * 2,
        "nproc": (limits.processes,) * 2,
        "fsize": (limits.file_size_mb << 20,) * 2,
        "nofile": (limits.open_files,) * 2,
        "core": (0, 0),
        "stack": (min(64, limits.memory_mb) << 20,) * 2,
    }


def prlimit_argv(limits: Limits, lang: Language) -> list[str]:
    args = ["/usr/bin/prlimit"]
    args += [f"--{name}={soft}:{hard}" for name, (soft, hard) in rlimits(limits, lang).items()]
    return [*args, "--"]


@dataclass(slots=True)
class Captured:
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    overflow: bool = False
    timed_out: bool = False
    exited: bool = False
    cpu_out: bool = False  # the run's processes together used their CPU time (cpu_used)


def capture(
    stdout_fd: int,
    stderr_fd: int,
    exit_fd: int | None,
    limits: Limits,
    deadline: float,
    cpu_used: Callable[[], float] | None = None,
) -> Captured:
    """Read both streams until both hit EOF (and `exit_fd` -- a pidfd or a result socket -- is
    readable), the deadline passes, a stream overflows, or `cpu_used()` (the CPU seconds of the
    whole run so far, read every `CPU_POLL_S`) reaches `limits.cpu_s`. Never blocks past the
    deadline. A `cpu_used` that raises OSError is not asked again (the run keeps its rlimits)."""
    out = Captured()
    next_poll = time.monotonic() + CPU_POLL_S
    cap = limits.output_bytes
    sel = selectors.DefaultSelector()
    buffers = {stdout_fd: "stdout", stderr_fd: "stderr"}
    for fd in buffers:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    if exit_fd is not None:
        sel.register(exit_fd, selectors.EVENT_READ)
    open_streams = set(buffers)
    try:
        while open_streams or (exit_fd is not None and not out.exited):
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                out.timed_out = True
                break
            if cpu_used is not None:
                if now >= next_poll:
                    try:
                        out.cpu_out = cpu_used() >= limits.cpu_s
                    except OSError:
                        cpu_used = None
                    if out.cpu_out:
                        break
                    next_poll = now + CPU_POLL_S
                remaining = min(remaining, max(0.0, next_poll - now))
            for key, _ in sel.select(remaining):
                fd = key.fd
                if fd == exit_fd:
                    out.exited = True
                    sel.unregister(fd)
                    continue
                try:
                    chunk = os.read(fd, _CHUNK)
                except BlockingIOError:
                    continue
                except OSError as exc:  # EIO and friends: treat as EOF
                    if exc.errno != errno.EAGAIN:
                        chunk = b""
                    else:
                        continue
                if not chunk:
                    open_streams.discard(fd)
                    sel.unregister(fd)
                    continue
                name = buffers[fd]
                buf: bytearray = getattr(out, name)
                room = cap - len(buf)
                if len(chunk) > room:
                    buf += chunk[: max(room, 0)]
                    setattr(out, f"{name}_truncated", True)
                    out.overflow = True
                else:
                    buf += chunk
            if out.overflow:
                break
    finally:
        sel.close()
    return out


def decode(data: bytes | bytearray) -> str:
    # Invalid UTF-8 from a program is its output, not a sandbox failure.
    return bytes(data).decode("utf-8", errors="replace")


def split_wait_status(status: int) -> tuple[int | None, int | None]:
    """(exit_code, signal) from a wait status, treating the shell/bwrap convention 128+N as
    death by signal N (bwrap's init reports a signalled child that way)."""
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    code = os.waitstatus_to_exitcode(status)
    if 128 < code < 128 + 65:
        return None, code - 128
    return code, None


def classify(
    *,
    lang: Language,
    limits: Limits,
    captured: Captured,
    exit_code: int | None,
    sig: int | None,
    cpu_s: float,
    peak_mb: float,
    whole_run: bool = True,
) -> tuple[RunStatus, str]:
    """`whole_run`: `cpu_s` and `peak_mb` count every process of the run (its cgroup); False
    where only per-process limits held, which the CPU verdicts then say."""
    if captured.timed_out:
        return RunStatus.TIMEOUT, f"wall clock limit {limits.wall_s:g} s"
    if captured.overflow:
        return RunStatus.OUTPUT_LIMIT, f"output over {limits.output_bytes} bytes"
    if captured.cpu_out or cpu_s >= limits.cpu_s:
        return (
            RunStatus.TIMEOUT,
            f"CPU time limit {limits.cpu_s:g} s (the run's processes together)",
        )
    if exit_code == 0:
        return RunStatus.OK, ""
    # rusage CPU time is tick-sampled and can read ~15% low under load, hence the 0.8 factor
    # A timeout only when the measured CPU time reached the limit: a program can exit with
    # 152 (= 128 + SIGXCPU, bwrap's way of reporting that signal) or send SIGXCPU itself.
    if sig in (signal.SIGXCPU, signal.SIGKILL) and cpu_s >= 0.8 * limits.cpu_s:
        if not whole_run:
            return RunStatus.TIMEOUT, f"CPU time limit {limits.cpu_s:g} s {PER_PROCESS_CPU}"
        return RunStatus.TIMEOUT, f"CPU time limit {limits.cpu_s:g} s"
    tail = decode(captured.stderr[-4096:])
    if any(marker in tail for marker in lang.oom_markers):
        return RunStatus.MEMORY_LIMIT, "out of memory"
    if sig in _OOM_SIGNALS and peak_mb >= 0.9 * limits.memory_mb:
        return RunStatus.MEMORY_LIMIT, f"killed by signal {sig} at peak {peak_mb:.0f} MB"
    if exit_code == COMPILE_ERROR_EXIT and lang.source_file.endswith((".c", ".cpp")):
        return RunStatus.RUNTIME_ERROR, "compile error"
    if sig is not None:
        return RunStatus.RUNTIME_ERROR, f"killed by signal {sig}"
    return RunStatus.RUNTIME_ERROR, f"exit code {exit_code}"


def result(
    *,
    status: RunStatus,
    detail: str,
    captured: Captured,
    exit_code: int | None,
    sig: int | None,
    wall_s: float,
    cpu_s: float,
    peak_mb: float,
) -> RunResult:
    return RunResult(
        status=status,
        exit_code=exit_code,
        signal=sig,
        stdout=decode(captured.stdout),
        stderr=decode(captured.stderr),
        stdout_truncated=captured.stdout_truncated,
        stderr_truncated=captured.stderr_truncated,
        wall_s=wall_s,
        cpu_s=cpu_s,
        peak_memory_mb=peak_mb,
        detail=detail,
    )


def sandbox_error(detail: str, wall_s: float = 0.0) -> RunResult:
    return RunResult(status=RunStatus.SANDBOX_ERROR, detail=detail, wall_s=wall_s)
