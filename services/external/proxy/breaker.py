"""A circuit breaker per tool, so a tool that is down costs callers nothing but a fast 503.

* CLOSED: requests pass; ``failures`` failures in a row (connection errors, timeouts — not the
  tool's own 4xx/5xx answers, which are the tool speaking) open the breaker.
* OPEN: requests are refused at once for ``open_seconds``.
* HALF_OPEN: after that, exactly one trial request passes (others are still refused); its
  success closes the breaker, its failure opens it for another period.

State is per process (each worker learns on its own, within ``failures`` requests): a shared
breaker would add a Redis round trip to every proxied call for little gain. A small class rather
than a library: the packages available (aiobreaker, purgatory) either are unmaintained or bring
an event bus and a unit-of-work layer for these thirty lines, and neither guarantees the
single half-open trial we want (docs/decisions/0014-tool-proxy.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    failures: int
    open_seconds: float
    clock: Callable[[], float] = time.monotonic
    _failed: int = 0
    _opened_at: float | None = None
    _trial_running: bool = False
    last_error: str = field(default="")

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return State.CLOSED
        if self.clock() - self._opened_at < self.open_seconds:
            return State.OPEN
        return State.HALF_OPEN

    def retry_after(self) -> float:
        """Seconds until a trial request may pass (0 when one may now)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.open_seconds - (self.clock() - self._opened_at))

    def allow(self) -> bool:
        """Whether a request may go to the tool now; call exactly one of ``succeeded`` /
        ``failed`` / ``released`` after every request it allowed."""
        state = self.state
        if state is State.CLOSED:
            return True
        if state is State.HALF_OPEN and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def succeeded(self) -> None:
        self._failed, self._opened_at, self._trial_running, self.last_error = 0, None, False, ""

    def failed(self, reason: str) -> None:
        self.last_error = reason
        self._failed += 1
        if self._trial_running or self._failed >= self.failures:
            self._opened_at = self.clock()
        self._trial_running = False

    def released(self) -> None:
        """The request ended without telling anything about the tool (e.g. the caller left)."""
        self._trial_running = False


class Breakers:
    """One breaker per (tenant, tool), created on first use, bounded in number."""

    def __init__(self, *, failures: int, open_seconds: float, limit: int = 10_000) -> None:
        self.failures = failures
        self.open_seconds = open_seconds
        self.limit = limit
        self._breakers: dict[tuple[str, str], CircuitBreaker] = {}

    def get(self, tenant_id: str, tool_id: str) -> CircuitBreaker:
        key = (tenant_id, tool_id)
        breaker = self._breakers.get(key)
        if breaker is None:
            if len(self._breakers) >= self.limit:
                # forget closed breakers first: they hold no state worth keeping
                for k in [k for k, b in self._breakers.items() if b.state is State.CLOSED]:
                    del self._breakers[k]
            breaker = self._breakers[key] = CircuitBreaker(self.failures, self.open_seconds)
        return breaker
