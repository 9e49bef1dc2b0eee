"""The run request and run result every sandbox backend speaks.

These are pydantic models because they cross the HTTP boundary of the verification service
unchanged; everything inside a backend uses plain Python. `Runner` is the one seam: bubblewrap,
docker, the pre-forked fast path and the HTTP client all implement `run(request) -> result`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator


def unencodable(texts: dict[str, str]) -> str | None:
    """What is wrong with the first of `texts` (name -> text) that UTF-8 cannot carry (a lone
    surrogate, which JSON allows), or None."""
    for where, text in texts.items():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{where}: not valid Unicode ({exc.reason})"
    return None


class RunStatus(StrEnum):
    """How a run ended. SANDBOX_ERROR is the sandbox failing, never the program."""

    OK = "ok"  # exited 0
    RUNTIME_ERROR = "runtime_error"  # non-zero exit or killed by a signal we did not send
    TIMEOUT = "timeout"  # wall or CPU limit
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"


class Limits(BaseModel):
    """Resource limits of one run. Defaults match ../shared/code/attacks conventions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wall_s: float = Field(5.0, gt=0, le=600)
    cpu_s: float = Field(5.0, gt=0, le=600)
    memory_mb: int = Field(512, ge=16, le=65536)
    processes: int = Field(64, ge=1, le=4096)
    file_size_mb: int = Field(16, ge=0, le=4096)
    open_files: int = Field(64, ge=8, le=65536)
    output_bytes: int = Field(1 << 20, ge=0, le=1 << 30)  # per stream
    # size of the run's private tmpfs (cwd, $HOME, /tmp); bounds disk-fill and inode-fill attacks
    scratch_mb: int = Field(64, ge=1, le=65536)


class RunRequest(BaseModel):
    """One program to run: source, language, stdin, extra files placed in the scratch dir."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    language: str = "python"
    stdin: str = ""
    files: dict[str, str] = Field(default_factory=dict)
    argv: tuple[str, ...] = ()
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))

    @model_validator(mode="after")
    def _encodable(self) -> RunRequest:
        """Everything reaches the program as UTF-8: a lone surrogate is a request error here,
        not an exception inside a runner (or a SANDBOX_ERROR and a worker restart)."""
        texts = {"code": self.code, "stdin": self.stdin}
        texts.update({f"files[{name!r}]": body for name, body in self.files.items()})
        texts.update({f"file name {name!r}": name for name in self.files})
        texts.update({f"argv[{i}]": arg for i, arg in enumerate(self.argv)})
        problem = unencodable(texts)
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
