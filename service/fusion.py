"""SandboxFusion's `POST /run_code`, spoken over our sandbox: its request and response shapes
(as its SDK, `sandbox-fusion`, and verl's client send and read them) and the two translations.

What differs, by design: every run is isolated (SandboxFusion's default is not); compile and run
share one sandbox, whose wall limit is `compile_timeout + run_timeout` for compiled languages;
`files` must be UTF-8 text once base64-decoded, and `fetch_files` is refused (our runs return
no files) rather than answered with nothing. Truncated output is said in `message`.

Every limit field is checked where SandboxFusion leaves it open: timeouts are finite, positive
and at most `MAX_TIMEOUT_S`; `memory_limit_MB` is -1 (SandboxFusion's "unset", our default) or
within `Limits.memory_mb`'s range. File names and sizes are `RunRequest`'s rules. A bad request is
a 400 with a one-line reason, never a run.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox import InvalidRequest, Limits, RunRequest, RunResult, RunStatus, SandboxConfigError
from service.errors import RequestRefused

# SandboxFusion's language names that we run, and ours for them
LANGUAGE_NAMES = {
    "python": "python",
    "python3": "python",
    "cpp": "cpp",
    "c": "c",
    "nodejs": "javascript",
}
COMPILED = {"c", "cpp"}
MAX_TIMEOUT_S = 600.0  # as `Limits.wall_s`: one run holds a worker at most ten minutes
UNSET_MEMORY = -1  # SandboxFusion's default memory_limit_MB, and its SDK's: no limit asked for


class FusionStatus(StrEnum):
    SUCCESS = "Success"
    FAILED = "Failed"
    SANDBOX_ERROR = "SandboxError"


class CommandStatus(StrEnum):
    FINISHED = "Finished"
    ERROR = "Error"
    TIME_LIMIT_EXCEEDED = "TimeLimitExceeded"


class CommandRunResult(BaseModel):
    status: CommandStatus
    execution_time: float | None = None
    cpu_time: float | None = None
    return_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None


class RunCodeRequest(BaseModel):
    # newer SDKs add fields; unknown ones are harmless
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    code: str
    language: str
    stdin: str | None = None
    compile_timeout: float = Field(10, gt=0, le=MAX_TIMEOUT_S)
    run_timeout: float = Field(10, gt=0, le=MAX_TIMEOUT_S)
    memory_limit_MB: int = UNSET_MEMORY
    files: dict[str, str | None] = Field(default_factory=dict)
    fetch_files: list[str] = Field(default_factory=list)

    @field_validator("memory_limit_MB")
    @classmethod
    def _memory(cls, value: int) -> int:
        if value == UNSET_MEMORY:
            return value
        try:
            Limits(memory_mb=value)  # the range is stated once, there
        except InvalidRequest as exc:
            raise ValueError(f"{value} is neither -1 (unset) nor a limit we run ({exc})") from None
        return value


class RunCodeResponse(BaseModel):
    status: FusionStatus
    message: str = ""
    compile_result: CommandRunResult | None = None
    run_result: CommandRunResult | None = None
    executor_pod_name: str | None = None
    files: dict[str, str] = Field(default_factory=dict)


def to_run_request(req: RunCodeRequest) -> RunRequest:
    """Our RunRequest for a /run_code request; RequestRefused (400) for what we cannot run."""
    name = LANGUAGE_NAMES.get(req.language)
    if name is None:
        known = ", ".join(sorted(LANGUAGE_NAMES))
        raise RequestRefused(400, f"language {req.language!r} is not run here (known: {known})")
    if req.fetch_files:
        raise RequestRefused(400, "fetch_files is not supported: runs return no files")
    files = {}
    for path, content in req.files.items():
        try:
            files[path] = base64.b64decode(content or "", validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise RequestRefused(400, f"files[{path!r}]: not base64 of UTF-8 text") from None
    wall = req.run_timeout + (req.compile_timeout if name in COMPILED else 0.0)
    limits: dict[str, float | int] = {"wall_s": min(wall, MAX_TIMEOUT_S)}
    limits["cpu_s"] = limits["wall_s"]
    if req.memory_limit_MB != UNSET_MEMORY:
        limits["memory_mb"] = req.memory_limit_MB
    try:
        return RunRequest(
            code=req.code,
            language=name,
            stdin=req.stdin or "",
            files=files,
            limits=Limits.model_validate(limits),
        )
    except SandboxConfigError as exc:  # InvalidRequest: a name, a size, a limit, in one line
        raise RequestRefused(400, str(exc)) from None


def to_response(req: RunRequest, result: RunResult) -> RunCodeResponse:
    """SandboxFusion's response for our result: compile errors as a failed compile_result,
    timeouts as TimeLimitExceeded, a sandbox failure as SandboxError (its SDK retries those)."""
    if result.status is RunStatus.SANDBOX_ERROR:
        return RunCodeResponse(status=FusionStatus.SANDBOX_ERROR, message=result.detail)
    compiled = req.language in COMPILED
    if compiled and result.detail == "compile error":
        compile_result = CommandRunResult(
            status=CommandStatus.FINISHED,
            execution_time=result.wall_s,
            return_code=result.exit_code,
            stdout="",
            stderr=result.stderr,
        )
        return RunCodeResponse(
            status=FusionStatus.FAILED, message="compile error", compile_result=compile_result
        )
    if result.status is RunStatus.TIMEOUT:
        status, code = CommandStatus.TIME_LIMIT_EXCEEDED, None
    else:
        status = CommandStatus.FINISHED
        code = result.exit_code if result.exit_code is not None else 128 + (result.signal or 9)
    run = CommandRunResult(
        status=status,
        execution_time=result.wall_s,
        cpu_time=result.cpu_s,
        return_code=code,
        stdout=result.stdout,
        stderr=result.stderr,
    )
    # a failed run's message starts with our status (memory_limit, output_limit, ...), which
    # SandboxFusion's shape has no field for
    notes = []
    if result.status is not RunStatus.OK:
        notes.append(
            f"{result.status.value}: {result.detail}" if result.detail else result.status.value
        )
    notes += [
        f"{s} truncated"
        for s, cut in (("stdout", result.stdout_truncated), ("stderr", result.stderr_truncated))
        if cut
    ]
    ok = result.status is RunStatus.OK
    return RunCodeResponse(
        status=FusionStatus.SUCCESS if ok else FusionStatus.FAILED,
        message="; ".join(notes),
        compile_result=CommandRunResult(status=CommandStatus.FINISHED, return_code=0)
        if compiled
        else None,
        run_result=run,
    )
