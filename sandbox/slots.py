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
import fcntl
import logging
import os
import pwd
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.errors import SandboxConfigError

logger = logging.getLogger(__name__)

DEFAULT_UIDS = range(64100, 64356)
# root-only /run when we are root: a lock dir in world-writable /tmp could be pre-created (or
# symlinked) by another local user to hold our uids hostage
LOCK_DIR = "/run/proofloom-sandbox-uids" if os.geteuid() == 0 else "/tmp/proofloom-sandbox-uids"
_PR_SET_CHILD_SUBREAPER = 36


class UidPool:
    """Hands out host uids for the duration of a run, exclusive across threads *and processes*.

    Exclusivity is an flock on `LOCK_DIR/<uid>.lock` (released by the kernel if the holder dies),
    because two services -- or two pytest workers -- each with their own pool must never share a
    uid: they would share its process limit, and `kill_uid` of one would kill the other's run.
    """

    def __init__(self, uids: range | list[int] = DEFAULT_UIDS, lock_dir: str = LOCK_DIR) -> None:
        self.privileged = os.geteuid() == 0
        if self.privileged:
            self.uids = [uid for uid in uids if not _has_passwd_entry(uid)]
            if not self.uids:
                raise ValueError(f"{uids=} has no uid without a passwd entry")
            os.makedirs(lock_dir, mode=0o700, exist_ok=True)
            st = os.lstat(lock_dir)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
                raise SandboxConfigError(f"{lock_dir} must be a directory owned by root, mode 700")
        else:
            self.uids = [os.getuid()]
        self.lock_dir = lock_dir
        self.size = len(self.uids)
        self._next = 0
        self._mutex = threading.Lock()

    @contextmanager
    def acquire(self) -> Iterator[int]:
        if not self.privileged:
            yield self.uids[0]
            return
        uid, fd = self.lock()
        try:
            yield uid
        finally:
            os.close(fd)  # releases the flock

    def lock(self) -> tuple[int, int]:
        """(uid, fd) held until `os.close(fd)`; for long-lived sandboxes (the zygotes)."""
        if not self.privileged:
            return self.uids[0], os.open("/dev/null", os.O_RDONLY)
        delay = 0.001
        while True:
            with self._mutex:  # spread threads over the range instead of all probing uid 0
                start = self._next
                self._next = (self._next + 1) % self.size
            for i in range(self.size):
                uid = self.uids[(start + i) % self.size]
                fd = os.open(f"{self.lock_dir}/{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return uid, fd
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


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
    process are reparented to it. Those that are sandboxes (another host process that used bwrap
    was killed, say) are reaped by a thread here, every few seconds; other orphans are left to
    whoever started them (`kill_uid` reaps those of slot uids)."""
    global _reaper
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    with _sessions_lock:
        if _reaper is None or not _reaper.is_alive():
            _reaper = threading.Thread(target=_reap_forever, name="sandbox-reaper", daemon=True)
            _reaper.start()


# Sessions (the outer bwrap's pid: every bwrap is started in a session of its own, and its
# sandbox's PID 1 stays in it) whose processes this process waits for itself.
_sessions: set[int] = set()
_sessions_lock = threading.Lock()
_reaper: threading.Thread | None = None
REAP_EVERY_S = 2.0


def own_session(sid: int) -> None:
    with _sessions_lock:
        _sessions.add(sid)


def disown_session(sid: int) -> None:
    with _sessions_lock:
        _sessions.discard(sid)


def reap_adopted() -> list[int]:
    """Reap zombie children of this process that are bwrap processes of no session of ours: the
    sandboxes of a host process that died, adopted by us as subreaper. Returns their pids."""
    reaped: list[int] = []
    for pid in children(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat_line = f.read()
        except OSError:
            continue
        comm = stat_line[stat_line.find("(") + 1 : stat_line.rfind(")")]
        fields = stat_line.rsplit(")", 1)[1].split()
        with _sessions_lock:
            ours = int(fields[3]) in _sessions
        if comm == "bwrap" and fields[0] == "Z" and not ours:
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    reaped.append(pid)
            except ChildProcessError:
                pass
    return reaped


def _reap_forever() -> None:
    while True:
        time.sleep(REAP_EVERY_S)
        try:
            pids = reap_adopted()
        except Exception:  # noqa: BLE001 - a reaper that dies would let zombies pile up
            logger.exception("reaping adopted sandboxes failed")
            continue
        if pids:
            logger.info("reaped %d orphaned sandbox processes of another host process", len(pids))


def children(pid: int) -> list[int]:
    """The host pids of `pid`'s children (every thread's), [] once it is gone."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(child) for child in f.read().split()]
        except OSError:
            continue
    return found


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
