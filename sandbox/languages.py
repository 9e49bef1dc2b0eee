"""How each language is run inside a sandbox: a registry, not an if/elif chain.

Every language is one `Language` entry in `LANGUAGES`: the file the source is written to in the
scratch dir, the command that runs it (compiled languages compile inside the same sandbox run, so a
hostile `#include "/etc/shadow"` sees the sandbox's filesystem, not the host's), the binaries it
needs, and how its memory is bounded.

Memory strategies:
- `address_space` (Python, C, C++): RLIMIT_AS = `Limits.memory_mb`. Simple and exact, but counts
  virtual memory, so a program that maps much and touches little is limited early.
- `v8_heap` (JavaScript): V8 reserves several GiB of *virtual* address space at start-up (its
  pointer cage), so node cannot start under a 512 MB RLIMIT_AS. Instead the JS heap is capped with
  `--max-old-space-size=memory_mb` and RLIMIT_AS is raised to `NODE_ADDRESS_SPACE` as a backstop.
  Known gap: off-heap memory (Buffers, wasm) is bounded only by that backstop.

Compile time of C/C++ counts against the run's CPU and wall limits; a failed compile exits with
`COMPILE_ERROR_EXIT` and its diagnostics on stderr (status RUNTIME_ERROR, detail "compile error").
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.errors import SandboxConfigError, SandboxUnavailable

if TYPE_CHECKING:  # sandbox.types checks request file names against `LANGUAGES` at run time
    from sandbox.types import Limits

COMPILE_ERROR_EXIT = 125
NODE_ADDRESS_SPACE = 16 << 30

_C_BINARY = "main"
_C_SCRIPT = '{compiler} {flags} -o {binary} {source} -lm 1>&2 || exit {rc}; exec ./{binary} "$@"'


@dataclass(frozen=True, slots=True)
class Language:
    name: str
    source_file: str
    command: tuple[str, ...]  # `{python}`, `{heap_mb}` are filled in by `argv`
    needs: tuple[str, ...]  # executables that must exist on the host (looked up in PATH)
    memory: str = "address_space"  # or "v8_heap"
    # stderr substrings that mean "ran out of memory" (checked on the tail of stderr)
    oom_markers: tuple[str, ...] = ()
    # files the command itself writes into the scratch dir (a compiled binary)
    outputs: tuple[str, ...] = ()

    @property
    def reserved_names(self) -> tuple[str, ...]:
        """Scratch paths a request file may not take: the source and what the command writes."""
        return (self.source_file, *self.outputs)

    def argv(self, limits: Limits, args: tuple[str, ...], python: str) -> list[str]:
        filled = [part.format(python=python, heap_mb=limits.memory_mb) for part in self.command]
        return [*filled, *args]

    def address_space_bytes(self, limits: Limits) -> int:
        if self.memory == "v8_heap":
            return max(NODE_ADDRESS_SPACE, limits.memory_mb << 21)
        return limits.memory_mb << 20


def _compiled(name: str, source: str, compiler: str, flags: str, oom: tuple[str, ...]) -> Language:
    script = _C_SCRIPT.format(
        compiler=compiler, flags=flags, source=source, rc=COMPILE_ERROR_EXIT, binary=_C_BINARY
    )
    return Language(
        name=name,
        source_file=source,
        command=("/bin/sh", "-c", script, "sh"),
        needs=("sh", compiler),
        oom_markers=oom,
        outputs=(_C_BINARY,),
    )


LANGUAGES: dict[str, Language] = {
    "python": Language(
        name="python",
        source_file="main.py",
        # -E -s: ignore PYTHON* variables and the user site (like -I, but the script's dir stays
        # on sys.path so request files import); -B: the root is read-only anyway.
        command=("{python}", "-E", "-s", "-B", "main.py"),
        needs=(),
        oom_markers=("MemoryError",),
    ),
    "c": _compiled("c", "main.c", "gcc", "-O2 -std=gnu17 -pipe", ()),
    "cpp": _compiled("cpp", "main.cpp", "g++", "-O2 -std=gnu++17 -pipe", ("std::bad_alloc",)),
    "javascript": Language(
        name="javascript",
        source_file="main.js",
        command=("node", "--max-old-space-size={heap_mb}", "--stack-size=4096", "main.js"),
        needs=("node",),
        memory="v8_heap",
        oom_markers=("heap out of memory", "Allocation failed"),
    ),
}
ALIASES = {
    "py": "python",
    "python3": "python",
    "c++": "cpp",
    "js": "javascript",
    "node": "javascript",
}


def get_language(name: str) -> Language:
    key = ALIASES.get(name.lower(), name.lower())
    try:
        return LANGUAGES[key]
    except KeyError:
        known = ", ".join(sorted(LANGUAGES))
        raise SandboxConfigError(f"unknown language {name!r}; known: {known}") from None


def available(lang: Language) -> bool:
    return all(shutil.which(tool) for tool in lang.needs)


def _world_traversable(path: Path) -> bool:
    """True if an unprivileged user can reach `path` (every parent has o+x)."""
    for part in [path, *path.parents]:
        try:
            if not os.stat(part).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


@dataclass(frozen=True, slots=True)
class PythonInstall:
    executable: str  # path inside the sandbox (same as on the host)
    extra_ro_binds: tuple[str, ...]  # host dirs to bind read-only (besides /usr)


def find_python() -> PythonInstall:
    """The interpreter the sandbox runs Python with.

    The system `/usr/bin/python3` comes with the read-only `/usr` bind. Otherwise (e.g. CI's
    setup-python under /opt) the running interpreter's prefix is bound read-only, which works only
    if the unprivileged sandbox user can traverse to it: a pyenv under /root cannot.
    """
    system = Path("/usr/bin/python3")
    if system.exists():
        return PythonInstall(str(system), ())
    prefix = Path(sys.base_prefix)
    exe = Path(sys.executable).resolve()
    if str(prefix).startswith("/usr/"):
        return PythonInstall(str(exe), ())
    if _world_traversable(prefix) and _world_traversable(exe):
        return PythonInstall(str(exe), (str(prefix),))
    raise SandboxUnavailable(
        f"no Python the sandbox user can run: /usr/bin/python3 is missing and {prefix} is not "
        "world-readable; install python3 (apt-get install python3) or use an interpreter "
        "outside /root"
    )
