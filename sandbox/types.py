"""The run request and run result every sandbox backend speaks.

These are pydantic models because they cross the HTTP boundary of the verification service
unchanged; everything inside a backend uses plain Python. `Runner` is the one seam: bubblewrap,
docker, the pre-forked fast path and the HTTP client all implement `run(request) -> result`.

A `RunRequest` is checked whole when it is made, so no backend meets a request it cannot place:
its language is known; its files have names a scratch dir can hold (relative, normalised, no `..`,
no NUL, within length caps, none of them the source's name or a directory of
another) and fit the caps below and the run's scratch; its argv can reach execve. A bad one raises
`InvalidRequest` (a ValueError) with a one-line reason; the service answers it with a 400.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sandbox.errors import InvalidRequest, SandboxConfigError
from sandbox.languages import get_language

# Caps on what a request may place in a run's scratch dir, and why:
# a test harness needs a handful of files; bwrap holds one host fd per file while a run is set up,
# so this count times the concurrent runs must stay under the host's fd limit (1024 by default)
MAX_FILES = 64
# the source and files sit in host memory (a memfd each) until the run starts, once per
# concurrent run; half the default 64 MiB scratch, which must also hold what the program writes
MAX_FILES_BYTES = 32 << 20
# NAME_MAX: the kernel refuses a longer path component (ENAMETOOLONG)
MAX_NAME_BYTES = 255
# far below PATH_MAX (4096) with the scratch dir's prefix; no real test layout is deeper
MAX_PATH_BYTES = 1024
# execve refuses an argument list over ARG_MAX (a quarter of the stack limit, 2 MiB by default,
# less what the environment and the backend's own command line take); a program under test
# needs a few words
MAX_ARGV_BYTES = 64 << 10
_PAGE = 4096  # tmpfs gives each file whole pages


def unencodable(texts: dict[str, str]) -> str | None:
    """What is wrong with the first of `texts` (name -> text) that UTF-8 cannot carry (a lone
    surrogate, which JSON allows), or None."""
    for where, text in texts.items():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{where}: not valid Unicode ({exc.reason})"
    return None


def first_error(errors: Sequence[Mapping[str, Any]]) -> str:
    """One line for a list of pydantic errors: where the first is and what it says."""
    if not errors:
        return "invalid request"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    msg = str(first.get("msg", "invalid"))
    while msg.startswith("Value error, "):  # pydantic's prefix, once per layer that re-raised
        msg = msg.removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {msg}{more}" if where else f"{msg}{more}"


def _shown(name: str) -> str:
    # a reason is one line of readable length, whatever the name
    return repr(name) if len(name) <= 60 else repr(name[:40]) + f"... ({len(name)} characters)"


def _name_problem(name: str) -> str | None:
    """Why `name` cannot be a file in the scratch dir on its own, or None."""
    path = PurePosixPath(name)
    if "\0" in name:
        return "contains a NUL byte"
    if not path.parts:  # "" and "." both
        return "names no file ('' and '.' are the scratch dir itself)"
    if path.is_absolute():
        return "must be relative to the scratch dir"
    if ".." in path.parts:
        return "has a '..' component"
    if str(path) != name:
        return f"is not in normal form (no '.' or empty components, no trailing '/'): {str(path)!r}"
    if name.startswith("-"):
        return "starts with '-', which the backends refuse (it reads as an option)"
    if any(len(part.encode()) > MAX_NAME_BYTES for part in path.parts):
        return f"has a component over {MAX_NAME_BYTES} bytes"
    if len(name.encode()) > MAX_PATH_BYTES:
        return f"is over {MAX_PATH_BYTES} bytes"
    return None


def files_problem(
    files: Mapping[str, str], code: str, reserved: Sequence[str], scratch_mb: int
) -> str | None:
    """Why `files` cannot join a source `code` in a scratch dir of `scratch_mb` where the runner
    writes `reserved` itself, or None."""
    if len(files) > MAX_FILES:
        return f"files: {len(files)} files; at most {MAX_FILES}"
    for name in files:
        problem = _name_problem(name)
        if problem is not None:
            return f"files: name {_shown(name)} {problem}"
        if name in reserved:
            return f"files: name {name!r} is the runner's own (the source, or the binary it builds)"
    taken = set(files) | set(reserved)
    for name in files:
        for parent in PurePosixPath(name).parents[:-1]:
            if str(parent) in taken:
                return f"files: {str(parent)!r} is a file and also the directory of {_shown(name)}"
    sizes = [len(code.encode()), *(len(body.encode()) for body in files.values())]
    if sum(sizes) > MAX_FILES_BYTES:
        return f"files: the source and files take {sum(sizes)} bytes; at most {MAX_FILES_BYTES}"
    pages = sum(-(-size // _PAGE) * _PAGE for size in sizes)
    if pages > scratch_mb << 20:
        return (
            f"files: the source and files need {pages} bytes of scratch (whole 4 KiB pages); "
            f"limits.scratch_mb is {scratch_mb}"
        )
    return None


def argv_problem(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if "\0" in arg:
            return f"argv[{i}]: contains a NUL byte"
    size = sum(len(arg.encode()) + 1 for arg in argv)
    if size > MAX_ARGV_BYTES:
        return f"argv: {size} bytes; at most {MAX_ARGV_BYTES}"
    return None


class _Checked(BaseModel):
    """A model whose constructor raises `InvalidRequest` with a one-line reason: pydantic's own
    ValidationError spans three lines and a docs URL. Validation by pydantic itself
    (`model_validate`, FastAPI's bodies) still raises ValidationError, holding that reason."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidRequest(first_error(exc.errors())) from None


class RunStatus(StrEnum):
    """How a run ended. SANDBOX_ERROR is the sandbox failing, never the program."""

    OK = "ok"  # exited 0
    RUNTIME_ERROR = "runtime_error"  # non-zero exit or killed by a signal we did not send
    TIMEOUT = "timeout"  # wall or CPU limit
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"


class Limits(_Checked):
    """Resource limits of one run. Defaults match ../shared/code/attacks conventions. Times are
    finite and positive; a zero file size or output cap is allowed and means "none at all"."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    wall_s: float = Field(5.0, gt=0, le=600)
    cpu_s: float = Field(5.0, gt=0, le=600)
    memory_mb: int = Field(512, ge=16, le=65536)
    processes: int = Field(64, ge=1, le=4096)
    file_size_mb: int = Field(16, ge=0, le=4096)
    open_files: int = Field(64, ge=8, le=65536)
    output_bytes: int = Field(1 << 20, ge=0, le=1 << 30)  # per stream
    # size of the run's private tmpfs (cwd, $HOME, /tmp); bounds disk-fill and inode-fill attacks
    scratch_mb: int = Field(64, ge=1, le=65536)


class RunRequest(_Checked):
    """One program to run: source, language, stdin, extra files placed in the scratch dir (by
    relative path; parent directories are made)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    language: str = "python"
    stdin: str = ""
    files: dict[str, str] = Field(default_factory=dict)
    argv: tuple[str, ...] = ()
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))

    @model_validator(mode="after")
    def _placeable(self) -> RunRequest:
        """Everything reaches the program as UTF-8 (a lone surrogate is a request error here, not
        an exception inside a runner), and every file lands where its name says."""
        texts = {"code": self.code, "stdin": self.stdin}
        texts.update({f"files[{name!r}]": body for name, body in self.files.items()})
        texts.update({f"file name {name!r}": name for name in self.files})
        texts.update({f"argv[{i}]": arg for i, arg in enumerate(self.argv)})
        problem = unencodable(texts)
        if problem is None:
            try:
                reserved = get_language(self.language).reserved_names
            except SandboxConfigError as exc:  # not a ValueError: pydantic would not catch it
                raise ValueError(f"language: {exc}") from None
            problem = files_problem(self.files, self.code, reserved, self.limits.scratch_mb)
        if problem is None:
            problem = argv_problem(self.argv)
        if problem is not None:
            raise ValueError(problem)
        return self


class RunResult(BaseModel):
    """What came back. stdout/stderr are bounded by `Limits.output_bytes`; truncation is flagged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: RunStatus
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0
    detail: str = ""  # why, for SANDBOX_ERROR and limit statuses


@runtime_checkable
class Runner(Protocol):
    """The seam every backend implements (httpx's transport pattern)."""

    def run(self, request: RunRequest) -> RunResult: ...
