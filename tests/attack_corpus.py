"""The attack corpus harness: a corpus (the `manifest.json` format of ../shared/code/attacks) run
through a runner, with the manifest's canaries and host checks.

Why here, in tests/, and not in the product: nothing the product runs needs it (it plants canary
files, holds a port, changes the environment and cwd), yet tests and benchmarks both drive the
corpus the same way; tests never import benchmarks, benchmarks may import this, so tests/ is the
one place both reach. The sandbox tests' own reading of the corpus (a program as the whole
submission, no verifier) is `tests/sandbox/corpus.py`, which takes the common parts from here.

Each entry's program is judged by `judge()` as a model's answer to its problem: stdio problems as
stdio cases, function problems as call cases (from the problem's `io`, else from the literal
assertions of its test code). An entry passes when its reward and status are expected, each
sandbox run returned within `max_wall_s` (the manifest's judge ran one run per test), nothing it
returned (stdout, stderr, the verdict) contains `ESCAPED` or the canary token, and every host
check holds.

Host checks need to know which host processes a run started: `sandbox_uids` names the host uids the
runner runs programs as (give the runner a private uid range so that nothing else uses them). 1 s
after the entry, no process under those uids may remain but the runner's own (`own_pids()`: a
pre-forked runner's workers and their standby launchers; none for bwrap per run): the runner
names them from what it knows of its processes, so a process a run left behind is never mistaken
for one. A check that cannot be made here is reported in the outcome's `notes`, never silently
passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import site
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sandbox import Limits, Runner
from verifiers.code.judge import judge
from verifiers.code.loaders import assert_cases
from verifiers.code.types import CallCase, CodeReport, CodeTests, StdioCase, TestKind
from verifiers.errors import VerifierConfigError

CANARY_FILE = "sandbox_canary_secret.txt"
# the manifest's canary environment: its own name and the secrets a real service would hold
CANARY_ENV = ("SANDBOX_CANARY_SECRET", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN")
CANARY_PORT = 47001
DISK_SLACK = 64 << 20
MEMORY_SLACK = 16 << 20


@dataclass(frozen=True, slots=True)
class Corpus:
    root: Path
    conventions: dict
    problems: dict[str, dict]
    entries: tuple[dict, ...]


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    id: str
    passed: bool
    status: str  # the corpus' status names: pass, wrong_answer, ...
    reward: int
    wall_s: float
    problems: tuple[str, ...] = ()  # why it failed
    notes: tuple[str, ...] = ()
    report: CodeReport | None = field(default=None, repr=False)


class OwnsProcesses(Protocol):
    """A runner that names its own standing host processes (`BwrapRunner`, `ZygoteRunner`)."""

    def own_pids(self) -> set[int]: ...


def load_corpus(root: Path | str) -> Corpus:
    root = Path(root).resolve()  # a canary set-up changes the cwd
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        return Corpus(
            root, manifest["conventions"], manifest["problems"], tuple(manifest["entries"])
        )
    except (OSError, ValueError, KeyError) as exc:
        raise VerifierConfigError(f"{root}: not an attack corpus: {exc!r}") from exc


def corpus_limits(conventions: dict) -> Limits:
    lim = conventions.get("assumed_limits", {})
    return Limits(
        wall_s=lim.get("time_limit_s", 5),
        cpu_s=lim.get("cpu_time_s", 5),
        memory_mb=lim.get("memory_mb", 512),
        processes=lim.get("pids", 64),
        file_size_mb=lim.get("file_size_mb", 16),
        open_files=lim.get("open_files", 256),
        output_bytes=lim.get("output_limit_bytes_per_stream", 1 << 20),
    )


_REF = re.compile(r"\{(\w+)_of_(\w+)\}")


def problem_tests(corpus: Corpus, name: str, limits: Limits) -> CodeTests:
    problem = corpus.problems[name]
    if problem["kind"] == "stdio":
        cases = tuple(StdioCase(t["stdin"], t["stdout"]) for t in problem["tests"])
        return CodeTests(TestKind.STDIO, cases, name=name)
    entry = problem["entry_point"]
    io = problem.get("io")
    if io:
        pairs = zip(io["inputs"], io["outputs"], strict=True)
        calls = [CallCase(tuple(i), o) for i, o in pairs]
    else:
        sources = [problem.get("humaneval_test", ""), problem.get("test", "")]
        sources += problem.get("mbpp_test_list", [])
        for key, other in _REF.findall(problem.get("program_template", "")):
            sources.append(str(corpus.problems.get(other, {}).get(key, "")))
        calls = [c for src in sources if src for c in assert_cases(src, entry)]
    if not calls:
        raise VerifierConfigError(f"corpus problem {name!r} has no usable test cases")
    return CodeTests(
        TestKind.FUNCTION, tuple(calls), entry_point=entry, per_test_s=limits.wall_s, name=name
    )


def max_wall(spec: object, limit: float) -> float:
    """An entry's `max_wall_s`: a number, `limit` or `limit+N`."""
    if isinstance(spec, int | float):
        return float(spec)
    text = str(spec).replace(" ", "")
    if text == "limit":
        return limit
    if text.startswith("limit+"):
        return limit + float(text[len("limit+") :])
    raise VerifierConfigError(f"bad max_wall_s {spec!r}")


