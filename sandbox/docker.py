"""The Docker backend: one throw-away container per run, for hosts with a Docker daemon.

Same `RunRequest -> RunResult` as bubblewrap. Each run is a container with no network
(`network_mode="none"`), a read-only root, a size-limited tmpfs at /tmp (cwd and $HOME) and
/dev/shm, user nobody (65534), every capability dropped, `no-new-privileges`, a private IPC
namespace, an init process that reaps (`init=True`), and limits: memory (+ swap) = `memory_mb`,
pids = `processes`, one CPU, rlimits for CPU time, file size, open files and core dumps. The wall
clock is enforced from the host (`wait(timeout)` then kill); output is read as two capped streams
and the container is killed as soon as one goes over `output_bytes`.

The request's source and files reach the read-only container through one environment variable
holding a base64 tar archive, unpacked into /tmp by `sh` before the program starts: simple, no
bind mount of host paths, but bounded by the kernel's 128 KiB limit on one environment string
(`SandboxConfigError` above `MAX_FILES_BYTES`). Peak memory and CPU time are not reported (0): the
daemon's stats API is too slow to sample per run. Images per language are in `IMAGES`.

`docker` (the SDK) is imported on first use; without a reachable daemon the constructor raises
`SandboxUnavailable` with the reason.
"""

from __future__ import annotations

import base64
import io
import logging
import tarfile
import threading
import time
from typing import Any

from sandbox.backend import ENV, SCRATCH, SHM_MB, check_file_name
from sandbox.errors import SandboxConfigError, SandboxUnavailable
from sandbox.languages import Language, get_language
from sandbox.limits import Captured, classify, result, rlimits, sandbox_error
from sandbox.types import RunRequest, RunResult

logger = logging.getLogger(__name__)

IMAGES = {
    "python": "python:3.11-slim",
    "c": "gcc:13",
    "cpp": "gcc:13",
    "javascript": "node:20-slim",
}
PYTHON_IN_IMAGE = "python3"
MAX_FILES_BYTES = 96 << 10  # base64 of the tar must stay under MAX_ARG_STRLEN (128 KiB)
FILES_ENV = "PROOFLOOM_FILES"
UNPACK = f'printf %s "${FILES_ENV}" | base64 -d | tar -x -C {SCRATCH} && unset {FILES_ENV} && '
UNPACK += 'exec "$@"'
_DOCKER_ULIMITS = ("cpu", "fsize", "nofile", "core")  # nproc is the pids cgroup, as is memory


def files_archive(files: dict[str, str]) -> str:
    """Base64 of an uncompressed tar of `files`, each owned by the sandbox user."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid = len(data), 0o644, 65534, 65534
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    if len(raw) > MAX_FILES_BYTES:
        raise SandboxConfigError(
            f"source and files take {len(raw)} bytes; the Docker backend takes at most "
            f"{MAX_FILES_BYTES}"
        )
    return base64.b64encode(raw).decode()


def container_config(request: RunRequest, images: dict[str, str] = IMAGES) -> dict[str, Any]:
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
    memory = f"{limits.memory_mb}m"
    return {
        "image": images[lang.name],
        "command": ["sh", "-c", UNPACK, "sh", *lang.argv(limits, request.argv, PYTHON_IN_IMAGE)],
        "user": "65534:65534",
        "working_dir": SCRATCH,
        "environment": env,
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {
            SCRATCH: f"rw,nosuid,nodev,size={limits.scratch_mb}m,nr_inodes=16384,mode=1777",
            "/dev/shm": f"rw,nosuid,nodev,noexec,size={SHM_MB}m,mode=1777",
        },
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ipc_mode": "private",
        "init": True,
        "hostname": "sandbox",
        "mem_limit": memory,
        "memswap_limit": memory,
        "pids_limit": limits.processes + 2,  # + docker-init and sh before it execs
        "nano_cpus": 1_000_000_000,
        "ulimits": [
            Ulimit(name=name, soft=soft, hard=hard)
            for name, (soft, hard) in rlimits(limits, lang).items()
            if name in _DOCKER_ULIMITS
        ],
        "stdin_open": True,
        "detach": True,
        "labels": {"proofloom.sandbox": "1"},
    }


class DockerRunner:
    """`Runner` backed by one Docker container per run. Thread-safe."""

    def __init__(self, *, client: Any = None, images: dict[str, str] | None = None) -> None:
        try:
            import docker
        except ImportError as exc:
            raise SandboxUnavailable("the Docker backend needs `pip install docker`") from exc
        self.images = dict(IMAGES if images is None else images)
        try:
            self.client = client or docker.from_env(timeout=30)
            self.client.ping()
        except Exception as exc:  # the SDK raises DockerException, requests errors, OSError
            raise SandboxUnavailable(f"no Docker daemon reachable: {exc}") from exc

    def run(self, request: RunRequest) -> RunResult:
        lang = get_language(request.language)
        config = container_config(request, self.images)
        start = time.monotonic()
        try:
            container = self.client.containers.create(**config)
        except Exception as exc:
            return sandbox_error(f"cannot create the container: {exc}")
        try:
            return self._run(container, request, lang, start)
        except Exception as exc:
            logger.warning("docker run failed: %r", exc)
            return sandbox_error(f"docker: {exc}", time.monotonic() - start)
        finally:
            try:
                container.remove(force=True)
            except Exception as exc:
                logger.warning("cannot remove container %s: %r", container.id, exc)

    def _run(self, container: Any, request: RunRequest, lang: Language, t0: float) -> RunResult:
        limits = request.limits
        sock = container.attach_socket(params={"stdin": 1, "stream": 1})
        container.start()
        raw = getattr(sock, "_sock", sock)
        raw.sendall(request.stdin.encode())
        raw.shutdown(1)  # EOF on the program's stdin
        captured = Captured()
        overflow = threading.Event()
        readers = [
            threading.Thread(target=_read, args=(container, name, limits, captured, overflow))
            for name in ("stdout", "stderr")
        ]
        for t in readers:
            t.start()
        deadline = t0 + limits.wall_s
        state: dict = {}
        while True:
            container.reload()
            state = container.attrs["State"]
            if not state["Running"]:
                break
            if overflow.is_set() or time.monotonic() > deadline:
                captured.timed_out = not overflow.is_set()
                container.kill()
                container.reload()
                state = container.attrs["State"]
                break
            time.sleep(0.02)
        for t in readers:
            t.join(2.0)
        sock.close()
        wall = time.monotonic() - t0
        code = state.get("ExitCode")
        exit_code, sig = (code, None) if code is None or code <= 128 else (None, code - 128)
        status, detail = classify(
            lang=lang,
            limits=limits,
            captured=captured,
            exit_code=exit_code,
            sig=sig,
            cpu_s=0.0,
            peak_mb=limits.memory_mb if state.get("OOMKilled") else 0.0,
        )
        return result(
            status=status,
            detail=detail,
            captured=captured,
            exit_code=exit_code,
            sig=sig,
            wall_s=wall,
            cpu_s=0.0,
            peak_mb=0.0,
        )


def _read(
    container: Any, name: str, limits: Any, captured: Captured, overflow: threading.Event
) -> None:
    buf: bytearray = getattr(captured, name)
    for chunk in container.logs(stream=True, follow=True, **{name: True, _other(name): False}):
        room = limits.output_bytes - len(buf)
        if len(chunk) > room:
            buf += chunk[: max(room, 0)]
            setattr(captured, f"{name}_truncated", True)
            captured.overflow = True
            overflow.set()
            return
        buf += chunk


def _other(name: str) -> str:
    return "stderr" if name == "stdout" else "stdout"
