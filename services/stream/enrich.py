"""Enrichment: device, organization and tool names from MongoDB, behind the kit's TTL cache.

Lookups are by id and batched: one ``$in`` query on ``_id`` per collection per batch of
records, only for ids the cache does not hold; misses are cached too, for the same TTL. Each
batch resolves its distinct ids once and matches its records against that (plain dicts). The
cache remembers each id's *owner*: a record whose tenant does not own the device
(organization, tool) it names is rejected — never enriched with another tenant's data. An id
nobody owns (yet) is kept as it is, unenriched: tools name hosts we may not know, and events
can arrive before the entity's own event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.kit.caching import TtlCache
from services.kit.mongo import Document
from services.stream.mappers.base import Rejected
from services.stream.records import LogRecord


@dataclass(frozen=True, slots=True)
class Owned:
    tenant_id: str
    display_name: str
    organization_id: str = ""


def _org_id(value: Any) -> str:
    text = str(value or "")
    return text.removeprefix("organizations/")


#: Ids per ``$in`` query: a batch of records names at most a few hundred.
LOOKUP_CHUNK = 500
#: Entries per cache: a process enriches the events of many tenants.
MAX_ITEMS = 200_000


class Enricher:
    def __init__(
        self, db: AsyncDatabase[Document], ttl_seconds: float, timeout_seconds: float = 10.0
    ) -> None:
        """``timeout_seconds``: lookups of one batch taking longer fail the batch, which is then
        retried (consumption pauses): without the owner of a device we can neither enrich nor
        tell a foreign device apart, so we wait rather than guess."""
        self.db = db
        self.timeout = timeout_seconds
        self.devices = _cache(ttl_seconds, "devices")
        self.organizations = _cache(ttl_seconds, "organizations")
        self.tools = _cache(ttl_seconds, "tools")

    async def enrich(self, records: Sequence[LogRecord]) -> list[Rejected | None]:
        """Fill names in place; returns, per record, None or why it is rejected.

        The batch's distinct ids are resolved once (cache, then one query per collection for the
        rest) into plain dicts that the records are then matched against: a cache lookup per
        distinct id, not per record, and no entry can expire between the check and its use."""
        devices = await self._resolve(
            self.devices, "devices", {r.device_id for r in records if r.device_id}, _device
        )
        orgs = {r.organization_id for r in records if r.organization_id}
        orgs.update(d.organization_id for d in devices.values() if d is not None and d.organization_id)
        organizations = await self._resolve(self.organizations, "organizations", orgs, _named)
        tools = await self._resolve(
            self.tools,
            "integrated_tools",
            {r.integrated_tool_id for r in records if r.integrated_tool_id},
            _named,
        )
        return [_apply(r, devices, organizations, tools) for r in records]

    async def _resolve(
        self, cache: TtlCache[str, Owned | None], collection: str, ids: set[str], convert: Any
    ) -> dict[str, Owned | None]:
        """Owner and name of each id (None: nobody owns it), from the cache or the store."""
        known: dict[str, Owned | None] = {}
        missing = []
        for item_id in ids:
            if item_id in cache:
                known[item_id] = cache.get(item_id)
            else:
                missing.append(item_id)
        if not missing:
            return known
        missing.sort()
        async with asyncio.timeout(self.timeout):
            for start in range(0, len(missing), LOOKUP_CHUNK):
                chunk = missing[start : start + LOOKUP_CHUNK]
                found = {
                    doc["_id"]: convert(doc)
                    async for doc in self.db[collection].find({"_id": {"$in": chunk}})
                }
                for item_id in chunk:
                    known[item_id] = found.get(item_id)
                    cache.put(item_id, known[item_id])
        return known


Names = dict[str, Owned | None]


def _apply(r: LogRecord, devices: Names, organizations: Names, tools: Names) -> Rejected | None:
    if r.device_id:
        device = devices.get(r.device_id)
        if device is not None:
            if device.tenant_id != r.tenant_id:
                return Rejected(
                    "foreign_device", f"device {r.device_id} does not belong to the record's tenant"
                )
            r.device_display_name = device.display_name or r.device_display_name
            if device.organization_id and not r.organization_id:
                r.organization_id = device.organization_id
    if r.organization_id:
        org = organizations.get(r.organization_id)
        if org is not None:
            if org.tenant_id != r.tenant_id:
                return Rejected(
                    "foreign_organization",
                    f"organization {r.organization_id} does not belong to the record's tenant",
                )
            r.organization_display_name = org.display_name
    if r.integrated_tool_id:
        tool = tools.get(r.integrated_tool_id)
        if tool is not None:
            if tool.tenant_id != r.tenant_id:
                return Rejected(
                    "foreign_tool", f"tool {r.integrated_tool_id} does not belong to the record's tenant"
                )
            r.tool_display_name = tool.display_name
    return None


def _cache(ttl_seconds: float, what: str) -> TtlCache[str, Owned | None]:
    return TtlCache(ttl_seconds, max_items=MAX_ITEMS, cache_none=True, what=what)


def _device(doc: Document) -> Owned:
    org = doc.get("organization") or doc.get("organization_id")
    name = doc.get("display_name") or doc.get("hostname") or ""
    return Owned(str(doc.get("tenant_id", "")), str(name), _org_id(org))


def _named(doc: Document) -> Owned:
    return Owned(str(doc.get("tenant_id", "")), str(doc.get("display_name") or doc.get("name") or ""))