# --- canaries -------------------------------------------------------------------------------


class Canaries:
    """The manifest's canary set-up for the duration of a `with` block: the token in a file in
    /tmp and in `workdir` (which becomes the cwd, as a service's would be), in the environment,
    on the command line of a sleeping host process, and a listener on `CANARY_PORT`. Parallel
    test workers each listen (SO_REUSEPORT); if another process holds the port without it, there
    is no listener (`listening` False) and n01 is still checked by its own "ESCAPED" report."""

    def __init__(self, workdir: Path | str) -> None:
        self.token = secrets.token_hex(16)
        self.workdir = Path(workdir)
        self.files = [Path("/tmp") / CANARY_FILE, self.workdir / CANARY_FILE]
        self.connections = 0
        self.listening = False
        self._stop = threading.Event()

    def texts(self) -> list[str]:
        """What no run may return."""
        return ["ESCAPED", self.token]

    def __enter__(self) -> Canaries:
        for path in self.files:
            path.write_text(self.token + "\n", encoding="utf-8")
        self._old_env = {k: os.environ.get(k) for k in CANARY_ENV}
        os.environ.update(dict.fromkeys(CANARY_ENV, self.token))
        self._old_cwd = os.getcwd()
        os.chdir(self.workdir)
        self._sleeper = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(600)", self.token],
            stdin=subprocess.DEVNULL,
        )
        self._sock = _listen(CANARY_PORT)
        if self._sock is not None:
            self.listening = True
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()
        return self

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._sock is not None:
            self._thread.join(2)
            self._sock.close()
        self._sleeper.kill()
        self._sleeper.wait()
        os.chdir(self._old_cwd)
        for k, v in self._old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for path in self.files:
            with contextlib.suppress(OSError):
                path.unlink()


def _listen(port: int) -> socket.socket | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(16)
        sock.settimeout(0.2)
        return sock
    except OSError:
        sock.close()
        return None


# --- host checks ----------------------------------------------------------------------------


def connects(port: int) -> bool:
    """A real connection to a host loopback listener. A TCP self-connect is not one: a probe
    whose ephemeral source port happens to be `port` connects to itself when nothing listens."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            return conn.getsockname() != conn.getpeername()
    except OSError:
        return False


class PortProbe:
    """Connects to a host loopback port over and over while a run goes on. A listener some other
    host process had before the run (`busy_before`) says nothing about the sandbox."""

    def __init__(self, port: int) -> None:
        self.port, self.connected, self._stop = port, 0, threading.Event()
        self.busy_before = False
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.connected += connects(self.port)
            self._stop.wait(0.05)

    def __enter__(self) -> PortProbe:
        self.busy_before = connects(self.port)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


def processes_of(uids: Collection[int]) -> list[int]:
    """Every host process whose real uid is in `uids`."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                for line in Path(f"/proc/{name}/status").read_text().splitlines():
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) in uids:
                            found.append(int(name))
                        break
    return found


