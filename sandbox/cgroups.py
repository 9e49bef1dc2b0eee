"""A cgroup per zygote worker: memory, processes and CPU counted for a whole run, not per process.

RLIMIT_AS, RLIMIT_CPU and RLIMIT_NPROC are per process (or per uid), so a run that forks could
hold processes x memory_mb and spend processes x cpu_s, and 16 spinning children starved a
concurrent run on another worker. The runs of one zygote worker never overlap, so a cgroup per
worker is a cgroup per run: before each run the host sets its memory limit (the idle zygote's own
usage plus what the run may use), and watches the CPU time the group spends while the run goes
on, every process of it included (setsid()'d children too), stopping the run at its `cpu_s`
(`sandbox.limits` states the slack). A CPU quota of one core per worker keeps a run from taking a
core from another worker's run; it is a rate, not a budget, hence the watch.

Two hierarchies, one interface (`WorkerGroup`):
- cgroup v1, as mounted on these machines: `memory`, `pids`, `cpu`, `cpuacct` under
  /sys/fs/cgroup, a group per controller; the worker's wrapper shell moves itself in as its
  slot uid (v1 lets a group's owner do that).
- cgroup v2 (the unified hierarchy at /sys/fs/cgroup, as systemd sets up most machines now): one
  group with `memory`, `pids` and `cpu` enabled above it. v2 lets a process move another only
  with write access to the common ancestor's cgroup.procs, so here the wrapper starts as root,
  moves itself in, and only then drops to the slot uid (`setpriv`). The peak is read through
  one open memory.peak, which a write resets for that descriptor (Linux 6.12); older kernels
  leave the peak to the processes' own rusage.
Where neither is writable (not root, a read-only cgroupfs, v2 without those controllers),
`WorkerGroup.create` returns None and the runner says so once in the log: runs then have the
per-process limits only, as `sandbox.limits` states."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from sandbox.types import Limits

logger = logging.getLogger(__name__)

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
PARENT = "proofloom"
CFS_PERIOD_US = 100_000
GROUP_SLACK_MB = 32  # what a run needs beside its program: launcher, init, page tables
_warned = False


class WorkerGroup:
    """The cgroup(s) of one worker (a zygote or a uid slot's per-run sandboxes). `create` picks
    the hierarchy; the rest is what a runner does around each run."""

    # True: the wrapper from `wrap` drops to the slot uid itself, so spawn it as root
    switches_user = False
    _files: dict[tuple[Path, int], int]  # open control files (`_file`), set by each subclass

    @classmethod
    def create(cls, name: str, uid: int | None, root: Path = ROOT) -> WorkerGroup | None:
        """`uid`: the slot uid the group's processes run as (None: the caller's own)."""
        global _warned
        try:
            if (root / "cgroup.controllers").exists():
                return V2Group.make(root, name, uid)
            return V1Group.make(root, name, uid)
        except OSError as exc:
            if not _warned:
                _warned = True
                logger.warning(
                    "no per-run cgroups here (%s): memory, processes and CPU are limited per "
                    "process only",
                    exc,
                )
            return None

    def wrap(self, argv: list[str]) -> list[str]:
        """`argv` run by a shell that first moves itself into the group (so everything it
        starts is counted from its first instruction), then execs it."""
        raise NotImplementedError

    def limit(
        self, limits: Limits, shm_mb: int, held: tuple[int, int] = (0, 0), helpers: int = 4
    ) -> None:
        """Before a run: what the group may hold in all, `held` (bytes, pids: the idle worker,
        if any) plus the run's own memory, scratch, /dev/shm and slack, and its processes with
        `helpers` more (launcher on the zygote; shell, bwrap and its init otherwise)."""
        allowed = (limits.memory_mb + limits.scratch_mb + shm_mb + GROUP_SLACK_MB) << 20
        self._set_limits(held[0] + allowed, held[1] + limits.processes + helpers)

    def _set_limits(self, memory_bytes: int, pids: int) -> None:
        raise NotImplementedError

    def usage(self) -> tuple[int, int]:
        """(memory bytes the group cannot give back, pids in use). Page cache is left out: it is
        reclaimed under the limit, so counting it would let a run hold that much more."""
        raise NotImplementedError

    def cpu_s(self) -> float:
        raise NotImplementedError

    def reset_peak(self) -> None:
        raise NotImplementedError

    def peak_bytes(self) -> int:
        """Peak memory since `reset_peak`; 0 where the kernel cannot tell."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def _read_file(self, path: Path) -> str:
        """A control file's content, through a descriptor kept open: a control file is read
        afresh from offset 0, and a run reads several (opening each cost more than the read)."""
        return os.pread(self._file(path, os.O_RDONLY), 1 << 16, 0).decode()

    def _file(self, path: Path, mode: int) -> int:
        fd = self._files.get((path, mode))
        if fd is None:
            fd = self._files[(path, mode)] = os.open(path, mode | os.O_CLOEXEC)
        return fd

    def _close_files(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()


class V1Group(WorkerGroup):
    """cgroup v1: one group per controller, owned by the slot uid."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self._files: dict[tuple[Path, int], int] = {}  # open control files (`_file`)

    @classmethod
    def make(cls, root: Path, name: str, uid: int | None) -> V1Group:
        paths = {c: root / c / PARENT / name for c in CONTROLLERS}
        try:
            for path in paths.values():
                path.mkdir(parents=True, exist_ok=True)
                if uid is not None:  # the worker's wrapper moves itself in as that uid
                    os.chown(path / "cgroup.procs", uid, -1)
            group = cls(paths)
            group._write("cpu", "cpu.cfs_period_us", CFS_PERIOD_US)
            group._write("cpu", "cpu.cfs_quota_us", CFS_PERIOD_US)  # one core
            return group
        except OSError:
            for path in paths.values():
                try:
                    path.rmdir()
                except OSError:
                    pass
            raise

    def wrap(self, argv: list[str]) -> list[str]:
        script = 'for g in "$@"; do case $g in --) shift; break;; esac; '
        script += 'echo $$ > "$g/cgroup.procs" || exit 125; shift; done; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *map(str, self.paths.values()), "--", *argv]

    def _set_limits(self, memory_bytes: int, pids: int) -> None:
        self._write("memory", "memory.limit_in_bytes", memory_bytes)
        self._write("pids", "pids.max", pids)

    def usage(self) -> tuple[int, int]:
        stat = dict(line.split() for line in self._read("memory", "memory.stat").splitlines())
        held = int(stat.get("total_rss", 0)) + int(stat.get("total_shmem", 0))
        return held, int(self._read("pids", "pids.current"))

    def cpu_s(self) -> float:
        return int(self._read("cpuacct", "cpuacct.usage")) / 1e9

    def reset_peak(self) -> None:
        os.write(self._file(self.paths["memory"] / "memory.max_usage_in_bytes", os.O_WRONLY), b"0")

    def peak_bytes(self) -> int:
        return int(self._read("memory", "memory.max_usage_in_bytes"))

    def remove(self) -> None:
        self._close_files()
        for path in self.paths.values():
            try:
                path.rmdir()
            except OSError:
                pass  # processes still inside: they die with their sandbox

    def _write(self, controller: str, name: str, value: int) -> None:
        (self.paths[controller] / name).write_text(str(value))

    def _read(self, controller: str, name: str) -> str:
        return self._read_file(self.paths[controller] / name).strip()


V2_CONTROLLERS = ("memory", "pids", "cpu")


class V2Group(WorkerGroup):
    """cgroup v2: one group under <root>/proofloom with memory, pids and cpu enabled."""

    def __init__(self, path: Path, uid: int | None) -> None:
        self.path = path
        self.uid = uid
        self.switches_user = uid is not None
        self._peak_fd = -1  # memory.peak, opened read-write once: a write resets it for this fd
        self._files: dict[tuple[Path, int], int] = {}  # open control files (`_file`)

    @classmethod
    def make(cls, root: Path, name: str, uid: int | None) -> V2Group:
        available = set((root / "cgroup.controllers").read_text().split())
        missing = [c for c in V2_CONTROLLERS if c not in available]
        if missing:
            raise OSError(f"cgroup2 at {root} offers no {', '.join(missing)} controller")
        if uid is not None and shutil.which("setpriv") is None:
            raise OSError("setpriv (util-linux) is not installed")
        _enable_controllers(root)
        parent = root / PARENT
        parent.mkdir(exist_ok=True)
        _enable_controllers(parent)
        path = parent / name
        path.mkdir(exist_ok=True)
        try:
            (path / "cpu.max").write_text(f"{CFS_PERIOD_US} {CFS_PERIOD_US}")  # one core
            if (path / "memory.swap.max").exists():  # a run over its limit is killed, not swapped
                (path / "memory.swap.max").write_text("0")
        except OSError:
            path.rmdir()
            raise
        return cls(path, uid)

    def wrap(self, argv: list[str]) -> list[str]:
        if self.uid is None:
            script = 'echo $$ > "$1/cgroup.procs" || exit 125; shift; exec "$@"'
            return ["/bin/sh", "-c", script, "sh", str(self.path), *argv]
        script = 'echo $$ > "$1/cgroup.procs" || exit 125; u=$2; shift 2; '
        script += 'exec setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"'
        return ["/bin/sh", "-c", script, "sh", str(self.path), str(self.uid), *argv]

    def _set_limits(self, memory_bytes: int, pids: int) -> None:
        (self.path / "memory.max").write_text(str(memory_bytes))
        (self.path / "pids.max").write_text(str(pids))

    def usage(self) -> tuple[int, int]:
        text = self._read_file(self.path / "memory.stat")
        stat = dict(line.split() for line in text.splitlines())
        held = int(stat.get("anon", 0)) + int(stat.get("shmem", 0))
        return held, int(self._read_file(self.path / "pids.current"))

    def cpu_s(self) -> float:
        stat = dict(line.split() for line in self._read_file(self.path / "cpu.stat").splitlines())
        return int(stat["usage_usec"]) / 1e6

    def reset_peak(self) -> None:
        if self._peak_fd == -1:
            try:
                self._peak_fd = os.open(self.path / "memory.peak", os.O_RDWR)
            except OSError:  # before Linux 6.12 memory.peak is read-only (or absent)
                self._peak_fd = -2
        if self._peak_fd >= 0:
            try:
                os.write(self._peak_fd, b"reset")
            except OSError:
                os.close(self._peak_fd)
                self._peak_fd = -2

    def peak_bytes(self) -> int:
        if self._peak_fd < 0:
            return 0
        return int(os.pread(self._peak_fd, 64, 0))

    def remove(self) -> None:
        self._close_files()
        if self._peak_fd >= 0:
            os.close(self._peak_fd)
            self._peak_fd = -1
        try:
            self.path.rmdir()
        except OSError:
            pass  # processes still inside: they die with their sandbox


def _enable_controllers(path: Path) -> None:
    """Enable memory, pids and cpu for `path`'s children (a no-op where they already are)."""
    enabled = set((path / "cgroup.subtree_control").read_text().split())
    wanted = [f"+{c}" for c in V2_CONTROLLERS if c not in enabled]
    if wanted:
        (path / "cgroup.subtree_control").write_text(" ".join(wanted))
