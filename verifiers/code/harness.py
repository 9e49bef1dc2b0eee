"""The function-call harness that runs INSIDE the sandbox, and the value codec both sides share.

This file runs in the sandbox as module `proofloom_harness`, whose `main()` a small program calls
(`judge.harness_program`): the zygote imports it once at start-up (`sandbox.preload_module`),
any other runner compiles it from the copy sent with each batch. So it is stdlib-only and
self-contained, and holds no secret at import. The host imports it only for `encode`/`decode`.

Inside the sandbox two processes take part:

- the *supervisor* (the run's program process) marks itself non-dumpable (its memory and fds are
  then closed to /proc and ptrace of the same uid) and forks a *worker*, which waits. Only then
  does the supervisor read the per-run nonce from the file `nonce` and unlink it, and let the
  worker go: the worker, which runs the candidate's code, never holds the nonce and cannot find
  it. (Not stdin: in bubblewrap the sandbox's PID 1 keeps stdin open, and /proc/1/fd/0 re-reads
  it from the start.)
- the *worker* moves to its own session, sends its stdout to the sandbox's stderr (the candidate's
  prints stay visible to the host but apart from the result), loads `candidate.py` as module
  `candidate`, calls the entry point on each input of `job.json` and writes one JSON line per test
  to a private pipe.

The supervisor enforces a per-test wall limit from outside the worker (a candidate that cancels
SIGALRM/itimers cannot cancel it), kills the worker's process group on overrun, and prints ONE line
`<nonce> <json>` on stdout. The host accepts only that line: whatever else reaches stdout cannot
start with the nonce. A program that manages to garble the frame itself (say, a leftover process
writing into the sandbox's stdout while the frame is written) gets an ERROR verdict, never a pass.

A return value whose encoding exceeds DIGEST_OVER travels as the sha256 of its canonical encoding
(set members and dict items sorted), and is compared with the expected value's digest: exact
equality, no float tolerance.

Why a forged result cannot earn reward: expected outputs never enter the sandbox. The worker only
reports *return values*, encoded as plain data (exact builtin types only: an object with a rigged
`__eq__` is refused here, not compared), and the host compares them outside. A candidate that writes
fake lines into the result pipe still has to produce the right values for every input, which is
solving the task.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

NONCE_FILE = "nonce"
EXIT_GRACE_S = 0.2
_TICKS = os.sysconf("SC_CLK_TCK")
MAX_DEPTH = 64  # a self-referencing list must not recurse forever
MAX_RESULT_BYTES = 1 << 20  # a result line; a bigger value travels as its digest
DIGEST_OVER = 64 << 10  # encoded values longer than this are sent as a digest
_BIG_INT = 1 << 53  # bigger ints travel as hex: no json or int->str digit limits


class Unserialisable(TypeError):
    pass


def encode(value: object, depth: int = 0) -> object:
    """Encode plain data as JSON, tagging what JSON cannot say.

    Builtin types only. Subclasses (a Counter, a namedtuple, an IntEnum) are read through the
    builtin's own methods, so they travel as the plain value they hold and no overridden method of
    theirs ever runs; anything else raises Unserialisable.
    """
    if depth > MAX_DEPTH:
        raise Unserialisable("value nested too deeply")
    if value is None or value is True or value is False:
        return value
    for base, enc in _ENCODERS:
        if isinstance(value, base):
            return enc(value, depth + 1)
    raise Unserialisable(f"return value of type {type(value).__name__!r} is not plain data")


def _enc_int(v: int, depth: int) -> object:
    v = int.__int__(v)
    return v if -_BIG_INT < v < _BIG_INT else {"__t": "int", "v": hex(v)}


def _enc_float(v: float, depth: int) -> object:
    v = float.__float__(v)
    return v if math.isfinite(v) else {"__t": "float", "v": repr(v)}


def _enc_dict(v: dict, depth: int) -> object:
    return {"__t": "dict", "v": [[encode(k, depth), encode(x, depth)] for k, x in dict.items(v)]}


def _enc_set(v: set | frozenset, depth: int) -> object:
    if isinstance(v, frozenset):
        return {"__t": "frozenset", "v": [encode(x, depth) for x in frozenset.__iter__(v)]}
    return {"__t": "set", "v": [encode(x, depth) for x in set.__iter__(v)]}


def _enc_complex(v: complex, depth: int) -> object:
    return {"__t": "complex", "v": [_enc_float(v.real, 0), _enc_float(v.imag, 0)]}


_ENCODERS: tuple[tuple[type | tuple[type, ...], Callable[[Any, int], object]], ...] = (
    (int, _enc_int),
    (float, _enc_float),
    (str, lambda v, d: str.__str__(v)),
    (list, lambda v, d: [encode(x, d) for x in list.__iter__(v)]),
    (tuple, lambda v, d: {"__t": "tuple", "v": [encode(x, d) for x in tuple.__iter__(v)]}),
    (dict, _enc_dict),
    ((set, frozenset), _enc_set),
    (complex, _enc_complex),
    (bytes, lambda v, d: {"__t": "bytes", "v": bytes.hex(v)}),
)


def _float(data: Any) -> float:
    value: Any = decode(data)  # inf and nan arrive tagged
    return float(value)


def _dec_dict(v: list) -> dict:
    return {decode(k): decode(x) for k, x in v}


_DECODERS: dict[str, Callable[[Any], object]] = {
    "int": lambda v: int(v, 16),
    "float": float,
    "tuple": lambda v: tuple(decode(x) for x in v),
    "dict": _dec_dict,
    "set": lambda v: {decode(x) for x in v},
    "frozenset": lambda v: frozenset(decode(x) for x in v),
    "complex": lambda v: complex(_float(v[0]), _float(v[1])),
    "bytes": bytes.fromhex,
}


def decode(data: object) -> object:
    """Inverse of `encode`. Builds only builtin values, never calls anything the data names."""
    if isinstance(data, list):
        return [decode(x) for x in data]
    if isinstance(data, dict):
        tag = data.get("__t")
        if tag not in _DECODERS or set(data) != {"__t", "v"}:
            raise ValueError(f"bad encoded value: {str(data)[:80]}")
        return _DECODERS[tag](data["v"])
    return data


def _canonical(enc: object) -> object:
    """An encoded value with set members and dict items in a fixed order (equal values, equal
    JSON), for digests."""
    if isinstance(enc, list):
        return [_canonical(x) for x in enc]
    if isinstance(enc, dict):
        items = [_canonical(x) for x in enc["v"]] if isinstance(enc["v"], list) else enc["v"]
        if enc["__t"] in ("set", "frozenset", "dict"):
            items = sorted(items, key=lambda x: json.dumps(x, separators=(",", ":")))
        return {"__t": enc["__t"], "v": items}
    return enc


_UNORDERED_TAGS = ('"__t":"set"', '"__t":"frozenset"', '"__t":"dict"')


def _digest_encoded(enc: object, text: str | None = None) -> str:
    """sha256 of the compact JSON of the canonical encoding; `text` = compact JSON of `enc`, if
    known (then reused when nothing in it needs reordering)."""
    import hashlib

    if text is None:
        text = json.dumps(enc, separators=(",", ":"))
    if any(tag in text for tag in _UNORDERED_TAGS):
        text = json.dumps(_canonical(enc), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def digest(value: object) -> str:
    """The digest a large return value travels as (exact equality only: no float tolerance,
    and 3 and 3.0 differ)."""
    return _digest_encoded(encode(value))


def _describe(exc: BaseException) -> str:
    # str() of a candidate's exception runs candidate code: guard it
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001
        text = "<unprintable>"
    return f"{type(exc).__name__}: {text[:300]}"


def _worker(w_res: int, job: dict) -> None:
    """Runs in the forked child; never returns."""
    write, dumps, _exit = os.write, json.dumps, os._exit  # bound before the candidate can patch

    def exit_(code: int) -> None:
        for stream in (sys.stdout, sys.stderr):  # the candidate's prints, for the host's eyes
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        _exit(code)

    def send(record: dict) -> None:
        data = (dumps(record) + "\n").encode()
        while data:
            data = data[write(w_res, data) :]

    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(2, 1)
        os.close(null)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
        with open("candidate.py", encoding="utf-8") as f:
            source = f.read()
        module = type(sys)("candidate")
        module.__file__ = os.path.abspath("candidate.py")
        sys.modules["candidate"] = module
        try:
            exec(compile(source, "candidate.py", "exec"), module.__dict__)
            fn: Any = module.__dict__.get(job["entry_point"])
            if not callable(fn):
                raise NameError(f"entry point {job['entry_point']!r} is not defined")
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a failure too
            send({"import_error": _describe(exc)})
            exit_(0)
        send({"imported": True})
        for i, raw in enumerate(job["inputs"]):
            args: Any = decode(raw)
            try:
                out = fn(*args)
                if job.get("not_none"):
                    out = out is not None
                value = encode(out)
                text = dumps(value, separators=(",", ":"))
                if len(text) > DIGEST_OVER:
                    record = {"i": i, "digest": _digest_encoded(value, text), "size": len(text)}
                else:
                    record = {"i": i, "value": value}
            except BaseException as exc:  # noqa: BLE001
                record = {"i": i, "error": _describe(exc)}
            send(record)
    except BaseException as exc:  # noqa: BLE001
        try:
            send({"crash": _describe(exc)})
        except BaseException:  # noqa: BLE001
            pass
    exit_(0)


def _libc_prctl() -> Callable[..., int] | None:
    # made once at import (a zygote that preloads this module makes it once for all runs):
    # ctypes builds a class per CDLL, a measured ~0.5 ms a run
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except Exception:  # noqa: BLE001 - best effort; the nonce is defence in depth
        return None


_PRCTL = _libc_prctl()


def _non_dumpable() -> None:
    # PR_SET_DUMPABLE=0: /proc/<pid>/{mem,fd,environ} and ptrace become root-only for this process
    if _PRCTL is not None:
        _PRCTL(4, 0, 0, 0, 0)


def _kill(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
        except OSError:
            pass


def _cpu_s(pid: int) -> float:
    """CPU seconds the worker used so far: its process CPU clock (clock_getcpuclockid's id,
    one system call, where /proc/<pid>/stat took ~80 us to open and parse, many times a run),
    else utime + stime from /proc; 0 when neither can be read."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _supervise(pid: int, r_res: int, n: int, job: dict) -> dict:
    """Collect the worker's records; end a call that used `per_test_s` of CPU or `wall_s` of
    wall time (import: `import_s` of either). CPU, not wall, is the real limit: a right program
    starved by a loaded machine keeps its budget; the wall limit only backs it up."""
    per_test_s, wall_factor = float(job["per_test_s"]), float(job["wall_factor"])
    wall_cap = float(job["wall_cap_s"])
    records: list[dict] = []
    buf = b""
    stop = ""
    budget = int(job["frame_budget"])  # the frame must fit the run's stdout cap, whole
    started = time.monotonic()
    cpu_budget, wall_budget = float(job["import_s"]), float(job["import_s"])
    call_t0, call_cpu0 = started, 0.0
    imported = False
    while True:
        now = time.monotonic()
        wall_left = min(call_t0 + wall_budget, started + wall_cap) - now
        cpu_left = cpu_budget - (_cpu_s(pid) - call_cpu0)
        if wall_left <= 0 or cpu_left <= 0:
            stop = "timeout"
            break
        # wake up in time to notice the CPU budget running out
        ready = select.select([r_res], [], [], min(wall_left, max(cpu_left, 0.01), 0.25))[0]
        if not ready:
            continue
        chunk = os.read(r_res, 1 << 16)
        if not chunk:
            stop = "exit"
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        budget -= len(chunk)
        if budget < 0:
            records.append({"i": len(records), "error": "OutputLimit: results too large"})
            stop = "done"
            break
        for line in lines:
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError):
                rec = {"corrupt": line[:200].decode("utf-8", "replace")}
            if not isinstance(rec, dict):
                rec = {"corrupt": str(rec)[:200]}
            if "imported" in rec and not imported:
                imported = True
            else:
                records.append(rec)
            call_t0, call_cpu0 = time.monotonic(), _cpu_s(pid)
            cpu_budget, wall_budget = per_test_s, per_test_s * wall_factor
        if len(buf) > MAX_RESULT_BYTES + 1024:
            records.append({"corrupt": "result line too long"})
            stop = "corrupt"
            break
        if len(records) >= n or any("i" not in r for r in records):
            stop = "done"
            break
    wall = time.monotonic() - started
    if stop == "done":  # let the worker flush the candidate's prints and exit on its own
        select.select([r_res], [], [], EXIT_GRACE_S)
    _kill(pid)
    _, status, usage = os.wait4(pid, 0)
    return {
        "records": records,
        "stop": stop,
        "imported": imported,
        "worker_status": status,
        "worker_cpu_s": usage.ru_utime + usage.ru_stime,
        "worker_wall_s": wall,
        "call_wall_s": time.monotonic() - call_t0,
    }


def main() -> None:
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    _non_dumpable()  # before fork: the worker must never see a window where it is not set
    r_res, w_res = os.pipe()
    r_go, w_go = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r_res)
        os.close(w_go)
        if os.read(r_go, 1) != b"g":  # the supervisor died before the nonce was gone
            os._exit(1)
        os.close(r_go)
        _worker(w_res, job)
    os.close(w_res)
    os.close(r_go)
    with open(NONCE_FILE, encoding="ascii") as f:
        nonce = f.read().strip()
    os.unlink(NONCE_FILE)
    os.write(w_go, b"g")
    os.close(w_go)
    report = _supervise(pid, r_res, len(job["inputs"]), job)
    sys.stdout.write(f"\n{nonce} {json.dumps(report)}\n")
    sys.stdout.flush()
