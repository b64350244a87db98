"""Tenants' rate-limit policies as the checkers see them: a short in-process cache over a source
(the rate-limit service reads its MongoDB collection; the edge's API-key check asks that service),
because every checked request needs its tenant's policy.

The cache never makes a check wait on the source once a tenant is known: an expired entry is
served while one refresh runs in the background. A tenant not cached yet waits for one read
(shared by concurrent checks). If the source fails, the last known policy stays in use, or the
defaults for a tenant never read (fail open: the defaults still limit). A policy change is
announced on Redis (``CHANNEL``): every process forgets that tenant's entry at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from services.kit.logging import get_logger
from services.kit.ratelimit.limits import Limits

log = get_logger(__name__)

#: Redis channel of policy changes (the tenant id): the caches of every process drop it.
CHANNEL = "openframe:ratelimit:policy-changed"


@dataclass(frozen=True)
class Policy:
    """What a tenant set (zeros: the defaults apply). ``etag`` is empty until the first write."""

    tenant_id: str
    tenant: Limits = field(default_factory=Limits)
    api_key: Limits = field(default_factory=Limits)
    update_time: datetime | None = None
    etag: str = ""


class PolicySource(Protocol):
    async def get(self, tenant_id: str) -> Policy: ...


@dataclass
class _Entry:
    policy: Policy
    fresh_until: float
    refreshing: bool = False


class PolicyCache:
    """Per-process cache of policies, ``ttl_s`` fresh, then served stale while refreshed."""

    def __init__(
        self,
        source: PolicySource,
        ttl_s: float,
        *,
        read_timeout_s: float = 0.25,
        max_entries: int = 50_000,
    ) -> None:
        self.source = source
        self.ttl_s = ttl_s
        self.read_timeout_s = read_timeout_s
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self._loading: dict[str, asyncio.Future[Policy]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def get(self, tenant_id: str) -> Policy:
        entry = self._entries.get(tenant_id)
        if entry is not None:
            if entry.fresh_until < time.monotonic() and not entry.refreshing:
                entry.refreshing = True
                task = asyncio.create_task(self._refresh(tenant_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return entry.policy
        loading = self._loading.get(tenant_id)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[Policy] = asyncio.get_running_loop().create_future()
        self._loading[tenant_id] = future
        try:
            policy = await self._read(tenant_id)
        except BaseException as exc:  # never leave concurrent waiters hanging
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._loading[tenant_id]
        future.set_result(policy)
        return policy

    def put(self, policy: Policy) -> None:
        """After a write through this process: the new policy applies at once here."""
        self._store(policy)

    def forget(self, tenant_id: str) -> None:
        """A change announced by another process: the next check reads the policy again."""
        self._entries.pop(tenant_id, None)

    async def _refresh(self, tenant_id: str) -> None:
        await self._read(tenant_id)

    async def _read(self, tenant_id: str) -> Policy:
        try:
            policy = await asyncio.wait_for(self.source.get(tenant_id), self.read_timeout_s)
        except Exception as exc:  # any source failure: keep limiting with what is known
            known = self._entries.get(tenant_id)
            policy = known.policy if known else Policy(tenant_id)
            log.warning(
                "policy read failed: using the last known or the defaults",
                tenant_id=tenant_id,
                error=repr(exc),
            )
        self._store(policy)
        return policy

    def _store(self, policy: Policy) -> None:
        if len(self._entries) >= self.max_entries and policy.tenant_id not in self._entries:
            self._entries.clear()  # rare (tens of thousands of active tenants per process): start over
        self._entries[policy.tenant_id] = _Entry(policy, time.monotonic() + self.ttl_s)
