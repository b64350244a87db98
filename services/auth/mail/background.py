"""Fire-and-forget tasks that must not be garbage-collected half-way (asyncio keeps only weak
references to tasks), e.g. a verification email after a user was created."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from services.kit.logging import get_logger

log = get_logger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.warning("background task failed", task=what, error=type(finished.exception()).__name__)

        task.add_done_callback(done)

    async def drain(self) -> None:
        """Wait for the tasks in flight (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
