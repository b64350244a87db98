"""Maintained device counts per tenant (and per organization), for GetDeviceFilterOptions, the
tag usage counts and the archive check: none of them counts devices when asked.

Collection ``device_counts``: one document per (tenant, organization, field, value) with the
number ``n`` of devices holding it; ``organization`` "" is the whole tenant. Fields: ``status``,
``device_type``, ``os_type``, ``organization`` (tenant-wide only), ``tag_key`` and ``tag``
(``key=value``). DELETED devices count nowhere.

Every device write that won its compare-and-set adds the difference between the device before
and after it (:func:`delta`) to this process's pending changes, and the pending changes go to
the store with ``$inc`` every ``flush_seconds`` (and before this process reads counts, so a
process reads its own writes): each change is counted once however many replicas write, and a
burst of writes (a fleet registering) costs one update per counter and flush instead of one per
device write on the same few documents. Counts read by another replica lag by at most a flush.
What is not atomic: a process that dies with pending changes (at most a flush's worth) leaves
the counts off by them; :meth:`recount` rebuilds a tenant's counts from its devices (run by the
devices' migration, and by hand).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes

log = get_logger(__name__)

COLLECTION = "device_counts"
INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("organization", ASCENDING), ("field", ASCENDING), ("value", ASCENDING)],
        name="tenant_org_field",
    )
]
FIELDS = ("status", "device_type", "os_type", "organization", "tag_key", "tag")
TENANT = ""  # the organization value of tenant-wide counts

Key = tuple[str, str, str]  # organization ("" = tenant), field, value


def contributions(doc: Mapping[str, Any] | None) -> Counter[Key]:
    """What one stored device adds to its tenant's counts."""
    out: Counter[Key] = Counter()
    if doc is None or doc.get("status") == "DELETED":
        return out
    org = doc.get("organization") or ""
    scopes = (TENANT, org) if org else (TENANT,)
    tags = doc.get("tags") or []
    for scope in scopes:
        out[(scope, "status", doc.get("status") or "PENDING")] += 1
        out[(scope, "device_type", doc.get("device_type") or "UNSPECIFIED")] += 1
        out[(scope, "os_type", doc.get("os_type") or "UNSPECIFIED")] += 1
        for tag in tags:
            out[(scope, "tag_key", tag["key"])] += 1
            out[(scope, "tag", f"{tag['key']}={tag.get('value', '')}")] += 1
    if org:
        out[(TENANT, "organization", org)] += 1
    return out


def delta(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Counter[Key]:
    """What a write from ``before`` to ``after`` changes (negative counts included)."""
    out = contributions(after)
    out.subtract(contributions(before))
    return Counter({k: n for k, n in out.items() if n})


def _id(tenant_id: str, key: Key) -> str:
    return "\x1f".join((tenant_id, *key))


class DeviceCounts:
    def __init__(self, db: AsyncDatabase[Document], *, flush_seconds: float = 0.5) -> None:
        self.collection = db[COLLECTION]
        self.flush_seconds = flush_seconds
        self._pending: dict[str, Counter[Key]] = defaultdict(Counter)
        self._flushing = asyncio.Lock()  # one flush at a time in this process (ordering only)
        self._task: asyncio.Task[None] | None = None

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    def add(self, tenant_id: str, change: Mapping[Key, int]) -> None:
        """Count ``change`` with the next flush (started on first use)."""
        if change:
            self._pending[tenant_id].update(change)
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.flush_seconds)
        await self.flush()

    async def flush(self) -> None:
        """Write the pending changes (kept for the next flush when the store fails)."""
        async with self._flushing:
            pending, self._pending = self._pending, defaultdict(Counter)
            for tenant_id, change in pending.items():
                try:
                    await self.apply(tenant_id, change)
                except Exception as exc:
                    self._pending[tenant_id].update(change)
                    log.warning(
                        "device counts not written; kept for the next flush", error=type(exc).__name__
                    )
                    if self._task is None or self._task.done():
                        self._task = asyncio.create_task(self._flush_soon())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def apply(self, tenant_id: str, change: Mapping[Key, int]) -> None:
        """Add ``change`` to the tenant's counts (upserting counters seen for the first time)."""
        ops = [
            UpdateOne(
                {"_id": _id(tenant_id, key), "tenant_id": tenant_id},
                {
                    "$inc": {"n": n},
                    "$setOnInsert": {"organization": key[0], "field": key[1], "value": key[2]},
                },
                upsert=True,
            )
            for key, n in change.items()
            if n
        ]
        for _ in range(3):  # two first upserts of one counter: one answers 11000, then it exists
            if not ops:
                return
            try:
                await self.collection.bulk_write(ops, ordered=False)
                return
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(e.get("code") != 11000 for e in errors):
                    raise
                ops = [ops[e["index"]] for e in errors]
        raise RuntimeError("device counts: upserts kept colliding")

    async def by_field(self, tenant_id: str, organizations: Iterable[str] = ()) -> dict[str, Counter[str]]:
        """field -> value -> devices, over the tenant or over the given organizations."""
        await self.flush()  # this process's own writes first
        orgs = list(organizations)
        query: Document = {"tenant_id": tenant_id, "organization": {"$in": orgs} if orgs else TENANT}
        out: dict[str, Counter[str]] = defaultdict(Counter)
        async for doc in self.collection.find(query, {"field": 1, "value": 1, "n": 1, "organization": 1}):
            n = int(doc.get("n", 0))
            out[doc["field"]][doc["value"]] += n
            if orgs and doc["field"] == "status":  # an organization's devices: its statuses' sum
                out["organization"][doc["organization"]] += n
        return {f: Counter({v: n for v, n in values.items() if n > 0}) for f, values in out.items()}

    async def by_value(
        self, tenant_id: str, field: str, *, organizations: Iterable[str] = ()
    ) -> Counter[str]:
        return (await self.by_field(tenant_id, organizations)).get(field, Counter())

    async def recount(self, tenant_id: str, devices: Any) -> None:
        """Rebuild the tenant's counts from its devices (a scan of them: for repairs)."""
        total: Counter[Key] = Counter()
        projection = {"status": 1, "device_type": 1, "os_type": 1, "organization": 1, "tags": 1}
        async for doc in devices.find({"tenant_id": tenant_id}, projection):
            total.update(contributions(doc))
        await self.collection.delete_many({"tenant_id": tenant_id})
        await self.apply(tenant_id, total)
