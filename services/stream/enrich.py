"""Enrichment: device, organization and tool names from MongoDB, behind a small TTL cache.

Lookups are by id and batched (one ``$in`` query per collection per batch of records, only for
ids the cache does not hold). The cache remembers each id's *owner*: a record whose tenant does
not own the device (organization, tool) it names is rejected — never enriched with another
tenant's data. An id nobody owns (yet) is kept as it is, unenriched: tools name hosts we may not
know, and events can arrive before the entity's own event.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.kit.mongo import Document
from services.stream.mappers.base import Rejected
from services.stream.records import LogRecord


@dataclass(frozen=True, slots=True)
class Owned:
    tenant_id: str
    display_name: str
    organization_id: str = ""


class TtlCache:
    def __init__(self, ttl_seconds: float, max_items: int = 200_000) -> None:
        self.ttl = ttl_seconds
        self.max_items = max_items
        self._items: dict[str, tuple[float, Owned | None]] = {}

    def get(self, key: str) -> tuple[bool, Owned | None]:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: str, value: Owned | None) -> None:
        if len(self._items) >= self.max_items:
            self._items.clear()  # crude but bounded; a refill costs one query per batch
        self._items[key] = (time.monotonic() + self.ttl, value)


def _org_id(value: Any) -> str:
    text = str(value or "")
    return text.removeprefix("organizations/")


#: Lookups in flight at once per process (MongoDB/FerretDB is shared with every service).
LOOKUP_CONCURRENCY = 8


class Enricher:
    def __init__(
        self, db: AsyncDatabase[Document], ttl_seconds: float, timeout_seconds: float = 10.0
    ) -> None:
        """``timeout_seconds``: lookups of one batch taking longer fail the batch, which is then
        retried (consumption pauses): without the owner of a device we can neither enrich nor
        tell a foreign device apart, so we wait rather than guess."""
        self.db = db
        self.timeout = timeout_seconds
        self.devices = TtlCache(ttl_seconds)
        self.organizations = TtlCache(ttl_seconds)
        self.tools = TtlCache(ttl_seconds)

    async def enrich(self, records: Sequence[LogRecord]) -> list[Rejected | None]:
        """Fill names in place; returns, per record, None or why it is rejected."""
        await self._load(self.devices, "devices", {r.device_id for r in records if r.device_id}, _device)
        orgs = {r.organization_id for r in records if r.organization_id}
        for r in records:
            device = self.devices.get(r.device_id)[1] if r.device_id else None
            if device is not None and device.organization_id:
                orgs.add(device.organization_id)
        await self._load(self.organizations, "organizations", orgs, _named)
        tools = {r.integrated_tool_id for r in records if r.integrated_tool_id}
        await self._load(self.tools, "integrated_tools", tools, _named)
        return [self._apply(r) for r in records]

    def _apply(self, r: LogRecord) -> Rejected | None:
        if r.device_id:
            device = self.devices.get(r.device_id)[1]
            if device is not None:
                if device.tenant_id != r.tenant_id:
                    return Rejected(
                        "foreign_device", f"device {r.device_id} does not belong to the record's tenant"
                    )
                r.device_display_name = device.display_name or r.device_display_name
                if device.organization_id and not r.organization_id:
                    r.organization_id = device.organization_id
        if r.organization_id:
            org = self.organizations.get(r.organization_id)[1]
            if org is not None:
                if org.tenant_id != r.tenant_id:
                    return Rejected(
                        "foreign_organization",
                        f"organization {r.organization_id} does not belong to the record's tenant",
                    )
                r.organization_display_name = org.display_name
        if r.integrated_tool_id:
            tool = self.tools.get(r.integrated_tool_id)[1]
            if tool is not None:
                if tool.tenant_id != r.tenant_id:
                    return Rejected(
                        "foreign_tool", f"tool {r.integrated_tool_id} does not belong to the record's tenant"
                    )
                r.tool_display_name = tool.display_name
        return None

    async def _load(self, cache: TtlCache, collection: str, ids: set[str], convert: Any) -> None:
        missing = [i for i in ids if not cache.get(i)[0]]
        if not missing:
            return
        # One ``_id`` equality lookup per id: FerretDB pushes those down to its index, while an
        # ``$in`` scans the whole collection. Bounded, and cached (misses too) for the TTL.
        slots = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def one(item_id: str) -> None:
            async with slots:
                doc = await self.db[collection].find_one({"_id": item_id})
            cache.put(item_id, convert(doc) if doc is not None else None)

        async with asyncio.timeout(self.timeout):
            await asyncio.gather(*(one(i) for i in missing))


def _device(doc: Document) -> Owned:
    org = doc.get("organization") or doc.get("organization_id")
    name = doc.get("display_name") or doc.get("hostname") or ""
    return Owned(str(doc.get("tenant_id", "")), str(name), _org_id(org))


def _named(doc: Document) -> Owned:
    return Owned(str(doc.get("tenant_id", "")), str(doc.get("display_name") or doc.get("name") or ""))
