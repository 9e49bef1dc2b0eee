"""`default_runner()`: the runner the rest of the project should use unless it needs a specific one.

Bubblewrap is the default backend. Python runs go through the pre-forked fast path
(`ZygoteRunner`, which passes the same attack corpus as the per-run sandbox); other languages get a
fresh bwrap sandbox per run. If the fast path cannot start here (e.g. nested user namespaces are
disabled), the per-run `BwrapRunner` serves everything and a warning is logged.
"""

from __future__ import annotations

import logging
import threading

from sandbox.bwrap import BwrapRunner
from sandbox.errors import SandboxUnavailable
from sandbox.types import Runner
from sandbox.zygote import ZygoteRunner

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_default: Runner | None = None


def default_runner(workers: int | None = None) -> Runner:
    """A process-wide shared runner, created on first use (later `workers` values are ignored).
    Raises SandboxUnavailable if this machine cannot sandbox at all (no bwrap)."""
    global _default
    with _lock:
        if _default is None:
            base = BwrapRunner()
            try:
                _default = ZygoteRunner(workers, base=base)
            except SandboxUnavailable as exc:
                logger.warning("pre-forked sandbox unavailable (%s); using one bwrap per run", exc)
                _default = base
        return _default
