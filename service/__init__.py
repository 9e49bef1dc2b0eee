"""The sandbox verification service: SandboxFusion's `/run_code` and the project's own runs and
verifiers over HTTP (`python -m service --host 127.0.0.1 --port 8080`).

- `POST /run_code`: SandboxFusion's request and response (`fusion`), so its SDK and verl's
  client work unchanged; `POST /run`: our `RunRequest` -> `RunResult`.
- `POST /verify/code`, `/verify/math`, `/verify/geometry`, `/verify/batch`: the verifiers'
  `Verdict` (geometry checks in worker processes of their own, `service.geometry`).
- `GET /health`, `GET /metrics` (Prometheus text, by prometheus-client).

A layer of its own above `sandbox/` and `verifiers/` (it serves both); the HTTP client that
runs code remotely, `sandbox.HttpRunner`, needs only the sandbox's types and lives there.
"""

from service.app import create_app
from service.errors import Overloaded, RequestRefused, ServiceConfigError, ServiceError
from service.settings import ServiceSettings

__all__ = [
    "Overloaded",
    "RequestRefused",
    "ServiceConfigError",
    "ServiceError",
    "ServiceSettings",
    "create_app",
]
