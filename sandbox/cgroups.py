"""A cgroup per zygote worker: memory, processes and CPU counted for a whole run, not per process.

RLIMIT_AS, RLIMIT_CPU and RLIMIT_NPROC are per process (or per uid), so a run that forks could
hold processes x memory_mb and spend processes x cpu_s, and 16 spinning children starved a
concurrent run on another worker. The runs of one zygote worker never overlap, so a cgroup per
worker is a cgroup per run: before each run the host sets its memory limit (the idle zygote's own
usage plus what the run may use), and reads the CPU time the group spent during the run, every
process of it included (setsid()'d children too). A CPU quota of one core per worker keeps a run
from taking a core from another worker's run.

cgroup v1 controllers as mounted on these machines (`memory`, `pids`, `cpu`, `cpuacct` under
/sys/fs/cgroup). Where they are not mounted or not writable (not root, a read-only cgroupfs),
`WorkerGroup.create` returns None and the runner says so once in the log: runs then have the
per-process limits only, as `sandbox.limits` states.
"""

from __future__ import annotations

import logging
import os
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
    """The cgroups (one per controller) of one zygote worker, owned by its slot uid."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths

    @classmethod
    def create(cls, name: str, uid: int | None) -> WorkerGroup | None:
        global _warned
        paths = {c: ROOT / c / PARENT / name for c in CONTROLLERS}
        try:
            for path in paths.values():
                path.mkdir(parents=True, exist_ok=True)
                if uid is not None:  # the worker's wrapper moves itself in as that uid
                    os.chown(path / "cgroup.procs", uid, -1)
            group = cls(paths)
            group._write("cpu", "cpu.cfs_period_us", CFS_PERIOD_US)
            group._write("cpu", "cpu.cfs_quota_us", CFS_PERIOD_US)  # one core
            return group
        except OSError as exc:
            if not _warned:
                _warned = True
                logger.warning(
                    "no per-run cgroups here (%s): memory, processes and CPU are limited per "
                    "process only",
                    exc,
                )
            for path in paths.values():
                try:
                    path.rmdir()
                except OSError:
                    pass
            return None

    def wrap(self, argv: list[str]) -> list[str]:
        """`argv` run by a shell that first moves itself into every group (so everything it
        starts is counted from its first instruction), then execs it."""
        script = 'for g in "$@"; do case $g in --) shift; break;; esac; '
        script += 'echo $$ > "$g/cgroup.procs" || exit 125; shift; done; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *map(str, self.paths.values()), "--", *argv]

    def limit(
        self, limits: Limits, shm_mb: int, held: tuple[int, int] = (0, 0), helpers: int = 4
    ) -> None:
        """Before a run: what the group may hold in all, `held` (bytes, pids: the idle worker,
        if any) plus the run's own memory, scratch, /dev/shm and slack, and its processes with
        `helpers` more (launcher and init on the zygote; shell, bwrap and its init otherwise)."""
        allowed = (limits.memory_mb + limits.scratch_mb + shm_mb + GROUP_SLACK_MB) << 20
        self._write("memory", "memory.limit_in_bytes", held[0] + allowed)
        self._write("pids", "pids.max", held[1] + limits.processes + helpers)

    def usage(self) -> tuple[int, int]:
        """(memory bytes the group cannot give back, pids in use). Page cache is left out: it is
        reclaimed under the limit, so counting it would let a run hold that much more."""
        stat = dict(line.split() for line in self._read("memory", "memory.stat").splitlines())
        held = int(stat.get("total_rss", 0)) + int(stat.get("total_shmem", 0))
        return held, int(self._read("pids", "pids.current"))

    def cpu_s(self) -> float:
        return int(self._read("cpuacct", "cpuacct.usage")) / 1e9

    def reset_peak(self) -> None:
        self._write("memory", "memory.max_usage_in_bytes", 0)

    def peak_bytes(self) -> int:
        return int(self._read("memory", "memory.max_usage_in_bytes"))

    def remove(self) -> None:
        for path in self.paths.values():
            try:
                path.rmdir()
            except OSError:
                pass  # processes still inside: they die with their sandbox

    def _write(self, controller: str, name: str, value: int) -> None:
        (self.paths[controller] / name).write_text(str(value))

    def _read(self, controller: str, name: str) -> str:
        return (self.paths[controller] / name).read_text().strip()
