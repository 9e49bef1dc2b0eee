"""Run ../shared/code/attacks programs standalone through a Runner, with the manifest's canaries and
host checks. The reward side (the code verifier) is tested in tests/verifiers; here a program is the
whole submission: stdio problems are judged by a minimal exact-output judge, function problems are
run as their `program_template` (solution + tests) and only their sandbox-level outcome is checked.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import Limits, RunResult, RunStatus
from sandbox.slots import DEFAULT_UIDS, LOCK_DIR, pids_of_uid

CANARY_PORT = 47001
CANARY_ENV = ("SANDBOX_CANARY_SECRET", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN")

TO_VERDICT = {
    RunStatus.RUNTIME_ERROR: "runtime_error",
    RunStatus.TIMEOUT: "timeout",
    RunStatus.MEMORY_LIMIT: "memory_limit",
    RunStatus.OUTPUT_LIMIT: "output_limit",
    RunStatus.SANDBOX_ERROR: "sandbox_error",
}


def load(attacks_dir: Path) -> dict:
    return json.loads((attacks_dir / "manifest.json").read_text())


def limits_of(manifest: dict) -> Limits:
    a = manifest["conventions"]["assumed_limits"]
    return Limits(
        wall_s=a["time_limit_s"],
        cpu_s=a["cpu_time_s"],
        memory_mb=a["memory_mb"],
        output_bytes=a["output_limit_bytes_per_stream"],
        processes=a["pids"],
        file_size_mb=a["file_size_mb"],
        open_files=a["open_files"],
    )


def limits_for(manifest: dict, entry: dict) -> Limits:
    """The manifest's limits, except that entries for which a timeout is an accepted outcome run
    with 2 s instead of 5 s: the outcome class cannot change, and the suite stays fast."""
    limits = limits_of(manifest)
    if "timeout" in entry["expect"]["status_any_of"]:
        return limits.model_copy(update={"wall_s": 2.0, "cpu_s": 2.0})
    return limits


def wall_bound(entry: dict, limits: Limits) -> float:
    bound = entry["expect"]["max_wall_s"]
    if isinstance(bound, int | float):
        return float(bound)
    extra = bound.partition("+")[2]
    return limits.wall_s + (float(extra) if extra else 0.0)


def normalise(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def stdio_verdict(results: list[tuple[RunResult, str]]) -> str:
    """The first failing test decides (a crash fails even if the output was right)."""
    for res, expected in results:
        if res.status != RunStatus.OK:
            return TO_VERDICT[res.status]
        if normalise(res.stdout) != normalise(expected):
            return "wrong_answer"
    return "pass"


def program_for(manifest: dict, entry: dict, source: str) -> str:
    problem = manifest["problems"][entry["problem"]]
    if problem["kind"] == "stdio":
        return source
    fields = {k: v for k, v in problem.items() if isinstance(v, str)}
    base = manifest["problems"]["func_add"]
    fields["humaneval_test_of_func_add"] = base["humaneval_test"]
    fields.setdefault("humaneval_test", base["humaneval_test"])
    return problem["program_template"].format(solution=source, **fields)


@dataclass
class Canaries:
    """The manifest's canary set-up, alive for a test session."""

    token: str
    workdir: Path
    connections: list[int] = field(default_factory=lambda: [0])
    listener: socket.socket | None = None
    sleeper: subprocess.Popen | None = None

    def texts(self) -> list[str]:
        return ["ESCAPED", self.token]


@contextlib.contextmanager
def canaries(workdir: Path):
    token = secrets.token_hex(16)
    files = [Path("/tmp/sandbox_canary_secret.txt"), workdir / "sandbox_canary_secret.txt"]
    for f in files:
        f.write_text(token)
    old_env = {k: os.environ.get(k) for k in CANARY_ENV}
    os.environ.update(dict.fromkeys(CANARY_ENV, token))
    old_cwd = os.getcwd()
    os.chdir(workdir)
    c = Canaries(token, workdir)
    c.sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", token], stdin=subprocess.DEVNULL
    )
    c.listener = _listen(CANARY_PORT)
    stop = threading.Event()
    if c.listener is not None:
        threading.Thread(target=_accept, args=(c, stop), daemon=True).start()
    try:
        yield c
    finally:
        stop.set()
        if c.listener is not None:
            c.listener.close()
        c.sleeper.kill()
        c.sleeper.wait()
        os.chdir(old_cwd)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for f in files:
            f.unlink(missing_ok=True)


