"""The Docker backend: one throw-away container per run, for hosts with a Docker daemon.

Same `RunRequest -> RunResult` as bubblewrap. Each run is a container with no network
(`network_mode="none"`), a read-only root, a size-limited tmpfs at /tmp (cwd and $HOME) and
/dev/shm, every capability dropped, `no-new-privileges`, Docker's default seccomp profile, a
private IPC namespace, an init process that reaps (`init=True`), no log driver (output never
reaches the daemon's disk), and limits:
- memory: the container's cgroup holds memory_mb + scratch_mb + /dev/shm (tmpfs pages are charged
  to it) + `GROUP_SLACK_MB`, swap included; RLIMIT_AS bounds each process at memory_mb, as on
  bwrap (set by prlimit in the container: see `_PRLIMITS`), so a Python program gets its
  MemoryError here too;
- processes: the pids cgroup (`processes` + 1 for the init);
- CPU: one core (`nano_cpus`), RLIMIT_CPU per process, and the container's cgroup CPU time read
  every `POLL_S` while it runs: the run is killed when its processes together reach `cpu_s`
  (slack: one poll interval of one core, 20 ms, plus the daemon's kill latency);
- wall clock, from the host: the container is killed at `wall_s` after its start;
- output: stdout and stderr come through the attach stream, capped at `output_bytes` each; the
  container is killed as soon as one goes over.
The container is force-removed after every run, timeouts included, before its uid is released.

The user is `SANDBOX_UID` (65534) unless a `UidPool` is given (and we are root): then each run's
container runs as its own host uid from the pool, as bwrap's runs do (the host checks of the
attack corpus tell a run's processes by that uid).

The request's source and files reach the read-only container through one environment variable
holding a base64 tar archive, unpacked into /tmp by `sh` before the program starts: no bind mount
of host paths, but bounded by the kernel's 128 KiB limit on one environment string
(`SandboxConfigError` above `MAX_FILES_BYTES`).

CPU time and peak memory are read from the container's cgroup files on this host (found through
/proc/<init pid>/cgroup; cgroup v1 or v2); with a daemon on another host both read 0, and only
the per-process RLIMIT_CPU bounds CPU.

Images: `IMAGES`. The Python one is built offline by `scripts/docker_image.sh` (debootstrap of a
minimal Debian with python3; no registry). The C, C++ and JavaScript ones are Docker Hub images,
which a daemon without registry access does not have: runs in those languages then end in
SANDBOX_ERROR naming the missing image. `docker` (the SDK) is imported on first use; without a
reachable daemon the constructor raises `SandboxUnavailable` with the reason.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sandbox.backend import ENV, SANDBOX_UID, SCRATCH, SHM_MB, check_file_name, finish
from sandbox.errors import SandboxConfigError, SandboxUnavailable
from sandbox.languages import Language, get_language
from sandbox.limits import Captured, rlimits, sandbox_error
from sandbox.slots import UidPool
from sandbox.types import RunRequest, RunResult

logger = logging.getLogger(__name__)

PYTHON_IMAGE = "proofloom-sandbox:py311"  # scripts/docker_image.sh
IMAGES = {
    "python": PYTHON_IMAGE,
    "c": "gcc:13",
    "cpp": "gcc:13",
    "javascript": "node:20-slim",
}
PYTHON_IN_IMAGE = "python3"
MAX_FILES_BYTES = 96 << 10  # base64 of the tar must stay under MAX_ARG_STRLEN (128 KiB)
FILES_ENV = "PROOFLOOM_FILES"
UNPACK = f'printf %s "${FILES_ENV}" | base64 -d | tar -x -C {SCRATCH} && unset {FILES_ENV} && '
UNPACK += 'exec "$@"'
GROUP_SLACK_MB = 16  # the init, the unpacking shell, page tables
POLL_S = 0.02
CGROUP_ROOT = Path("/sys/fs/cgroup")
# Set by the daemon for the whole container. nproc is the pids cgroup instead (RLIMIT_NPROC counts
# per host uid, across containers); address space and stack are set by prlimit in the container
# right before the program: as a daemon ulimit, RLIMIT_AS applies to runc's own init (Go), which
# then cannot allocate its seccomp filter ("error adding seccomp filter rule ... cannot allocate
# memory") and no container starts.
_DOCKER_ULIMITS = ("cpu", "fsize", "nofile", "core")
_PRLIMITS = ("as", "stack")
_STREAMS = {1: "stdout", 2: "stderr"}


def files_archive(files: dict[str, str]) -> str:
    """Base64 of an uncompressed tar of `files`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    if len(raw) > MAX_FILES_BYTES:
        raise SandboxConfigError(
            f"source and files take {len(raw)} bytes; the Docker backend takes at most "
            f"{MAX_FILES_BYTES}"
        )
    return base64.b64encode(raw).decode()


