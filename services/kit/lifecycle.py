"""Graceful shutdown: SIGTERM/SIGINT stop intake, then cleanup hooks run newest-first
within a grace period, so in-flight requests finish and connections close cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from services.kit.logging import get_logger

log = get_logger(__name__)

ShutdownHook = Callable[[], Awaitable[object]]


class Lifecycle:
    def __init__(self, grace_seconds: float = 10.0) -> None:
        self.grace_seconds = grace_seconds
        self._stop = asyncio.Event()
        self._hooks: list[tuple[str, ShutdownHook]] = []

    def on_shutdown(self, name: str, hook: ShutdownHook) -> None:
        """Register cleanup; hooks run in reverse order of registration (like a stack)."""
        self._hooks.append((name, hook))

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig.name)

    def request_stop(self, reason: str = "requested") -> None:
        if not self._stop.is_set():
            log.info("shutdown requested", reason=reason)
            self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def wait(self) -> None:
        await self._stop.wait()

    async def shutdown(self) -> None:
        """Run every hook, each bounded by the grace period; one failing never blocks the rest."""
        for name, hook in reversed(self._hooks):
            try:
                await asyncio.wait_for(hook(), timeout=self.grace_seconds)
                log.info("shutdown hook done", hook=name)
            except Exception as exc:  # a broken hook must not keep the others from running
                log.warning("shutdown hook failed", hook=name, error=repr(exc))
        self._hooks.clear()

    async def run_until_stopped(self) -> None:
        self.install_signal_handlers()
        await self.wait()
        await self.shutdown()
