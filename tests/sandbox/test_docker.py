"""The Docker backend: the request -> container translation and a clear SandboxUnavailable without a
daemon; then real runs against the session's own dockerd (`docker_daemon`, tests/conftest.py), on
the image scripts/docker_image.sh builds offline: each limit, the cleanup, and the attack corpus
with the same verdicts as through bwrap (12 entries by default, all 46 with `-m slow`;
benchmarks/sandbox_attacks.py --runner docker runs them all too)."""

import base64
import io
import os
import tarfile
import time

import pytest

from sandbox import Limits, RunRequest, RunStatus, SandboxConfigError, SandboxUnavailable
from sandbox.docker import MAX_FILES_BYTES, PYTHON_IMAGE, DockerRunner, container_config
from sandbox.slots import UidPool

docker = pytest.importorskip("docker")

# the first test to use the daemon pays for the image's first build (debootstrap, ~80 s)
needs_daemon = [pytest.mark.docker, pytest.mark.timeout(600)]


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
    assert cfg["image"] == PYTHON_IMAGE
    assert cfg["network_mode"] == "none" and cfg["read_only"] is True
    assert cfg["user"] == "65534:65534" and cfg["cap_drop"] == ["ALL"]
    assert cfg["security_opt"] == ["no-new-privileges"] and cfg["init"] is True
    assert cfg["mem_limit"] == cfg["memswap_limit"] == f"{256 + 8 + 16 + 16}m"
    assert cfg["pids_limit"] == 17
    assert "size=8m" in cfg["tmpfs"]["/tmp"]
    assert cfg["log_config"] == {"type": "none"} and cfg["detach"] is False  # StdinOnce
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in cfg["ulimits"]}
    mb16 = 16 << 20
    assert ulimits == {"cpu": (2, 3), "fsize": (mb16, mb16), "nofile": (32, 32), "core": (0, 0)}
    assert cfg["command"][:2] == ["sh", "-c"]
    mb256 = 256 << 20
    prlimit = ["prlimit", f"--as={mb256}:{mb256}", f"--stack={64 << 20}:{64 << 20}", "--"]
    assert cfg["command"][4:8] == prlimit
    assert cfg["command"][-2:] == ["main.py", "a"]
    assert unpack(cfg) == {"main.py": "print(1)", "data/x.txt": "hi"}
    assert set(cfg["environment"]) == {"PATH", "HOME", "TMPDIR", "LANG", "PROOFLOOM_FILES"}
    assert container_config(req, uid=64123)["user"] == "64123:64123"


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


# --- against a real daemon ------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_runner(docker_daemon):
    client = docker.DockerClient(base_url=docker_daemon, timeout=30)
    # the slot uids bwrap uses, so that the corpus' host checks find a run's processes the same way
    runner = DockerRunner(client=client, uids=UidPool() if os.geteuid() == 0 else None)
    yield runner
    runner.close()
    client.close()


def _containers(runner):
    return runner.client.containers.list(all=True, filters={"label": "proofloom.sandbox"})


def run(runner, code, **kw):
    limits = kw.pop("limits", None) or Limits()
    return runner.run(RunRequest(code=code, limits=limits, **kw))


