"""The Docker backend: what can be checked without a daemon (request -> container translation, a
clear SandboxUnavailable), and real runs where a daemon exists (skipped here: no daemon)."""

import base64
import io
import tarfile

import pytest

from sandbox import Limits, RunRequest, RunStatus, SandboxConfigError, SandboxUnavailable
from sandbox.docker import MAX_FILES_BYTES, DockerRunner, container_config

docker = pytest.importorskip("docker")


def unpack(cfg):
    raw = base64.b64decode(cfg["environment"]["PROOFLOOM_FILES"])
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        return {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers()}


def test_request_becomes_a_locked_down_container():
    req = RunRequest(
        code="print(1)",
        files={"data/x.txt": "hi"},
        argv=("a",),
        limits=Limits(memory_mb=256, processes=16, cpu_s=2, open_files=32, scratch_mb=8),
    )
    cfg = container_config(req)
    assert cfg["image"].startswith("python:")
    assert cfg["network_mode"] == "none" and cfg["read_only"] is True
    assert cfg["user"] == "65534:65534" and cfg["cap_drop"] == ["ALL"]
    assert cfg["security_opt"] == ["no-new-privileges"] and cfg["init"] is True
    assert cfg["mem_limit"] == cfg["memswap_limit"] == "256m"
    assert cfg["pids_limit"] == 18
    assert "size=8m" in cfg["tmpfs"]["/tmp"]
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in cfg["ulimits"]}
    mb16 = 16 << 20
    assert ulimits == {"cpu": (2, 3), "fsize": (mb16, mb16), "nofile": (32, 32), "core": (0, 0)}
    assert cfg["command"][:2] == ["sh", "-c"]
    assert cfg["command"][-2:] == ["main.py", "a"]
    assert unpack(cfg) == {"main.py": "print(1)", "data/x.txt": "hi"}
    assert set(cfg["environment"]) == {"PATH", "HOME", "TMPDIR", "LANG", "PROOFLOOM_FILES"}


def test_language_images_and_commands():
    c = container_config(RunRequest(code="int main(){}", language="c"))
    assert c["image"].startswith("gcc") and "gcc" in c["command"][-2]
    js = container_config(RunRequest(code="1", language="javascript", limits=Limits(memory_mb=300)))
    assert js["image"].startswith("node") and "--max-old-space-size=300" in js["command"]


def test_refusals():
    with pytest.raises(SandboxConfigError):
        container_config(RunRequest(code="x" * (MAX_FILES_BYTES + 1)))
    with pytest.raises(SandboxConfigError):
        container_config(RunRequest(code="", files={"../escape": ""}))


def test_no_daemon_is_a_clear_sandbox_unavailable(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxUnavailable, match="no Docker daemon"):
        DockerRunner()


def _daemon():
    try:
        return DockerRunner()
    except SandboxUnavailable as exc:
        pytest.skip(f"no Docker daemon on this machine ({exc})")


@pytest.mark.docker
def test_real_run_when_a_daemon_exists():
    runner = _daemon()
    res = runner.run(RunRequest(code="print(int(input()) * 2)", stdin="21\n"))
    assert res.status == RunStatus.OK and res.stdout == "42\n"
    res = runner.run(RunRequest(code="import time\ntime.sleep(30)", limits=Limits(wall_s=2)))
    assert res.status == RunStatus.TIMEOUT
    res = runner.run(RunRequest(code="import socket\nsocket.create_connection(('1.1.1.1', 53), 2)"))
    assert res.status == RunStatus.RUNTIME_ERROR
