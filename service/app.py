"""The FastAPI application: routes, access, size limits, admission, metrics.

Every route that runs code or a verifier takes an admission ticket first (`admission`), runs
the blocking work on a thread (the sandbox's runner and the verifiers are synchronous; a
geometry check waits there on a worker process, `service.geometry`), and answers; a refusal is
a 4xx/5xx with a one-line `detail`, never a dropped connection.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import Runner, RunRequest, RunResult, SandboxConfigError, default_runner
from sandbox.types import first_error, unencodable
from service.admission import Admission
from service.errors import RequestRefused
from service.fusion import RunCodeRequest, RunCodeResponse, to_response, to_run_request
from service.geometry import GeometryPool, make_job
from service.requests import (
    BatchRequest,
    CodeVerifyRequest,
    GeometryVerifyRequest,
    MathVerifyRequest,
    VerifyItem,
)
from service.settings import ServiceSettings
from verifiers import Verdict, VerifierConfigError
from verifiers.code import verify as verify_code
from verifiers.math import verify as verify_math

logger = logging.getLogger(__name__)
T = TypeVar("T")
ROUTES = frozenset(
    (
        "/run_code",
        "/run",
        "/verify/code",
        "/verify/math",
        "/verify/geometry",
        "/verify/batch",
        "/health",
        "/metrics",
    )
)


class Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "proofloom_requests", "Requests by route and HTTP status", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.seconds = Histogram(
            "proofloom_request_seconds", "Time to answer, by route and status", ["route", "status"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )  # fmt: skip
        self.running = Gauge("proofloom_running", "Runs in progress", registry=self.registry)
        self.waiting = Gauge("proofloom_waiting", "Requests queued", registry=self.registry)
        self.runs = Counter(
            "proofloom_runs", "Sandbox runs by status", ["status"], registry=self.registry
        )
        self.geometry_recycled = Counter(
            "proofloom_geometry_recycled",
            "Geometry workers killed and replaced (a check overran its bound, or a worker died)",
            registry=self.registry,
        )


def check_text(**fields: str) -> None:
    """A lone surrogate cannot reach a program or a checker as UTF-8: a request error."""
    problem = unencodable(fields)
    if problem is not None:
        raise RequestRefused(400, problem)


def create_app(settings: ServiceSettings, runner: Runner | None = None) -> FastAPI:
    """The app; `runner` defaults to the project's shared sandbox runner, started with the app."""
    metrics = Metrics()
    state: dict[str, Any] = {"runner": runner}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        admission = Admission(settings.workers, settings.queue, settings.queue_timeout_s)
        state["admission"] = admission
        metrics.running.set_function(lambda: admission.running)  # read when scraped
        metrics.waiting.set_function(lambda: admission.waiting)
        if state["runner"] is None:  # start the sandbox before the first request, not on it
            state["runner"] = await anyio.to_thread.run_sync(default_runner, settings.workers)
        # its workers start on the first geometry request (service.geometry says why)
        geometry = GeometryPool(
            settings.geometry_workers, settings.geometry_slack_s, metrics.geometry_recycled.inc
        )
        state["geometry"] = geometry
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(geometry.close)

    app = FastAPI(title="proofloom sandbox verification service", lifespan=lifespan)

    async def authorised(request: Request) -> None:
        if settings.token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token, settings.token):
            raise RequestRefused(401, "missing or wrong bearer token")

    async def admitted(work: Callable[[], T]) -> T:
        async with state["admission"].ticket():
            return await anyio.to_thread.run_sync(work)

    def run(req: RunRequest) -> RunResult:
        result: RunResult = state["runner"].run(req)
        metrics.runs.labels(result.status.value).inc()
        return result

    app.add_middleware(Gate, settings=settings, metrics=metrics, state=state)

    @app.exception_handler(RequestRefused)
    async def refused(_: Request, exc: RequestRefused) -> JSONResponse:
        return _refusal(exc)

    # a malformed body is the client's mistake like any other: 400 and its first error in one
    # line (FastAPI's default is 422 and the whole list); SandboxFusion's SDK treats every
    # non-200 alike, so the code changes nothing for it
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": first_error(exc.errors())}, 400)

    # a request a backend refuses at run time (e.g. the Docker backend's smaller size cap): still
    # the client's request, never a 500 or a SandboxError verdict
    @app.exception_handler(SandboxConfigError)
    async def refused_by_sandbox(_: Request, exc: SandboxConfigError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 400)

    guard = [Depends(authorised)]

    @app.get("/health")
    async def health() -> dict[str, Any]:
        admission: Admission = state["admission"]
        return {
            "status": "ok",
            "workers": settings.workers,
            "running": admission.running,
            "waiting": admission.waiting,
        }

    @app.get("/metrics", dependencies=guard)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/run_code", dependencies=guard)
    async def run_code(body: RunCodeRequest) -> RunCodeResponse:
        req = to_run_request(body)
        result = await admitted(lambda: run(req))
        return to_response(req, result)

    @app.post("/run", dependencies=guard)
    async def run_one(body: RunRequest) -> RunResult:  # RunRequest refuses lone surrogates
        return await admitted(lambda: run(body))

    def judge(item: VerifyItem) -> Verdict:
        if isinstance(item, MathVerifyRequest):
            return verify_math(item.prediction, item.reference, timeout=item.timeout)
        if isinstance(item, GeometryVerifyRequest):
            try:
                job = make_job(
                    item.problem,
                    item.completion,
                    item.timeout_s,
                    item.rules,
                    settings.geometry_max_timeout_s,
                )
            except ValueError as exc:  # the problem or the limit: the request's mistake
                raise RequestRefused(400, str(exc)) from None
            pool: GeometryPool = state["geometry"]
            return pool.judge(job)
        try:
            tests = item.tests.to_tests()
        except ValueError as exc:
            raise RequestRefused(400, f"tests: {exc}") from None
        try:
            return verify_code(item.code, tests, language=item.language, runner=state["runner"])
        except VerifierConfigError as exc:  # the request's mistake (a language, a mode), not ours
            raise RequestRefused(400, str(exc)) from None

    def checked(item: VerifyItem) -> None:
        if isinstance(item, MathVerifyRequest):
            check_text(prediction=item.prediction, reference=item.reference)
        elif isinstance(item, GeometryVerifyRequest):
            check_text(problem=item.problem, completion=item.completion)
        else:
            check_text(code=item.code)

    @app.post("/verify/code", dependencies=guard)
    async def verify_code_route(body: CodeVerifyRequest) -> dict[str, object]:
        checked(body)
        return (await admitted(lambda: judge(body))).to_json()

    @app.post("/verify/math", dependencies=guard)
    async def verify_math_route(body: MathVerifyRequest) -> dict[str, object]:
        checked(body)
        return (await admitted(lambda: judge(body))).to_json()

    @app.post("/verify/geometry", dependencies=guard)
    async def verify_geometry_route(body: GeometryVerifyRequest) -> dict[str, object]:
        checked(body)
        return (await admitted(lambda: judge(body))).to_json()

    @app.post("/verify/batch", dependencies=guard)
    async def verify_batch(body: BatchRequest) -> dict[str, list[dict[str, object]]]:
        if len(body.items) > settings.max_batch:
            raise RequestRefused(413, f"{len(body.items)} items: at most {settings.max_batch}")
        for item in body.items:
            checked(item)

        # one ticket for the batch; its items run `workers` at a time, as the sandbox's slots allow
        def judge_all() -> list[Verdict]:
            with ThreadPoolExecutor(min(settings.workers, len(body.items))) as pool:
                return list(pool.map(judge, body.items))

        verdicts = await admitted(judge_all)
        return {"verdicts": [v.to_json() for v in verdicts]}

    app.state.metrics = metrics
    app.state.service = state
    return app


