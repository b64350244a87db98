"""Reading the audit log (``audit_events``, append-only; each entry is also its own outbox record,
see services/auth/audit/log.py). Every query carries the tenant.

Lists are newest first, ``(event_time, _id)`` descending, a page after a cursor on that pair.
Each filter of ListAuditEvents has an index that starts with the tenant, then the filtered
field, then the sort: a page costs the same at a thousand entries and at millions, however
rare the filtered value (bench/token_issuance.py ``--audit`` prints each shape's plan).
Several filters together are served by one of these indexes (the store's planner picks the
most selective) and the others are checked on the rows it reads. Several types (2 to
``MAX_FAN_OUT``) are one query per type, each a range of the type index in list order, merged
here: as one ``$in`` the store walked the tenant's time index checking every entry, seconds for
two rare types among a million entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from services.kit.mongo import Document, ensure_indexes

SORT = [("event_time", DESCENDING), ("_id", DESCENDING)]


def _by(field: str, name: str) -> IndexModel:
    return IndexModel([("tenant_id", ASCENDING), (field, ASCENDING), *SORT], name=name)


INDEXES = [
    IndexModel([("tenant_id", ASCENDING), *SORT], name="tenant_time"),
    _by("type", "tenant_type_time"),
    _by("outcome", "tenant_outcome"),
    _by("actor_id", "tenant_actor"),
    _by("target", "tenant_target"),
    _by("ip_address", "tenant_ip"),
]
#: Indexes an earlier version made that these replace: ``tenant_type`` lacked ``_id``, so a
#: page of a common type sorted every entry of that type.
REPLACED = ("tenant_type",)
COLLECTION = "audit_events"
#: up to this many types are asked one by one (see the module docstring)
MAX_FAN_OUT = 10
CHECKPOINTS = "outbox_checkpoints"


def page_query(tenant_id: str, filters: dict[str, Any], after: tuple[datetime, str] | None) -> dict[str, Any]:
    """The filter of a page: the tenant, the caller's conditions (MongoDB form), the cursor."""
    query: dict[str, Any] = {"tenant_id": tenant_id, **filters}
    if after:
        t, last_id = after
        query["$or"] = [{"event_time": {"$lt": t}}, {"event_time": t, "_id": {"$lt": last_id}}]
    return query


class AuditRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.events = db[COLLECTION]

    async def init(self) -> None:
        await ensure_indexes(self.events, INDEXES)
        existing = await self.events.index_information()
        for name in REPLACED:
            if name in existing:
                with contextlib.suppress(OperationFailure):  # another process dropped it first
                    await self.events.drop_index(name)

    async def get(self, *, tenant_id: str, event_id: str) -> Document | None:
        return await self.events.find_one({"_id": event_id, "tenant_id": tenant_id})

    async def find_page(
        self, *, tenant_id: str, filters: dict[str, Any], after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        """Newest first; ``filters`` are field conditions already in MongoDB form."""

        async def page(conditions: dict[str, Any]) -> list[Document]:
            cursor = self.events.find(page_query(tenant_id, conditions, after)).sort(SORT).limit(limit)
            return [d async for d in cursor]

        types = filters.get("type")
        if not (isinstance(types, dict) and 1 < len(types.get("$in", ())) <= MAX_FAN_OUT):
            return await page(filters)
        pages = await asyncio.gather(*(page({**filters, "type": t}) for t in types["$in"]))
        newest = heapq.merge(*pages, key=lambda d: (d["event_time"], d["_id"]), reverse=True)
        return list(itertools.islice(newest, limit))
