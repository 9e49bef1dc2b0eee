"""Host user ids for sandboxes: one unprivileged uid per concurrent run, and a sweep that kills
whatever still runs under it.

Why not one shared `nobody`: RLIMIT_NPROC is counted per real uid (on kernels before 5.14 across the
whole host; on newer kernels per user namespace *and* again at the host level), so a fork bomb in
one run would make a correct program in a parallel run fail to start a thread. Why not root with
bwrap's `--uid`: the sandbox user then maps to host root (it could read /etc/shadow).

Default range: host uids 64100..64355, unused on Debian (no passwd entries; uids that do have one
are skipped). When the service does not run as root it cannot switch uid: every slot is then the
service's own uid (bubblewrap is still unprivileged; the per-namespace process count still applies).
"""

from __future__ import annotations

import ctypes
import logging
import os
import pwd
import queue
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

DEFAULT_UIDS = range(64100, 64356)
_PR_SET_CHILD_SUBREAPER = 36


class UidPool:
    """A blocking pool of host uids; `acquire()` hands one out for the duration of a run."""

    def __init__(self, uids: range | list[int] = DEFAULT_UIDS) -> None:
        self.privileged = os.geteuid() == 0
        if self.privileged:
            free = [uid for uid in uids if not _has_passwd_entry(uid)]
            if not free:
                raise ValueError(f"{uids=} has no uid without a passwd entry")
        else:
            free = [os.getuid()] * len(uids)
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        for uid in free:
            self._queue.put(uid)
        self.size = len(free)

    @contextmanager
    def acquire(self) -> Iterator[int]:
        uid = self._queue.get()
        try:
            yield uid
        finally:
            self._queue.put(uid)


def _has_passwd_entry(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def set_child_subreaper() -> None:
    """Become the reaper of orphaned descendants. bwrap's outer process exits as soon as the
    program's status is known, orphaning the sandbox's PID 1; without a subreaper that zombie goes
    to the host's init (which, in containers, may never reap it) and keeps counting against the slot
    uid's process limit. As subreaper we wait for it ourselves, and get its rusage (CPU time and
    peak memory of the whole run) in the bargain. Side effect: orphans of *any* child of this
    process are reparented to it; `kill_uid` reaps those of slot uids."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def pids_of_uid(uid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(name))
                        break
        except OSError:
            continue
    return pids


def kill_uid(uid: int, timeout_s: float = 2.0) -> int:
    """SIGKILL every host process whose real uid is `uid` until none is left; returns how many
    were found on the first pass. Only sensible for a slot uid nothing else uses."""
    if uid == 0 or uid == os.getuid():
        raise ValueError(f"{uid=} is not a sandbox slot uid")
    deadline = time.monotonic() + timeout_s
    first = None
    while True:
        pids = pids_of_uid(uid)
        if first is None:
            first = len(pids)
        if not pids:
            return first
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, os.WNOHANG)  # a zombie we inherited as subreaper
            except (ProcessLookupError, ChildProcessError):
                pass
        if time.monotonic() > deadline:
            logger.error("uid %d: %d processes survive SIGKILL", uid, len(pids))
            return first
        time.sleep(0.002)