@pytest.mark.usefixtures("docker_daemon")
class TestRealDaemon:
    pytestmark = needs_daemon

    def test_stdin_stdout_files_argv(self, docker_runner):
        res = run(docker_runner, "print(int(input()) * 2)", stdin="21\n")
        assert res.status == RunStatus.OK and res.stdout == "42\n", res
        code = "import sys\nprint(open('d/x.txt').read(), sys.argv[1:])"
        res = run(docker_runner, code, files={"d/x.txt": "hi"}, argv=("a", "b"))
        assert res.stdout == "hi ['a', 'b']\n", res
        # all of a large stdin, then EOF; and a program that never reads a large stdin
        big = "x" * (1 << 20)
        res = run(docker_runner, "import sys\nprint(len(sys.stdin.read()))", stdin=big)
        assert res.stdout == f"{1 << 20}\n", res
        assert run(docker_runner, "print(1)", stdin=big).stdout == "1\n"

    def test_what_a_run_sees(self, docker_runner):
        code = (
            "import os\n"
            "caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')]\n"
            "print(os.getuid(), os.getcwd(), caps[0].split()[1])\n"
            "for path in ('/etc/x', '/usr/x'):\n"
            "    try:\n"
            "        open(path, 'w')\n"
            "    except OSError as e:\n"
            "        print(e.errno)\n"
        )
        res = run(docker_runner, code)
        uid, cwd, caps, *errnos = res.stdout.split()
        assert res.status == RunStatus.OK, res
        assert int(uid) != 0 and cwd == "/tmp" and int(caps, 16) == 0
        assert errnos == ["30", "30"]  # EROFS: the root is read-only
        net = "import socket\nsocket.create_connection(('1.1.1.1', 53), 2)"
        res = run(docker_runner, net)
        assert res.status == RunStatus.RUNTIME_ERROR and "unreachable" in res.stderr, res

    def test_wall_clock_kills_and_removes_the_container(self, docker_runner):
        t = time.monotonic()
        res = run(docker_runner, "import time\ntime.sleep(30)", limits=Limits(wall_s=1))
        assert res.status == RunStatus.TIMEOUT and time.monotonic() - t < 4, res
        # a program that closes its stdout and keeps running is still timed out
        code = "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(30)"
        assert run(docker_runner, code, limits=Limits(wall_s=1)).status == RunStatus.TIMEOUT
        assert _containers(docker_runner) == []

    def test_cpu_is_a_bound_for_all_processes_together(self, docker_runner):
        # the program: 8 children, each burning 0.9 s, under cpu_s=1
        code = (
            "import os, time\n"
            "for _ in range(8):\n"
            "    if os.fork() == 0:\n"
            "        t = time.process_time()\n"
            "        while time.process_time() - t < 0.9: pass\n"
            "        os._exit(0)\n"
            "for _ in range(8): os.wait()\n"
        )
        res = run(docker_runner, code, limits=Limits(cpu_s=1, wall_s=8))
        assert res.status == RunStatus.TIMEOUT and "together" in res.detail, res
        assert 0.9 <= res.cpu_s <= 1.0 + 0.2, res.cpu_s  # the slack: a poll, the kill's latency
        res = run(docker_runner, "while True: pass", limits=Limits(cpu_s=1, wall_s=5))
        assert res.status == RunStatus.TIMEOUT, res

    def test_memory(self, docker_runner):
        # one process: its RLIMIT_AS, a MemoryError as on bwrap
        res = run(docker_runner, "x = bytearray(1 << 30)", limits=Limits(memory_mb=128))
        assert res.status == RunStatus.MEMORY_LIMIT and "MemoryError" in res.stderr, res
        # four processes of 100 MB each: the container's cgroup (128 + 64 + 32 MB) kills one
        # or more of them (the parent counts its children that died by SIGKILL, if it survives)
        code = (
            "import os, time\n"
            "kids = []\n"
            "for _ in range(3):\n"
            "    if (pid := os.fork()) == 0:\n"
            "        x = bytearray(100 << 20)\n"
            "        time.sleep(1)\n"
            "        os._exit(0)\n"
            "    kids.append(pid)\n"
            "x = bytearray(100 << 20)\n"
            "print(sum(os.waitpid(p, 0)[1] == 9 for p in kids))\n"
        )
        res = run(docker_runner, code, limits=Limits(memory_mb=128))
        assert res.status == RunStatus.MEMORY_LIMIT or int(res.stdout) >= 1, res
        assert res.peak_memory_mb <= 128 + 64 + 32, res

    def test_processes_scratch_and_output(self, docker_runner):
        code = (
            "import os\nn = 0\n"
            "try:\n"
            "    for _ in range(100):\n"
            "        if os.fork() == 0:\n"
            "            import time; time.sleep(3); os._exit(0)\n"
            "        n += 1\n"
            "except OSError:\n"
            "    pass\n"
            "print(n)\n"
        )
        res = run(docker_runner, code, limits=Limits(processes=8, wall_s=5))
        assert res.status == RunStatus.OK and int(res.stdout) < 8, res
        fill = "open('f', 'wb').write(b'x' * (20 << 20))"
        res = run(docker_runner, fill, limits=Limits(scratch_mb=8))
        assert res.status == RunStatus.RUNTIME_ERROR and "No space left" in res.stderr, res
        res = run(docker_runner, "while True: print('x' * 4096)", limits=Limits(output_bytes=1000))
        assert res.status == RunStatus.OUTPUT_LIMIT and len(res.stdout) == 1000, res
        assert res.stdout_truncated
        assert _containers(docker_runner) == []

    def test_a_missing_image_is_a_sandbox_error(self, docker_runner):
        runner = DockerRunner(client=docker_runner.client, images={"python": "nope:0"})
        res = runner.run(RunRequest(code="print(1)"))
        assert res.status == RunStatus.SANDBOX_ERROR and "docker_image.sh" in res.detail, res


# --- the attack corpus, as tests/sandbox/test_attacks.py runs it through bwrap ------------------

from tests.sandbox import test_attacks as attacks  # noqa: E402  (after importorskip)


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    with attacks.shared.Canaries(tmp_path_factory.mktemp("service_cwd")) as c:
        yield c


# one quick entry of each category runs by default (~10 s); all 46 are `slow` (~2.5 min here)
QUICK = {"c01", "c07", "n01", "f01", "f07", "p04", "p06", "r03", "r04", "i01", "x04", "x12"}


@pytest.mark.docker
@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    "entry_id",
    [e if e in QUICK else pytest.param(e, marks=pytest.mark.slow) for e in sorted(attacks.ENTRIES)],
)
def test_attack_entry_through_docker(docker_runner, canary, entry_id):
    attacks.check_entry(docker_runner, canary, entry_id)
