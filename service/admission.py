"""Admission in front of the sandbox: `slots` requests run at once, `queue` more wait, each at
most `wait_s`; anything beyond is refused at once. Every request is thus answered or refused
with a status and a Retry-After, never left waiting without bound (SandboxFusion's users report
requests that hang under RL load)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.errors import Overloaded


class Admission:
    def __init__(self, slots: int, queue: int, wait_s: float) -> None:
        self.slots, self.queue, self.wait_s = slots, queue, wait_s
        self.running = 0
        self.waiting = 0
        self._free = asyncio.Semaphore(slots)
        self._mean_s = 0.05  # running mean of a run's seconds, for Retry-After

    def retry_after(self) -> int:
        """Seconds until the queue has likely drained enough to take one more request."""
        backlog = (self.running + self.waiting + 1) / self.slots
        return max(1, math.ceil(backlog * self._mean_s))

    def full(self) -> bool:
        return self.waiting >= self.queue and self.running >= self.slots

    def refusal(self) -> Overloaded:
        return Overloaded(429, "the queue is full", self.retry_after())

    @asynccontextmanager
    async def ticket(self) -> AsyncIterator[None]:
        if self.full():
            raise self.refusal()
        self.waiting += 1
        try:
            await asyncio.wait_for(self._free.acquire(), self.wait_s)
        except TimeoutError:
            raise Overloaded(
                503, f"no run slot freed within {self.wait_s:g} s", self.retry_after()
            ) from None
        finally:
            self.waiting -= 1
        self.running += 1
        start = asyncio.get_running_loop().time()
        try:
            yield
        finally:
            self.running -= 1
            self._free.release()
            spent = asyncio.get_running_loop().time() - start
            self._mean_s = 0.9 * self._mean_s + 0.1 * spent
