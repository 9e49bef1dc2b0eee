"""The sandbox tests' reading of ../shared/code/attacks: a program is the whole submission, run
through a Runner without the code verifier. Stdio problems are judged by a minimal exact-output
judge; function problems run as their `program_template` (solution + tests) and only their
sandbox-level outcome is checked. Canaries, host probes and the manifest itself come from the
shared harness, `tests/attack_corpus.py`; what is here is what only this reading needs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
from pathlib import Path

from sandbox import Limits, RunResult, RunStatus
from sandbox.slots import DEFAULT_UIDS, LOCK_DIR, pids_of_uid
from tests.attack_corpus import Corpus, corpus_limits

TO_VERDICT = {
    RunStatus.RUNTIME_ERROR: "runtime_error",
    RunStatus.TIMEOUT: "timeout",
    RunStatus.MEMORY_LIMIT: "memory_limit",
    RunStatus.OUTPUT_LIMIT: "output_limit",
    RunStatus.SANDBOX_ERROR: "sandbox_error",
}


def private_uids(kind: str) -> range:
    """A uid range of its own per pytest worker and runner kind (and per test module family:
    `kind` "sandbox-bwrap", "verifiers-zygote", ...): nothing else on the machine runs under it,
    so a host check can count every process there."""
    kinds = ("sandbox-bwrap", "sandbox-zygote", "verifiers-bwrap", "verifiers-zygote")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker[2:]) if worker[2:].isdigit() else 0
    start = 64400 + 64 * n + 16 * kinds.index(kind)
    return range(start, start + 16)


def limits_for(corpus: Corpus, entry: dict) -> Limits:
    """The manifest's limits, except that entries for which a timeout is an accepted outcome run
    with 2 s instead of 5 s: the outcome class cannot change, and the suite stays fast."""
    limits = corpus_limits(corpus.conventions)
    if "timeout" in entry["expect"]["status_any_of"]:
        return limits.model_copy(update={"wall_s": 2.0, "cpu_s": 2.0})
    return limits


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


def program_for(corpus: Corpus, entry: dict, source: str) -> str:
    problem = corpus.problems[entry["problem"]]
    if problem["kind"] == "stdio":
        return source
    fields = {k: v for k, v in problem.items() if isinstance(v, str)}
    base = corpus.problems["func_add"]
    fields["humaneval_test_of_func_add"] = base["humaneval_test"]
    fields.setdefault("humaneval_test", base["humaneval_test"])
    return problem["program_template"].format(solution=source, **fields)


# --- leftovers of a runner in another process (the service) ---------------------------------
# Its own processes cannot be asked for from here, so a uid whose slot lock a live run holds is
# skipped: weaker than `attack_corpus.left_behind`, which the in-process runners get.


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


def slot_processes() -> list[int]:
    """Host processes running as a default-range slot uid that no run holds right now (parallel
    test workers run their own sandboxes under locked uids; those are not leaks)."""
    busy: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                uid = os.stat(f"/proc/{name}").st_uid
                if uid in DEFAULT_UIDS:
                    busy.setdefault(uid, []).append(int(name))
    leaked = []
    for uid, pids in list(busy.items()):
        busy[uid] = [p for p in pids if not _foreign_zombie(p)]
    for uid in [u for u, pids in busy.items() if pids]:
        fd = os.open(f"{LOCK_DIR}/{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # in use by a live run
        try:  # the lock held: no run can start under this uid while we look
            leaked += [p for p in pids_of_uid(uid) if not _foreign_zombie(p)]
        finally:
            os.close(fd)
    return leaked


def unowned(pids: list[int]) -> list[int]:
    """The pids not belonging to a live sandbox run of any process on this machine."""
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if not _held(os.stat(f"/proc/{pid}").st_uid):
                out.append(pid)
    return out


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
