"""Event records in MongoDB (collection ``events``), each change with its domain event in the
same single-document write (outbox queue, see services/api/outbox.py).

Documents store the proto's fields (enums by name without prefix, ``data`` as a document) plus
``search_text`` and ``tag_index`` for filters. Point reads filter on ``_id`` alone (pushed down
by FerretDB) and check the tenant in code."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.api.outbox import LOCKS, QueuedOutboxRelay, envelope_record, guard_filter_for, outbox_update
from services.kit.errors import NotFound
from services.kit.mongo import Document, ensure_indexes

INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("occur_time", DESCENDING), ("_id", DESCENDING)], name="tenant_occurred"
    ),
    IndexModel(
        [("tenant_id", ASCENDING), ("device", ASCENDING), ("occur_time", DESCENDING)], name="tenant_device"
    ),
    IndexModel(
        [("tenant_id", ASCENDING), ("status", ASCENDING), ("occur_time", DESCENDING)], name="tenant_status"
    ),
]

_STORED_ONLY = ("search_text", "tag_index", "outbox_queue", "lease_until", "version")


def now() -> datetime:
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def new_id(tenant_id: str, request_id: str) -> str:
    """A retried create (same request_id) maps to the same id: created once."""
    if request_id:
        return hashlib.sha256(f"{tenant_id}\n{request_id}".encode()).hexdigest()[:32]
    return uuid.uuid4().hex


@dataclass(frozen=True)
class EventQuery:
    types: list[str]
    severities: list[str]
    statuses: list[str]
    device: str
    organization: str
    source: str
    start_time: datetime | None
    end_time: datetime | None
    tags: list[tuple[str, list[str]]]
    search: str


class EventRepository:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        relay: QueuedOutboxRelay | None = None,
        *,
        lease_seconds: float = 30.0,
    ) -> None:
        self.events = db["events"]
        self.relay = relay
        self.lease_seconds = lease_seconds
        self.guard_with_etag = True

    async def init(self) -> None:
        await ensure_indexes(self.events, INDEXES)
        self.guard_with_etag = await guard_filter_for(self.events.database)

    async def insert(self, doc: Document, event: Callable[[Document], Message]) -> tuple[Document, bool]:
        """Store a new record; (stored, created). An existing id (a retried create) returns it."""
        t = now()
        doc = {**doc, "create_time": t, "update_time": t, "etag": secrets.token_hex(8), "version": 1}
        doc.setdefault("occur_time", t)
        _derive(doc)
        doc["outbox_queue"] = [self._entry(doc, event(doc), t)]
        doc.update(outbox_update([], now=t, lease_seconds=self.lease_seconds)["$set"])
        try:
            await self.events.insert_one(doc)
        except DuplicateKeyError:
            existing = await self.get(tenant_id=doc["tenant_id"], event_id=doc["_id"])
            if existing is None:
                raise
            return existing, False
        if self.relay:
            self.relay.submit([doc])
        return _clean(doc), True

    async def get(self, *, tenant_id: str, event_id: str) -> Document | None:
        doc = await self.events.find_one({"_id": event_id})
        return _clean(doc) if doc is not None and doc.get("tenant_id") == tenant_id else None

    async def update(
        self,
        *,
        tenant_id: str,
        event_id: str,
        decide: Callable[[Document], dict[str, Any]],
        expected_etag: str | None,
        event: Callable[[Document, Document], Message],
    ) -> Document | None:
        """None when the etag did not match (the caller tells NotFound from ABORTED)."""
        async with LOCKS.hold("events", event_id):
            return await self._update(tenant_id, event_id, decide, expected_etag, event)

    async def _update(
        self,
        tenant_id: str,
        event_id: str,
        decide: Callable[[Document], dict[str, Any]],
        expected_etag: str | None,
        event: Callable[[Document, Document], Message],
    ) -> Document | None:
        current = await self.get(tenant_id=tenant_id, event_id=event_id)
        if current is None:
            raise NotFound(f"events/{event_id}")
        if expected_etag and current["etag"] != expected_etag:
            return None
        t = now()
        changes = decide(current)
        after = {**current, **changes, "update_time": t, "etag": secrets.token_hex(8)}
        after["version"] = int(current.get("version", 1)) + 1
        _derive(after)
        ops = outbox_update(
            [self._entry(after, event(current, after), t)], now=t, lease_seconds=self.lease_seconds
        )
        ops["$set"].update(
            {k: after[k] for k in [*changes, "update_time", "etag", "search_text", "tag_index"]}
        )
        ops["$inc"] = {"version": 1}
        guard = {"_id": event_id, "etag": current["etag"]} if self.guard_with_etag else {"_id": event_id}
        written = await self.events.find_one_and_update(guard, ops, return_document=ReturnDocument.AFTER)
        if written is None:
            return None
        if self.relay:
            self.relay.submit([written])
        return _clean(written)

    async def find_page(
        self, *, tenant_id: str, query: EventQuery, after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        q: dict[str, Any] = {"tenant_id": tenant_id}
        for field, values in (
            ("type", query.types),
            ("severity", query.severities),
            ("status", query.statuses),
        ):
            if values:
                q[field] = {"$in": values}
        for field, value in (
            ("device", query.device),
            ("organization", query.organization),
            ("source", query.source),
        ):
            if value:
                q[field] = value
        clauses: list[dict[str, Any]] = []
        if query.start_time:
            clauses.append({"occur_time": {"$gte": query.start_time}})
        if query.end_time:
            clauses.append({"occur_time": {"$lt": query.end_time}})
        clauses += [
            {"tag_index": {"$in": [f"{k}={v}" for v in values] if values else [k]}}
            for k, values in query.tags
        ]
        if query.search:
            q["search_text"] = {"$regex": re.escape(query.search.lower())}
        if after is not None:  # newest first: strictly older than the last one served
            t, last_id = after
            clauses.append({"$or": [{"occur_time": {"$lt": t}}, {"occur_time": t, "_id": {"$lt": last_id}}]})
        if clauses:
            q["$and"] = clauses
        projection = {k: 0 for k in ("outbox_queue", "lease_until", "search_text", "tag_index")}
        cursor = (
            self.events.find(q, projection)
            .sort([("occur_time", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [_clean(d) async for d in cursor]

    def _entry(self, doc: Document, payload: Message, t: datetime) -> Document:
        return envelope_record(
            aggregate="event_record",
            tenant_id=doc["tenant_id"],
            aggregate_id=doc["_id"],
            subject=f"events/{doc['_id']}",
            sequence=int(doc.get("version", 1)),
            payload=payload,
            time=t,
        )


def _derive(doc: Document) -> None:
    doc["search_text"] = "\n".join(str(doc.get(k) or "").lower() for k in ("title", "description", "type"))
    doc["tag_index"] = [
        s for t in doc.get("tags") or [] for s in (t["key"], f"{t['key']}={t.get('value', '')}")
    ]


def _clean(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k not in _STORED_ONLY}
