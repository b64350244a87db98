"""Run a periodic job on one replica at a time, under a Redis lock (redis-py's ``Lock``).

The lock has a TTL (``ttl_seconds``) and the holder renews it every round (``reacquire``), so a
crashed holder is replaced within one TTL. No fencing token is needed because every write the
jobs make is a compare-and-set on the document (a status transition happens only from the
expected status, a command times out only while unfinished): a paused holder that wakes after
losing the lock repeats an attempt at worst, and the repeat changes nothing and emits nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from services.kit.logging import get_logger

log = get_logger(__name__)


class LeaderLoop:
    def __init__(
        self,
        redis: Redis,
        name: str,
        job: Callable[[], Awaitable[None]],
        *,
        interval_seconds: float,
        ttl_seconds: float,
    ) -> None:
        self.lock: Lock = redis.lock(name, timeout=ttl_seconds, blocking=False)
        self.job = job
        self.interval = interval_seconds
        self.leading = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.leading:
            with contextlib.suppress(LockError, RedisError):
                await self.lock.release()
            self.leading = False

    async def _lead(self) -> bool:
        try:
            if self.leading:
                await self.lock.reacquire()  # renew the TTL; fails if another replica took over
            else:
                self.leading = bool(await self.lock.acquire())
        except (LockError, RedisError):
            self.leading = False
        return self.leading

    async def _run(self) -> None:
        while True:
            if await self._lead():
                try:
                    await self.job()
                except Exception:
                    log.exception("scheduled job failed", lock=self.lock.name)
            await asyncio.sleep(self.interval)
