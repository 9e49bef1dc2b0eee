"""Geometry problems for ReST-EM: the generator's auxiliary records, and the built-in set.

A record (`generate.geometry.records.GeometryRecord`, or any JSON object with the same two
fields) becomes one problem when it has auxiliary clauses:

- `problem`: the statement in AlphaGeometry syntax, `clauses ? goal`, WITHOUT the auxiliary
  clauses. It is the prompt, and the `GeometryTask` DD+AR judges a completion against;
- `aux_clauses`: the generator's auxiliary clauses; joined by "; " they are the reference
  completion the tiny model's seed training imitates (`meta["solution"]`).

Records without auxiliary clauses are skipped: DD+AR proves them alone, so any completion that
parses would be "correct" and the policy would learn nothing about constructions.

**Premise sets.** The generator draws one figure (a premise set) and keeps up to `--max-goals`
theorems of it, so one figure gives many records (in one generator run we read, 341 auxiliary
records came from 32 figures). A held-out split by record would test on figures it trained on.
Each problem therefore carries `meta["premise_set"]`, the key the loop splits by: records that
share the generator's premise-set seed (`seed`) or the same premise clauses (the text before
` ? `) are one group (union-find over both, so a figure whose sub-statements differ and two
figures that share a statement are each kept on one side). The key is a hash of the group's
least member, so it does not depend on the file's order.

**The built-in set** (`generate_default`): `python -m generate.geometry --aux-only` into
`RUN/problems/`, run as a child process and stopped with SIGINT at a time budget (the generator
commits whole shards, in rank order, so what it leaves is a prefix of the records its seed
gives). A killed generation is resumed by the generator itself; a finished one (target or
budget reached) is marked `.complete` and reused as it is, so a resumed loop sees the same
problems.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generate.errors import UsageError
from generate.rest_em.datasets import Row, json_lines
from generate.shards import DONE

logger = logging.getLogger(__name__)


# The generator's flags for the built-in set. Auxiliary theorems are rare on random figures
# (RESULTS.md: 4.8% of a default run), so the settings favour them: smaller figures (6-10
# points close faster, and their problems verify faster in the E-step), twice the candidate
# constructions per open fact, and at most 6 theorems per figure, which spreads the set over
# more premise sets (the unit of the held-out split) instead of 32 goals of one figure.
GENERATOR_FLAGS = ("--aux-only", "--points", "6-10", "--constructions", "8", "--max-goals", "6")


def geometry_rows(source: str, timeout_s: float) -> list[Row]:
    """One row per auxiliary record of `source`: a JSONL (optionally .gz) or Parquet file, or a
    `generate.geometry` run directory (its committed `data/` shards)."""
    from verifiers.errors import VerifierConfigError
    from verifiers.geometry import GeometryTask

    records = list(_records(source))
    keys = premise_sets(records)
    rows: list[Row] = []
    for (where, record), key in zip(records, keys, strict=True):
        problem, aux = record.get("problem"), record.get("aux_clauses")
        if not isinstance(problem, str) or " ? " not in problem:
            raise UsageError(
                f"--problems {where}: needs 'problem' as AlphaGeometry text 'clauses ? goal'"
            )
        if not isinstance(aux, list) or not all(isinstance(c, str) for c in aux):
            raise UsageError(f"--problems {where}: needs 'aux_clauses', a list of clauses")
        if not aux:
            continue
        pid = str(record.get("id") or where)
        meta = {"solution": "; ".join(aux), "premise_set": key}
        try:
            task = GeometryTask(problem=problem, timeout_s=timeout_s)
        except VerifierConfigError as exc:
            raise UsageError(f"--problems {where}: {exc}") from None
        rows.append((pid, problem, "", task, "", meta))
    return rows


def premise_sets(records: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each record's premise-set key (see the module docstring): records sharing a generator
    seed or a premise text get the same key."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    names = []
    for _, record in records:
        own = ["premises:" + str(record.get("problem", "")).split(" ? ")[0].strip()]
        if isinstance(record.get("seed"), int):  # the generator's per-figure seed
            own.append(f"seed:{record['seed']}")
        for other in own[1:]:
            a, b = find(own[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the least name is the root: order-free
        names.append(own[0])
    return [hashlib.blake2b(find(n).encode(), digest_size=8).hexdigest() for n in names]


def _records(source: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) for every record of a file or a generator run directory."""
    path = Path(source)
    if path.is_dir():
        files = sorted(f for f in (path / "data").glob("*") if f.name[:5].isdigit())
        if not files:
            raise UsageError(f"--problems {source}: a directory without generator data/ shards")
    elif path.is_file():
        files = [path]
    else:
        raise UsageError(f"--problems {source}: no such file or directory")
    for file in files:
        if file.suffix == ".parquet":
            yield from _parquet(file)
        else:
            yield from _jsonl(file)


def _jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for n, row in json_lines(path):
        yield f"{path}:{n}", row


def _parquet(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    from generate.shards import parquet_module

    try:
        table = parquet_module().read_table(path)
    except Exception as exc:  # pyarrow's errors have no common base worth naming
        raise UsageError(f"--problems {path}: not a readable Parquet file: {exc}") from None
    for n, row in enumerate(table.to_pylist(), 1):
        yield f"{path}:{n}", row


def generate_default(out: Path, n: int, seed: int, budget_s: float, workers: int) -> Path:
    """The built-in problem set in `out` (a generator run directory), made once: see the
    module docstring. Returns `out`."""
    if (out / DONE).exists():
        return out
    command = [
        sys.executable,
        "-m",
        "generate.geometry",
        *GENERATOR_FLAGS,
        "--n",
        str(n),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--draw",
        "0",
        "--log-level",
        "warning",
    ]
    logger.info("making %d auxiliary geometry problems into %s (at most %.0f s)", n, out, budget_s)
    start = time.monotonic()
    # Ctrl-C in the terminal reaches the generator too (one process group): it commits what
    # it has and exits 130 while we wait for it; the budget's SIGINT goes to it alone
    child = subprocess.Popen(command, preexec_fn=_interrupt_when_orphaned)
    try:
        code = child.wait(timeout=budget_s)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)
        code = child.wait()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (`generate.cli.guarded`) to us alone
        try:
            child.wait(timeout=5)  # a terminal's Ctrl-C reached the generator too
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGINT)
            child.wait()
        raise
    if code not in (0, 130):
        raise UsageError(
            f"the geometry generator failed (exit {code}): rerun to resume it, or give "
            "--problems FILE"
        )
    made = sum(1 for _ in _records(str(out))) if (out / "data").is_dir() else 0
    if made == 0:
        raise UsageError(
            f"the geometry generator made no auxiliary problem in {budget_s:.0f} s; "
            "give --problems FILE"
        )
    (out / DONE).write_text(json.dumps({"records": made}) + "\n")
    logger.info("%d auxiliary problems in %.0f s", made, time.monotonic() - start)
    return out


def _interrupt_when_orphaned() -> None:
    """In the child: SIGINT when the parent dies (kill -9), so the generator commits and exits
    instead of holding the run directory's lock against the rerun (Linux; elsewhere a no-op).

    SIGINT's default action first: a shell starts a background job with SIGINT ignored, the
    child would inherit that, and Python leaves an ignored SIGINT ignored, so neither the time
    bound nor this signal would stop the generator (seen with `python -m generate.rest_em &`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGINT)
