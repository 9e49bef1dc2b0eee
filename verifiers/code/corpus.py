"""Run an attack corpus (the `manifest.json` format of ../shared/code/attacks) through a runner and
the code verifier, with the manifest's canaries and host checks.

Each entry's program is judged by `judge()` as a model's answer to its problem: stdio problems as
stdio cases, function problems as call cases (from the problem's `io`, else from the literal
assertions of its test code). An entry passes when its reward and status are expected, each
sandbox run returned within `max_wall_s` (the manifest's judge ran one run per test), nothing it
returned (stdout, stderr, the verdict) contains `ESCAPED` or the canary token, and every host
check holds.

Host checks need to know which host processes a run started: `sandbox_uids` names the host uids the
runner runs programs as (give the runner a private uid range so that nothing else uses them). 1 s
after the entry, no process under those uids may remain outside the PID namespaces the runner's own
long-lived processes had before it (a pre-forked runner's workers; none for bwrap per run).
A check that cannot be made here is reported in the outcome's `notes`, never silently passed.
"""

from __future__ import annotations

import contextlib
import json
import logging
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

from sandbox import Limits, Runner
from verifiers.code.judge import judge
from verifiers.code.loaders import assert_cases
from verifiers.code.types import CallCase, CodeReport, CodeTests, StdioCase, TestKind
from verifiers.errors import VerifierConfigError

logger = logging.getLogger(__name__)

CANARY_FILE = "sandbox_canary_secret.txt"
CANARY_ENV = "SANDBOX_CANARY_SECRET"
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


def load_corpus(root: Path | str) -> Corpus:
    root = Path(root)
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
    """The manifest's canary set-up, for the duration of a `with` block."""

    def __init__(self, service_dir: Path | str | None = None) -> None:
        self.token = secrets.token_hex(16)
        self.files = [Path("/tmp") / CANARY_FILE, Path(service_dir or os.getcwd()) / CANARY_FILE]
        self.connections = 0
        self.listening = False
        self._stop = threading.Event()

    def __enter__(self) -> Canaries:
        for path in self.files:
            path.write_text(self.token + "\n", encoding="utf-8")
        self._old_env = os.environ.get(CANARY_ENV)
        os.environ[CANARY_ENV] = self.token
        self._sleeper = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(600)", self.token]
        )
        self._sock = self._listen()
        if self._sock is not None:
            self.listening = True
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()
        return self

    def _listen(self) -> socket.socket | None:
        deadline = time.monotonic() + 10
        while True:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", CANARY_PORT))
                sock.listen(16)
                sock.settimeout(0.2)
                return sock
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    logger.warning("canary port %d busy: listener check unavailable", CANARY_PORT)
                    return None
                time.sleep(0.5)

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
        if self._old_env is None:
            os.environ.pop(CANARY_ENV, None)
        else:
            os.environ[CANARY_ENV] = self._old_env
        for path in self.files:
            with contextlib.suppress(OSError):
                path.unlink()


# --- host checks ----------------------------------------------------------------------------


