"""Retention of the audit log, and clean-up of expired single-use tokens: two periodic singletons.

The store has no TTL indexes, so two jobs remove what has expired, each under the kit's
:class:`~services.kit.periodic.Periodic` (once per period across every replica and worker
process, a run never overlapping the previous one):

* ``auth-audit-retention:<audit database>`` (every ``retention_interval_seconds``, default a
  day): entries older than ``audit_retention_days``. Entry ids are UUIDv7, time-ordered, so
  this is one range delete on ``_id`` that walks the ``_id`` index: its cost grows with what
  is removed, not with what is kept.
* ``auth-token-cleanup:<database>`` (every ``token_cleanup_interval_seconds``, default an
  hour): expired email tokens, initial access tokens and refresh token families and tokens,
  each a range delete on its ``expire_time`` index. Nothing depends on it for correctness:
  every lookup checks the expiry itself; the job only keeps the collections from growing.

Both jobs are idempotent deletes of what is already past its time, so a run that was paused
past its turn and resumes late does no harm: they ignore the fencing token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

import redis.asyncio as aioredis
from pymongo.asynchronous.collection import AsyncCollection

from services.kit.logging import get_logger
from services.kit.mongo import Document, now
from services.kit.periodic import Periodic

log = get_logger(__name__)

#: Removes expired documents of one kind; returns how many.
Purge = Callable[[], Awaitable[int]]


def uuid7_floor(at: datetime) -> str:
    """The smallest UUIDv7 string of the millisecond ``at``: every id made earlier sorts below it."""
    ms = f"{int(at.timestamp() * 1000):012x}"
    return f"{ms[:8]}-{ms[8:]}-7000-8000-000000000000"


class Retention:
    """What the two jobs do (callable directly, e.g. by tests), and their schedules."""

    def __init__(self, audit: AsyncCollection[Document], *, days: int, purges: Sequence[Purge]) -> None:
        self.audit = audit
        self.days = days
        self.purges = list(purges)

    async def purge_audit(self) -> int:
        """Delete the entries past retention (none when ``days`` is 0); how many went."""
        if self.days <= 0:
            return 0
        cutoff = now() - timedelta(days=self.days)
        result = await self.audit.delete_many({"_id": {"$lt": uuid7_floor(cutoff)}})
        return result.deleted_count

    async def purge_tokens(self) -> int:
        """Delete every expired single-use token and refresh token; how many went."""
        return sum([await purge() for purge in self.purges])

    def periodic(
        self, redis: aioredis.Redis, *, database: str, audit_seconds: float, tokens_seconds: float
    ) -> list[Periodic]:
        """The two jobs, for ``start()``; named after the databases they clean, so deployments (or
        test sessions) sharing one Redis but not the databases do not take each other's turns."""

        async def audit_job(_fence: int) -> None:
            removed = await self.purge_audit()
            if removed:
                log.info("audit entries past retention removed", count=removed, days=self.days)

        async def tokens_job(_fence: int) -> None:
            removed = await self.purge_tokens()
            if removed:
                log.info("expired tokens removed", count=removed)

        return [
            Periodic(
                redis,
                f"auth-audit-retention:{self.audit.database.name}",
                audit_job,
                period_seconds=audit_seconds,
            ),
            Periodic(redis, f"auth-token-cleanup:{database}", tokens_job, period_seconds=tokens_seconds),
        ]
