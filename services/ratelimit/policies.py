"""Tenants' rate-limit policies: MongoDB ``rate_limits`` (one document per tenant), read through a
short in-process cache, because every checked request needs its tenant's policy.

The cache never makes a check wait on MongoDB once a tenant is known: an expired entry is
served while one refresh runs in the background. A tenant not cached yet waits for one read
(shared by concurrent checks). If MongoDB fails, the last known policy stays in use, or the
defaults for a tenant never read (fail open: the defaults still limit).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from services.kit.errors import EtagMismatch
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes
from services.ratelimit.limits import Limits

log = get_logger(__name__)

RESOURCE_NAME = "rateLimitPolicy"
INDEXES = [IndexModel([("tenant_id", ASCENDING)], unique=True, name="tenant")]


@dataclass(frozen=True)
class Policy:
    """What a tenant set (zeros: the defaults apply). ``etag`` is empty until the first write."""

    tenant_id: str
    tenant: Limits = field(default_factory=Limits)
    api_key: Limits = field(default_factory=Limits)
    update_time: datetime | None = None
    etag: str = ""


def _now() -> datetime:
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)  # what MongoDB stores


def _limits(doc: Any) -> Limits:
    doc = doc or {}
    return Limits(int(doc.get("per_minute", 0)), int(doc.get("per_hour", 0)), int(doc.get("per_day", 0)))


def _from_doc(tenant_id: str, doc: Document | None) -> Policy:
    if doc is None:
        return Policy(tenant_id)
    return Policy(
        tenant_id=tenant_id,
        tenant=_limits(doc.get("tenant_limits")),
        api_key=_limits(doc.get("api_key_limits")),
        update_time=doc.get("update_time"),
        etag=str(doc.get("etag", "")),
    )


class PolicyRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db["rate_limits"]

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    async def init_in_background(self, retry_s: float = 5.0) -> None:
        """``init`` until it succeeds: the limiter starts (and limits, with the defaults) even
        while MongoDB is unreachable."""
        while True:
            try:
                await asyncio.wait_for(self.init(), timeout=10)
                return
            except (PyMongoError, TimeoutError) as exc:
                log.warning("rate_limits indexes not created yet; retrying", error=repr(exc))
                await asyncio.sleep(retry_s)

    async def get(self, tenant_id: str) -> Policy:
        doc = await self.collection.find_one({"_id": tenant_id, "tenant_id": tenant_id})
        return _from_doc(tenant_id, doc)

    async def update(self, tenant_id: str, changes: dict[str, Limits], expected_etag: str) -> Policy:
        """Set the given fields (``tenant_limits``/``api_key_limits``) in one document write.
        A non-empty ``expected_etag`` must match the stored one (a tenant with no document has
        the empty etag), else EtagMismatch."""
        update = {
            "$set": {
                **{name: limits.as_dict() for name, limits in changes.items()},
                "tenant_id": tenant_id,
                "update_time": _now(),
                "etag": secrets.token_hex(8),
            }
        }
        query: Document = {"_id": tenant_id, "tenant_id": tenant_id}
        if expected_etag:
            query["etag"] = expected_etag
        doc = await self.collection.find_one_and_update(
            query, update, upsert=not expected_etag, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise EtagMismatch(RESOURCE_NAME)
        return _from_doc(tenant_id, doc)


@dataclass
class _Entry:
    policy: Policy
    fresh_until: float
    refreshing: bool = False


class PolicyCache:
    """Per-process cache of policies, ``ttl_s`` fresh, then served stale while refreshed."""

    def __init__(
        self,
        repository: PolicyRepository,
        ttl_s: float,
        *,
        read_timeout_s: float = 0.25,
        max_entries: int = 50_000,
    ) -> None:
        self.repository = repository
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

    async def _refresh(self, tenant_id: str) -> None:
        await self._read(tenant_id)

    async def _read(self, tenant_id: str) -> Policy:
        try:
            policy = await asyncio.wait_for(self.repository.get(tenant_id), self.read_timeout_s)
        except (PyMongoError, TimeoutError) as exc:
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
