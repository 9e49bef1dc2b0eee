"""`HttpRunner`: the `Runner` seam over HTTP, to a sandbox verification service's `POST /run`.

The code verifier takes any Runner, so `verify(code, tests, runner=HttpRunner(url))` judges on
a remote service with the same verdicts as locally. A refusal for load (429/503) is retried
after its Retry-After, within `patience_s`; a 400 (a request the service's rules refuse, as a
service of another version may) raises `InvalidRequest`, as a local runner would; anything else
the service or the network cannot do becomes a SANDBOX_ERROR result (an infrastructure failure,
never the program's).
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.errors import InvalidRequest
from sandbox.types import RunRequest, RunResult, RunStatus

RETRY_STATUSES = {429, 503}


class HttpRunner:
    """`run(request)` on a remote service. Thread-safe (one pooled httpx client)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        patience_s: float = 120.0,
        client: Any = None,
    ) -> None:
        try:
            import httpx
        except ImportError:
            raise RuntimeError("HttpRunner needs httpx: pip install 'proofloom[service]'") from None
        self.url = base_url.rstrip("/") + "/run"
        self.patience_s = patience_s
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # the run's own limits bound the answer; the read timeout leaves room for the queue
        self.client = client or httpx.Client(headers=headers, timeout=httpx.Timeout(10, read=700))
        self._errors: tuple[type[Exception], ...] = (httpx.HTTPError,)

    def run(self, request: RunRequest) -> RunResult:
        deadline = time.monotonic() + self.patience_s
        body = request.model_dump(mode="json")
        while True:
            try:
                response = self.client.post(self.url, json=body)
            except self._errors as exc:
                return _failed(f"service unreachable: {type(exc).__name__}: {exc}")
            if response.status_code == 200:
                return RunResult.model_validate(response.json())
            detail = _detail(response)
            if response.status_code == 400:  # the request's mistake, as the local runners say it
                raise InvalidRequest(f"the service refused the request: {detail}")
            wait = _retry_after(response)
            if response.status_code in RETRY_STATUSES and time.monotonic() + wait < deadline:
                time.sleep(wait)
                continue
            return _failed(f"service answered {response.status_code}: {detail}")

    def close(self) -> None:
        self.client.close()


def _failed(detail: str) -> RunResult:
    return RunResult(status=RunStatus.SANDBOX_ERROR, detail=detail)


def _detail(response: Any) -> str:
    try:
        return str(response.json().get("detail", ""))[:300]
    except ValueError:
        return response.text[:300]


def _retry_after(response: Any) -> float:
    try:
        return max(0.05, min(30.0, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0