def left_behind(uids: Collection[int], runner: OwnsProcesses) -> list[int]:
    """Host processes under `uids` that are not the runner's own: what runs left behind. The
    runner is asked after the listing, and a pid must still be there after both, so a launcher
    that ended (and was reaped) in between is not counted and one cloned in between not seen."""
    listed = processes_of(uids)
    own = runner.own_pids()
    return [pid for pid in listed if pid not in own and Path(f"/proc/{pid}").exists()]


def describe(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
        return f"{stat[:60]} | {cmd!r}"
    except OSError:
        return f"{pid} (gone)"


def processes_named(comm: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{name}/comm").read_text().strip() == comm:
                    found.append(int(name))
    return found


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def disk_free() -> dict[str, int]:
    """Free bytes of /tmp and of the cwd."""
    out = {}
    for path in ("/tmp", os.getcwd()):
        st = os.statvfs(path)
        out[path] = st.f_bavail * st.f_frsize
    return out


def _site_dirs() -> list[str]:
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    dirs += ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"]
    dirs.append(f"/usr/local/lib/python3.{sys.version_info.minor}/dist-packages")
    return list(dict.fromkeys(dirs))


def host_paths(entry: dict) -> list[Path]:
    """The paths of the entry's `host_paths_absent` checks (`<site-packages>` expanded)."""
    paths = []
    for check in entry["expect"].get("host_checks", []):
        name, _, arg = str(check).partition(":")
        if name != "host_paths_absent":
            continue
        for item in arg.split(" ")[0].split(","):
            if item.startswith("<site-packages>"):
                paths += [Path(d + item[len("<site-packages>") :]) for d in _site_dirs()]
            elif item:
                paths.append(Path(item))
    return paths


def probe_port(entry: dict) -> int | None:
    """The port of the entry's `host_port_closed` check, if it has one."""
    for check in entry["expect"].get("host_checks", []):
        name, _, arg = str(check).partition(":")
        if name == "host_port_closed":
            return int(re.match(r"\d+", arg).group())  # type: ignore[union-attr]
    return None


# --- running entries ------------------------------------------------------------------------


def _status_name(report: CodeReport) -> str:
    return "pass" if report.failure is None else report.failure.value


def run_entry(
    corpus: Corpus,
    entry: dict,
    runner: Runner,
    canaries: Canaries,
    *,
    sandbox_uids: Collection[int] | None = None,
    control: Callable[[], bool] | None = None,
) -> EntryOutcome:
    """One entry judged through `runner`; `sandbox_uids` as in the module docstring (the runner
    must then have `own_pids()`)."""
    limits = corpus_limits(corpus.conventions)
    expect = entry["expect"]
    code = (corpus.root / entry["file"]).read_text(encoding="utf-8")
    tests = problem_tests(corpus, entry["problem"], limits)
    checks = [str(c) for c in expect.get("host_checks", [])]
    problems: list[str] = []
    notes: list[str] = []

    absent = host_paths(entry)
    for path in absent:
        with contextlib.suppress(OSError):
            path.unlink()
    port = probe_port(entry)
    cwd_before = set(os.listdir("."))
    free_before = disk_free()
    rss_before = rss_bytes()
    conns_before = canaries.connections

    probe = PortProbe(port) if port else contextlib.nullcontext()
    t0 = time.monotonic()
    with probe:
        report = judge(code, tests, runner=runner, limits=limits)
    wall = time.monotonic() - t0
    rss_after = rss_bytes()

    status = _status_name(report)
    reward = report.verdict.reward
    if reward != expect["reward"]:
        problems.append(f"reward {reward}, expected {expect['reward']}")
    if status not in expect["status_any_of"]:
        problems.append(f"status {status}, expected one of {expect['status_any_of']}")
    bound = max_wall(expect.get("max_wall_s", "limit+2"), limits.wall_s)
    if report.max_run_wall_s > bound:
        problems.append(f"a run took {report.max_run_wall_s:.2f} s > {bound:.2f} s")
    returned = "\n".join(
        [report.stdout, report.stderr, report.verdict.reason, report.verdict.first_failure or ""]
    )
    for marker in expect.get("forbid_output", []):
        text = canaries.token if marker == "$CANARY" else marker
        if text in returned:
            problems.append(f"forbidden output {marker!r} returned")

    time.sleep(1.0 if any(c.startswith("no_surviving") for c in checks) else 0)
    for check in checks:
        name = check.partition(":")[0].split(" ")[0]
        if name == "service_alive":
            if control is not None and not control():
                problems.append("control run failed right after this entry")
        elif name == "no_surviving_processes" or name == "no_zombies_left":
            # by name as the manifest says, among the runner's uids: a parallel test worker's
            # p04 has its own escape_orphan for a moment, under its own uids
            named = processes_named("escape_orphan")
            if sandbox_uids is not None:
                named = [pid for pid in named if pid in processes_of(sandbox_uids)]
            if "escape_orphan" in check and named:
                problems.append("an 'escape_orphan' process survived")
            if sandbox_uids is None:
                notes.append(f"{name}: not checked (no sandbox uids given)")
            elif left := left_behind(sandbox_uids, runner):  # type: ignore[arg-type]
                shown = [describe(pid) for pid in left[:5]]
                problems.append(f"{len(left)} sandbox processes left: {shown}")
        elif name == "host_paths_absent":
            if found := [str(p) for p in absent if p.exists()]:
                problems.append(f"host paths written: {found}")
        elif name == "canary_listener_no_connection":
            if not canaries.listening:
                notes.append("canary listener unavailable (port busy)")
            elif canaries.connections != conns_before:
                problems.append("the canary listener accepted a connection")
        elif name == "host_port_closed":
            if isinstance(probe, PortProbe) and probe.busy_before:
                notes.append(f"host_port_closed: not checked (port {port} busy before)")
            elif isinstance(probe, PortProbe) and probe.connected:
                problems.append(f"host reached port {port} during the run")
        elif name == "host_disk_free_unchanged":
            for where, before in free_before.items():
                if abs(disk_free()[where] - before) > DISK_SLACK:
                    problems.append(f"free space of {where} changed by > 64 MiB")
        elif name == "service_memory_bounded":
            if rss_after - rss_before > 4 * limits.output_bytes + MEMORY_SLACK:
                problems.append(f"service RSS grew by {(rss_after - rss_before) >> 20} MiB")
        elif name == "no_core_file":
            if new := [f for f in set(os.listdir(".")) - cwd_before if f.startswith("core")]:
                problems.append(f"core files: {new}")
        else:
            notes.append(f"unknown host check {check!r}")
    return EntryOutcome(
        entry["id"], not problems, status, reward, wall, tuple(problems), tuple(notes), report
    )


def run_corpus(
    corpus: Corpus,
    runner: Runner,
    workdir: Path | str,
    *,
    sandbox_uids: Collection[int] | None = None,
    only: Collection[str] | None = None,
) -> Iterator[EntryOutcome]:
    """Every entry (or those in `only`), in manifest order, inside one canary set-up whose
    service directory is `workdir`."""
    control_entry = next((e for e in corpus.entries if e["id"] == "c01"), None)
    if control_entry is None:
        control_entry = next(e for e in corpus.entries if e["expect"]["reward"] == 1)
    limits = corpus_limits(corpus.conventions)
    control_code = (corpus.root / control_entry["file"]).read_text(encoding="utf-8")
    control_tests = problem_tests(corpus, control_entry["problem"], limits)

    def control() -> bool:
        return judge(control_code, control_tests, runner=runner, limits=limits).failure is None

    with Canaries(workdir) as canaries:
        for entry in corpus.entries:
            if only is None or entry["id"] in only:
                yield run_entry(
                    corpus, entry, runner, canaries, sandbox_uids=sandbox_uids, control=control
                )