def container_config(
    request: RunRequest, images: dict[str, str] = IMAGES, uid: int = SANDBOX_UID
) -> dict[str, Any]:
    """The keyword arguments of `client.containers.create` for one run (no daemon needed)."""
    from docker.types import Ulimit

    lang = get_language(request.language)
    files = {lang.source_file: request.code}
    for name, text in request.files.items():
        check_file_name(name)
        if name == lang.source_file:
            raise SandboxConfigError(f"request file {name!r} would shadow the source")
        files[name] = text
    limits = request.limits
    env = dict(ENV)
    env[FILES_ENV] = files_archive(files)
    lim = rlimits(limits, lang)
    prlimit = ["prlimit", *(f"--{n}={lim[n][0]}:{lim[n][1]}" for n in _PRLIMITS), "--"]
    memory = f"{limits.memory_mb + limits.scratch_mb + SHM_MB + GROUP_SLACK_MB}m"
    return {
        "image": images[lang.name],
        "command": [
            "sh",
            "-c",
            UNPACK,
            "sh",
            *prlimit,
            *lang.argv(limits, request.argv, PYTHON_IN_IMAGE),
        ],
        "user": f"{uid}:{uid}",
        "working_dir": SCRATCH,
        "environment": env,
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {
            SCRATCH: f"rw,nosuid,nodev,size={limits.scratch_mb}m,nr_inodes=16384,mode=1777",
            "/dev/shm": f"rw,nosuid,nodev,noexec,size={SHM_MB}m,nr_inodes=1024,mode=1777",
        },
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ipc_mode": "private",
        "init": True,
        "hostname": "sandbox",
        "mem_limit": memory,
        "memswap_limit": memory,
        "pids_limit": limits.processes + 1,  # + docker-init (sh execs prlimit, which execs)
        "nano_cpus": 1_000_000_000,
        "ulimits": [
            Ulimit(name=name, soft=soft, hard=hard)
            for name, (soft, hard) in lim.items()
            if name in _DOCKER_ULIMITS
        ],
        "log_config": {"type": "none"},
        # StdinOnce, which docker-py sets only with detach=False: without it the daemon answers
        # the end of stdin by closing stdout and stderr; with it, by the program's EOF
        "stdin_open": True,
        "detach": False,
        "labels": {"proofloom.sandbox": "1"},
    }


class ContainerGroup:
    """CPU seconds and peak memory of a running container, from its cgroup files on this host."""

    def __init__(self, cpu: Path | None, memory: Path | None) -> None:
        self.cpu_file, self.memory_file = cpu, memory
        self.cpu_s = self.peak_mb = 0.0

    @classmethod
    def of(cls, pid: int, container_id: str, root: Path = CGROUP_ROOT) -> ContainerGroup:
        """The group of the container whose init is `pid` (on this host, while it runs)."""
        cpu = memory = None
        try:
            lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines() if pid else []
        except OSError:  # not on this host, or already gone
            lines = []
        for line in lines:
            _, controllers, path = line.split(":", 2)
            if container_id not in path:  # the pid is gone and reused, or not the container's
                continue
            rel = path.lstrip("/")
            if controllers == "":  # v2: the unified hierarchy (or its hybrid mount)
                for base in (root, root / "unified"):
                    if cpu is None and (base / rel / "cpu.stat").is_file():
                        cpu = base / rel / "cpu.stat"
                    if memory is None and (base / rel / "memory.peak").is_file():
                        memory = base / rel / "memory.peak"
            for name in controllers.split(","):
                if name == "cpuacct" and (f := root / controllers / rel / "cpuacct.usage").exists():
                    cpu = f
                if name == "memory":
                    f = root / controllers / rel / "memory.max_usage_in_bytes"
                    memory = f if f.exists() else memory
        return cls(cpu, memory)

    def sample(self) -> None:
        """Read both (keeping the last values once the group is gone)."""
        with contextlib.suppress(OSError, ValueError):
            if self.cpu_file is not None:
                text = self.cpu_file.read_text()
                if self.cpu_file.name == "cpu.stat":
                    usec = next(ln for ln in text.splitlines() if ln.startswith("usage_usec"))
                    self.cpu_s = int(usec.split()[1]) / 1e6
                else:
                    self.cpu_s = int(text) / 1e9
        with contextlib.suppress(OSError, ValueError):
            if self.memory_file is not None:
                self.peak_mb = int(self.memory_file.read_text()) / (1 << 20)