class Gate:
    """Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a stream copy per request):
    refuses what is too big or comes without a length, refuses at once when the queue is full
    (before the body is read or parsed: under overload that is most requests), and counts and
    times every answer by route and status."""

    def __init__(
        self, app: ASGIApp, settings: ServiceSettings, metrics: Metrics, state: dict[str, Any]
    ) -> None:
        self.app, self.settings, self.metrics, self.state = app, settings, metrics, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sent(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        refused = self._refusal(scope)
        if refused is not None:
            await _refusal(refused)(scope, receive, sent)
        else:
            await self.app(scope, receive, sent)
        # unknown paths share one label: a client must not grow the metrics without bound
        route = scope["path"] if scope["path"] in ROUTES else "other"
        code = str(status[0])
        self.metrics.requests.labels(route, code).inc()
        self.metrics.seconds.labels(route, code).observe(time.perf_counter() - start)

    def _refusal(self, scope: Scope) -> RequestRefused | None:
        if scope["method"] != "POST":
            return None
        length = dict(scope["headers"]).get(b"content-length")
        if length is None:
            return RequestRefused(411, "a POST needs a Content-Length")
        if not length.isdigit() or int(length) > self.settings.max_body_bytes:
            return RequestRefused(413, f"body over {self.settings.max_body_bytes} bytes")
        admission: Admission | None = self.state.get("admission")
        if admission is not None and admission.full():
            return admission.refusal()
        return None


def _refusal(exc: RequestRefused) -> JSONResponse:
    headers = {} if exc.retry_after is None else {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": exc.message}, exc.status, headers=headers)
