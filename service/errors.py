"""Exceptions of the service package.

ServiceError
├── ServiceConfigError   settings the service refuses to start with (one line, exit 2)
└── RequestRefused       a request the service answers with a 4xx/5xx instead of running it
    └── Overloaded       the queue is full (429) or a place in it did not free in time (503)
"""

from __future__ import annotations


class ServiceError(Exception):
    pass


class ServiceConfigError(ServiceError):
    pass


class RequestRefused(ServiceError):
    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class Overloaded(RequestRefused):
    pass
