"""Reading the audit log (``audit_events``, append-only; each entry is also its own outbox record,
see services/auth/audit/log.py). Every query carries the tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.kit.mongo import Document, ensure_indexes

INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("event_time", DESCENDING), ("_id", DESCENDING)], name="tenant_time"
    ),
    IndexModel(
        [("tenant_id", ASCENDING), ("type", ASCENDING), ("event_time", DESCENDING)], name="tenant_type"
    ),
]
COLLECTION = "audit_events"
CHECKPOINTS = "outbox_checkpoints"


class AuditRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.events = db[COLLECTION]

    async def init(self) -> None:
        await ensure_indexes(self.events, INDEXES)

    async def get(self, *, tenant_id: str, event_id: str) -> Document | None:
        return await self.events.find_one({"_id": event_id, "tenant_id": tenant_id})

    async def find_page(
        self, *, tenant_id: str, filters: dict[str, Any], after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        """Newest first; ``filters`` are field conditions already in MongoDB form."""
        query: dict[str, Any] = {"tenant_id": tenant_id, **filters}
        if after:
            t, last_id = after
            query["$or"] = [{"event_time": {"$lt": t}}, {"event_time": t, "_id": {"$lt": last_id}}]
        cursor = self.events.find(query).sort([("event_time", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [d async for d in cursor]
