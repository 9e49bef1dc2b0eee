"""`ServiceSettings`: what the service is started with, checked once before it binds."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from service.errors import ServiceConfigError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _positive(seconds: float) -> bool:
    return math.isfinite(seconds) and seconds > 0


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """`workers` runs at once (the sandbox's pre-forked workers), `queue` more may wait, each at
    most `queue_timeout_s`; the rest are refused at once with 429 and Retry-After. SandboxFusion's
    SDK sends no credentials, so no token is the default, but only on a loopback address.

    Geometry checks run in `geometry_workers` processes of their own (`service.geometry`); a
    request's `timeout_s` may be at most `geometry_max_timeout_s`, and a check still running
    `geometry_slack_s` past its limit is stopped (its worker killed and replaced)."""

    host: str = "127.0.0.1"
    port: int = 8080
    token: str | None = None
    allow_remote_without_token: bool = False
    workers: int = 2
    queue: int = 64
    queue_timeout_s: float = 30.0
    max_body_bytes: int = 8 << 20
    max_batch: int = 256
    geometry_workers: int = 2
    geometry_max_timeout_s: float = 60.0
    geometry_slack_s: float = 5.0

    def __post_init__(self) -> None:
        checks = {
            "port": 0 <= self.port <= 65535,
            "workers": self.workers >= 1,
            "queue": self.queue >= 0,
            "queue_timeout_s": _positive(self.queue_timeout_s),
            "max_body_bytes": self.max_body_bytes >= 1024,
            "max_batch": self.max_batch >= 1,
            "geometry_workers": self.geometry_workers >= 1,
            "geometry_max_timeout_s": _positive(self.geometry_max_timeout_s),
            "geometry_slack_s": _positive(self.geometry_slack_s),
        }
        for name, ok in checks.items():
            if not ok:
                flag = name.replace("_", "-").removesuffix("-s")
                raise ServiceConfigError(f"--{flag} {getattr(self, name)!r} is out of range")
        if self.token is not None and not self.token.strip():
            raise ServiceConfigError("--token is empty")
        if not self.token and not is_loopback(self.host) and not self.allow_remote_without_token:
            raise ServiceConfigError(
                f"refusing to serve {self.host} without a token: anyone who reaches it could run "
                "code; set --token (or SANDBOX_TOKEN), or --allow-remote-without-token"
            )