def _listen(port: int) -> socket.socket | None:
    """Parallel test workers each listen (SO_REUSEPORT). If another process holds the port without
    it, there is no listener here; n01 is then still checked by its own "ESCAPED" report."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(16)
        s.settimeout(0.2)
        return s
    except OSError:
        s.close()
        return None


def _accept(c: Canaries, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = c.listener.accept()
        except (TimeoutError, OSError):
            continue
        c.connections[0] += 1
        conn.close()


def _connects(port: int) -> bool:
    """A real connection to a listener. A probe whose ephemeral source port happens to be `port`
    connects to itself (TCP simultaneous open) when nothing listens: that is not a listener."""
    try:
        with socket.create_connection(("127.0.0.1", port), 0.1) as s:
            return s.getsockname() != s.getpeername()
    except OSError:
        return False


def port_probe(port: int, stop: threading.Event, hits: list[int]) -> None:
    while not stop.is_set():
        if _connects(port):
            hits.append(port)
        time.sleep(0.05)


def port_open(port: int) -> bool:
    """Reachable right now, after the run: then the listener is not the run's."""
    return _connects(port)


def sandbox_pythons_site_dirs() -> list[str]:
    dirs = {sysconfig.get_paths()["purelib"], "/usr/lib/python3/dist-packages"}
    dirs |= {f"/usr/local/lib/python3.{sys.version_info.minor}/dist-packages"}
    return sorted(dirs)


def host_paths(entry: dict) -> list[Path]:
    out = []
    for check in entry["expect"]["host_checks"]:
        if check.startswith("host_paths_absent:"):
            for p in check.split(":", 1)[1].split(","):
                if p.startswith("<site-packages>/"):
                    name = p.split("/", 1)[1]
                    out += [Path(d) / name for d in sandbox_pythons_site_dirs()]
                else:
                    out.append(Path(p))
    if entry["id"] == "f04":
        out.append(Path("/tmp/.escape_persist_marker"))
    return out


def _held(uid: int) -> bool:
    """True while a live run (in any process) holds the slot uid's lock."""
    fd = os.open(f"{LOCK_DIR}/{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _foreign_zombie(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True  # gone
    # a zombie is ours only if we are its parent: one of the host's init, or of another test
    # worker (a subreaper too, that adopted a killed process's sandboxes), is not a run of ours
    return fields[0] == "Z" and int(fields[1]) != os.getpid()


def unowned(pids: list[int]) -> list[int]:
    """The pids not belonging to a live sandbox run of any process on this machine."""
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            # any uid whose slot lock a live run holds, the default range's or a private pool's
            # (tests/verifiers run p04 under uids 64400+ while these tests check the host)
            if not _held(os.stat(f"/proc/{pid}").st_uid):
                out.append(pid)
    return out


def slot_processes() -> list[int]:
    """Host processes running as a sandbox slot uid that no run holds right now (parallel test
    workers run their own sandboxes under locked uids; those are not leaks)."""
    busy: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                uid = os.stat(f"/proc/{name}").st_uid
                if uid in DEFAULT_UIDS:
                    busy.setdefault(uid, []).append(int(name))
    leaked = []
    for uid, pids in list(busy.items()):
        # a zombie whose parent is another process (the host's init, another test worker)
        # belongs to a host process that died, not to a run of ours: our orphans come to us
        busy[uid] = [p for p in pids if not _foreign_zombie(p)]
    for uid in [u for u, pids in busy.items() if pids]:
        fd = os.open(f"{LOCK_DIR}/{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # in use by a live run
        try:
            leaked += [p for p in pids_of_uid(uid) if not _foreign_zombie(p)]
        finally:
            os.close(fd)
    return leaked


def processes_named(comm: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{name}/comm").read_text().strip() == comm:
                    found.append(int(name))
    return found


def disk_free() -> dict[str, int]:
    out = {}
    for path in ("/tmp", os.getcwd()):
        st = os.statvfs(path)
        out[path] = st.f_bavail * st.f_frsize
    return out


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def describe(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
        return f"{stat[:60]} | {cmd!r}"
    except OSError:
        return f"{pid} (gone)"
