"""Retention of the audit log, and clean-up of expired single-use tokens.

FerretDB 1.x has no TTL indexes (``expireAfterSeconds`` is refused; FerretDB issue #2415), so
a periodic purge does it: every ``interval`` (default a day) one worker (a Redis lock with
expiry elects it) deletes entries older than ``audit_retention_days``. Entry ids are UUIDv7,
time-ordered, so the purge is a range delete on ``_id``: on MongoDB that walks the ``_id``
index; FerretDB 1.24 (SQLite) pushes no range down and scans the collection (measured: ~3 s per
30,000 entries on the 2-core dev machine), hence once a day and never at start-up. The same
round drops expired email tokens and initial access tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import redis.asyncio as aioredis
from pymongo.asynchronous.collection import AsyncCollection

from services.auth.common import now
from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger
from services.kit.mongo import Document

log = get_logger(__name__)
LOCK = "auth:retention-lock"


def uuid7_floor(at: datetime) -> str:
    """The smallest UUIDv7 string of the millisecond ``at``: every id made earlier sorts below it."""
    ms = f"{int(at.timestamp() * 1000):012x}"
    return f"{ms[:8]}-{ms[8:]}-7000-8000-000000000000"


class Retention:
    def __init__(
        self,
        audit: AsyncCollection[Document],
        redis: aioredis.Redis,
        *,
        days: int,
        interval_seconds: float,
        purgers: list[Callable[[], Awaitable[int]]],
    ) -> None:
        self.audit = audit
        self.redis = redis
        self.days = days
        self.interval = interval_seconds
        self.purgers = purgers
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Delete what is past retention; returns the number of audit entries removed."""
        removed = 0
        if self.days > 0:
            cutoff = now() - timedelta(days=self.days)
            result = await self.audit.delete_many({"_id": {"$lt": uuid7_floor(cutoff)}})
            removed = result.deleted_count
        for purge in self.purgers:
            await purge()
        return removed

    async def _loop(self) -> None:
        while True:
            # Waits first: a restart (or every test run) must not start a scan of the log.
            await asyncio.sleep(self.interval)
            try:
                # One worker per interval, across processes: the lock expires on its own.
                lock = f"{LOCK}:{self.audit.database.name}"
                if await self.redis.set(lock, "1", nx=True, ex=max(int(self.interval), 1)):
                    removed = await self.run_once()
                    if removed:
                        log.info("audit entries past retention removed", count=removed, days=self.days)
            except Exception as exc:  # the store may be down; the next round tries again
                log.warning("retention round failed", error=type(exc).__name__)

    def start(self, lifecycle: Lifecycle) -> None:
        self._task = asyncio.create_task(self._loop())
        lifecycle.on_shutdown("audit-retention", self.stop)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
