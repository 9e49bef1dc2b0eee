"""The cgroup seam on both hierarchies. This machine mounts memory, pids and cpu on cgroup v1, so
v2's limits cannot be exercised here; its wrapper (move in as root, then drop to the slot uid),
its CPU accounting and its refusal without the controllers run on the real cgroup2 mount beside
them (/sys/fs/cgroup/unified), which has no controllers but does have cgroup.procs and cpu.stat."""

import logging
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from sandbox import cgroups
from sandbox.cgroups import ROOT, V1Group, V2Group, WorkerGroup

UNIFIED = ROOT / "unified"


def _is_cgroup2(path: Path) -> bool:
    return (path / "cgroup.controllers").exists() and (path / "cpu.stat").exists()


def test_the_hierarchy_mounted_here_is_the_one_used():
    if _is_cgroup2(ROOT):
        expected: type = V2Group
    elif os.access(ROOT / "memory", os.W_OK):
        expected = V1Group
    else:
        pytest.skip("no writable cgroups here")
    group = WorkerGroup.create(f"test-{uuid.uuid4().hex[:8]}", None)
    assert isinstance(group, expected)
    group.remove()


def test_cgroup2_without_the_controllers_is_refused_with_a_reason(caplog, monkeypatch):
    if not _is_cgroup2(UNIFIED):
        pytest.skip("no cgroup2 mount without controllers here")
    if {"memory", "pids", "cpu"} <= set((UNIFIED / "cgroup.controllers").read_text().split()):
        pytest.skip("this cgroup2 mount has the controllers")
    monkeypatch.setattr(cgroups, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="sandbox.cgroups"):
        assert WorkerGroup.create("refused", None, root=UNIFIED) is None
    assert "offers no memory, pids, cpu controller" in caplog.text
    assert "limited per process only" in caplog.text
    assert not (UNIFIED / cgroups.PARENT / "refused").exists()


SPIN = "cat /proc/self/cgroup; id -u; id -G; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"


def test_the_v2_wrapper_moves_in_as_root_then_runs_as_the_slot_uid():
    if not _is_cgroup2(UNIFIED) or os.geteuid() != 0:
        pytest.skip("needs root and a cgroup2 mount")
    path = UNIFIED / f"proofloom-test-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        group = V2Group(path, uid=64999)
        assert group.switches_user
        before = group.cpu_s()
        out = subprocess.run(
            group.wrap(["/bin/sh", "-c", SPIN]), capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert f"0::/{path.name}" in lines[: len(lines) - 2]  # counted from its first instruction
        assert lines[-2:] == ["64999", "64999"]  # uid, and no supplementary groups but its own
        assert group.cpu_s() - before > 0.05  # the shell's spinning, counted by the group
    finally:
        path.rmdir()