class DockerRunner:
    """`Runner` backed by one Docker container per run. Thread-safe."""

    def __init__(
        self,
        *,
        client: Any = None,
        images: dict[str, str] | None = None,
        uids: UidPool | None = None,
    ) -> None:
        try:
            import docker
        except ImportError as exc:
            raise SandboxUnavailable("the Docker backend needs `pip install docker`") from exc
        self.images = dict(IMAGES if images is None else images)
        self.uids = uids if uids is not None and uids.privileged else None
        self._live: set[str] = set()
        self._mutex = threading.Lock()
        try:
            self.client = client or docker.from_env(timeout=30)
            self.client.ping()
        except Exception as exc:  # the SDK raises DockerException, requests errors, OSError
            raise SandboxUnavailable(f"no Docker daemon reachable: {exc}") from exc

    @contextlib.contextmanager
    def _uid(self) -> Iterator[int]:
        if self.uids is None:
            yield SANDBOX_UID
        else:
            with self.uids.acquire() as uid:
                yield uid

    def run(self, request: RunRequest) -> RunResult:
        lang = get_language(request.language)
        with self._uid() as uid:
            config = container_config(request, self.images, uid)
            start = time.monotonic()
            try:
                container = self.client.containers.create(**config)
            except Exception as exc:
                hint = " (scripts/docker_image.sh builds it)" if "No such image" in str(exc) else ""
                return sandbox_error(f"cannot create the container: {exc}{hint}")
            with self._mutex:
                self._live.add(container.id)
            try:
                return self._run(container, request, lang, start)
            except Exception as exc:
                logger.warning("docker run failed: %r", exc)
                return sandbox_error(f"docker: {exc}", time.monotonic() - start)
            finally:
                self._remove(container.id)

    def _remove(self, container_id: str) -> None:
        try:
            self.client.api.remove_container(container_id, force=True)
        except Exception as exc:
            if "No such container" not in str(exc):
                logger.warning("cannot remove container %s: %r", container_id, exc)
                return
        with self._mutex:
            self._live.discard(container_id)

    def close(self) -> None:
        """Force-remove any container of this runner still there (a run interrupted midway)."""
        with self._mutex:
            live = list(self._live)
        for container_id in live:
            self._remove(container_id)

    def _run(self, container: Any, request: RunRequest, lang: Language, t0: float) -> RunResult:
        limits = request.limits
        api, cid = self.client.api, container.id
        # attached before the start, so no output is lost; one stream for stdin, stdout, stderr
        sock = api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        raw: socket.socket = getattr(sock, "_sock", sock)
        captured = Captured()
        overflow = threading.Event()
        reader = threading.Thread(
            target=_demux, args=(raw, limits.output_bytes, captured, overflow), daemon=True
        )
        reader.start()
        api.start(cid)
        started = time.monotonic()
        threading.Thread(target=_feed, args=(raw, request.stdin.encode()), daemon=True).start()
        exited = threading.Event()
        threading.Thread(
            target=_wait, args=(api, cid, limits.wall_s + 60, exited), daemon=True
        ).start()
        group = ContainerGroup.of(api.inspect_container(cid)["State"]["Pid"], cid)
        deadline = started + limits.wall_s
        while not exited.wait(POLL_S):
            group.sample()
            if overflow.is_set() or group.cpu_s >= limits.cpu_s:
                break
            if time.monotonic() >= deadline:
                captured.timed_out = True
                break
        if not exited.is_set():
            group.sample()
            with contextlib.suppress(Exception):  # it may have exited meanwhile
                api.kill(cid)
            exited.wait(10)
        reader.join(2.0)
        with contextlib.suppress(OSError):
            raw.close()
        wall = time.monotonic() - t0
        state = api.inspect_container(cid)["State"]
        code = state.get("ExitCode")
        exit_code, sig = (
            (code, None) if code is None or not 128 < code < 128 + 65 else (None, code - 128)
        )
        # an OOM kill can come before the peak file shows the limit: the kill is the evidence
        peak = max(group.peak_mb, limits.memory_mb if state.get("OOMKilled") else 0.0)
        return finish(
            lang=lang,
            limits=limits,
            captured=captured,
            exit_code=exit_code,
            sig=sig,
            wall_s=wall,
            cpu_s=group.cpu_s,
            peak_mb=peak,
            whole_run=group.cpu_file is not None,
        )


def _feed(raw: socket.socket, data: bytes) -> None:
    """The program's stdin, then EOF (a half-close; the container has StdinOnce). Blocks while
    the program does not read; the socket's close at the end of the run ends it."""
    with contextlib.suppress(OSError):
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)


def _wait(api: Any, cid: str, timeout: float, done: threading.Event) -> None:
    """Set `done` when the container has stopped (or the daemon cannot tell: then the run loop's
    own deadline and the kill still end the run)."""
    with contextlib.suppress(Exception):
        api.wait(cid, timeout=timeout)
    done.set()


def _demux(raw: socket.socket, cap: int, captured: Captured, overflow: threading.Event) -> None:
    """Read the attach stream until EOF. Without a TTY it is a sequence of frames: an 8-byte
    header (stream: 1 stdout, 2 stderr; 3 zero bytes; big-endian payload length), then the
    payload. After an overflow the rest is read and dropped until the kill ends the stream: a
    reader that stopped would block the daemon's copy of the stream, and with it the daemon's
    handling of the kill (its API calls for the container then hang)."""
    pending = bytearray()
    while True:
        try:
            data = raw.recv(1 << 16)
        except OSError:
            return
        if not data:
            return
        if overflow.is_set():
            continue
        pending += data
        while len(pending) >= 8:
            size = int.from_bytes(pending[4:8], "big")
            if len(pending) < 8 + size:
                break
            name = _STREAMS.get(pending[0])
            payload = bytes(pending[8 : 8 + size])
            del pending[: 8 + size]
            if name is None:
                continue
            buf: bytearray = getattr(captured, name)
            room = cap - len(buf)
            if len(payload) > room:
                buf += payload[: max(room, 0)]
                setattr(captured, f"{name}_truncated", True)
                captured.overflow = True
                overflow.set()
                break
            buf += payload
