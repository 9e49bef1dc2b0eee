"""`default_runner()`: the runner the rest of the project should use unless it needs a specific one.

Bubblewrap is the default backend. Python runs go through the pre-forked fast path when it is
available (it passes the same attack corpus); other languages always get a fresh bwrap sandbox.
"""

from __future__ import annotations

import threading

from sandbox.bwrap import BwrapRunner
from sandbox.types import Runner

_lock = threading.Lock()
_default: Runner | None = None


def default_runner() -> Runner:
    """A process-wide shared runner (created on first use; raises SandboxUnavailable if the
    machine cannot sandbox)."""
    global _default
    with _lock:
        if _default is None:
            _default = BwrapRunner()
        return _default