def _procs_of(uids: Collection[int]) -> list[tuple[int, str, str]]:
    """(pid, comm, state) of every host process whose real uid is in `uids`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if int(fields.get("Uid", "-1").split()[0]) in uids:
            found.append((int(name), fields.get("Name", "?"), fields.get("State", "?")[:1]))
    return found


def _pid_ns(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return "gone"


def _comm_alive(comm: str) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{name}/comm").read_text().strip() == comm:
                    pids.append(int(name))
    return pids


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _free(path: str) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _site_dirs() -> list[str]:
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    dirs += ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"]
    return list(dict.fromkeys(dirs))


def _absent_paths(spec: str) -> list[Path]:
    paths = []
    for item in spec.split(","):
        if item.startswith("<site-packages>"):
            paths += [Path(d + item[len("<site-packages>") :]) for d in _site_dirs()]
        elif item:
            paths.append(Path(item))
    return paths


class _PortProbe:
    """Connects to a host loopback port over and over while the run goes on. Two connections
    say nothing about the sandbox and are not counted: a TCP self-connect (the kernel picked the
    port itself as the ephemeral source port: a port in the ephemeral range with no listener
    "answers" now and then) and a listener some other host process had before the run."""

    def __init__(self, port: int) -> None:
        self.port, self.connected, self._stop = port, 0, threading.Event()
        self.busy_before = False
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _reached(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                return conn.getsockname() != conn.getpeername()
        except OSError:
            return False

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.connected += self._reached()
            self._stop.wait(0.1)

    def __enter__(self) -> _PortProbe:
        self.busy_before = self._reached()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


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
    limits = corpus_limits(corpus.conventions)
    expect = entry["expect"]
    code = (corpus.root / entry["file"]).read_text(encoding="utf-8")
    tests = problem_tests(corpus, entry["problem"], limits)
    checks = [str(c) for c in expect.get("host_checks", [])]
    problems: list[str] = []
    notes: list[str] = []

    absent: list[Path] = []
    probe_port = None
    for check in checks:
        name, _, arg = check.partition(":")
        if name == "host_paths_absent":
            absent += _absent_paths(arg.split(" ")[0])
        if name == "host_port_closed":
            probe_port = int(re.match(r"\d+", arg).group())  # type: ignore[union-attr]
    for path in absent:
        with contextlib.suppress(OSError):
            path.unlink()
    cwd_before = set(os.listdir("."))
    # a pre-forked runner's own workers run under these uids too: what counts is a new process in
    # a PID namespace of its own (the run's), not one of the runner's (its workers' namespaces)
    runner_ns = {_pid_ns(pid) for pid, _, _ in _procs_of(sandbox_uids)} if sandbox_uids else set()
    free_before = {p: _free(p) for p in ("/tmp", ".")}
    rss_before = _rss()
    conns_before = canaries.connections

    probe = _PortProbe(probe_port) if probe_port else contextlib.nullcontext()
    t0 = time.monotonic()
    with probe:
        report = judge(code, tests, runner=runner, limits=limits)
    wall = time.monotonic() - t0
    rss_after = _rss()

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
            if "escape_orphan" in check and _comm_alive("escape_orphan"):
                problems.append("an 'escape_orphan' process survived")
            if sandbox_uids is None:
                notes.append(f"{name}: not checked (no sandbox uids given)")
            elif left := [p for p in _procs_of(sandbox_uids) if _pid_ns(p[0]) not in runner_ns]:
                problems.append(f"{len(left)} sandbox processes left: {left[:5]}")
        elif name == "host_paths_absent":
            if found := [str(p) for p in absent if p.exists()]:
                problems.append(f"host paths written: {found}")
        elif name == "canary_listener_no_connection":
            if not canaries.listening:
                notes.append("canary listener unavailable (port busy)")
            elif canaries.connections != conns_before:
                problems.append("the canary listener accepted a connection")
        elif name == "host_port_closed":
            if isinstance(probe, _PortProbe) and probe.busy_before:
                notes.append(f"host_port_closed: not checked (port {probe_port} busy before)")
            elif isinstance(probe, _PortProbe) and probe.connected:
                problems.append(f"host reached port {probe_port} during the run")
        elif name == "host_disk_free_unchanged":
            for where, before in free_before.items():
                if abs(_free(where) - before) > DISK_SLACK:
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
    *,
    sandbox_uids: Collection[int] | None = None,
    only: Collection[str] | None = None,
) -> Iterator[EntryOutcome]:
    """Every entry (or those in `only`), in manifest order, inside one canary set-up."""
    control_entry = next((e for e in corpus.entries if e["id"] == "c01"), None)
    if control_entry is None:
        control_entry = next(e for e in corpus.entries if e["expect"]["reward"] == 1)
    limits = corpus_limits(corpus.conventions)
    control_code = (corpus.root / control_entry["file"]).read_text(encoding="utf-8")
    control_tests = problem_tests(corpus, control_entry["problem"], limits)

    def control() -> bool:
        return judge(control_code, control_tests, runner=runner, limits=limits).failure is None

    with Canaries() as canaries:
        for entry in corpus.entries:
            if only is None or entry["id"] in only:
                yield run_entry(
                    corpus, entry, runner, canaries, sandbox_uids=sandbox_uids, control=control
                )
