"""Event records in MongoDB (collection ``events``), each change a compare-and-set on the etag
it was decided on, with its domain event in the same single-document write (outbox queue, see
services/api/outbox.py).

Documents store the proto's fields (enums by name without prefix, ``data`` as a document) plus
``search_text`` and ``tag_index`` for filters. Every filter names the tenant."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.api.outbox import QueuedOutboxRelay, envelope_record, outbox_update, queued, without_outbox
from services.kit.errors import NotFound, Unavailable
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

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

_STORED_ONLY = ("search_text", "tag_index", "version")

MAX_CAS_ATTEMPTS = 8


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

    async def init(self) -> None:
        await ensure_indexes(self.events, INDEXES)

    async def insert(self, doc: Document, event: Callable[[Document], Message]) -> tuple[Document, bool]:
        """Store a new record; (stored, created). An existing id (a retried create) returns it."""
        t = now()
        doc = {**doc, "create_time": t, "update_time": t, "etag": new_etag(), "version": 1}
        doc.setdefault("occur_time", t)
        _derive(doc)
        doc.update(queued([self._entry(doc, event(doc), t)], now=t, lease_seconds=self.lease_seconds))
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
        doc = await self.events.find_one({"_id": event_id, "tenant_id": tenant_id})
        return _clean(doc) if doc is not None else None

    async def update(
        self,
        *,
        tenant_id: str,
        event_id: str,
        decide: Callable[[Document], dict[str, Any]],
        expected_etag: str | None,
        event: Callable[[Document, Document], Message],
    ) -> Document | None:
        """Decide over the state read and write it with a compare-and-set on its etag (decided
        again when another write won); None when ``expected_etag`` is stale."""
        for _ in range(MAX_CAS_ATTEMPTS):
            current = await self.get(tenant_id=tenant_id, event_id=event_id)
            if current is None:
                raise NotFound(f"events/{event_id}")
            if expected_etag and current["etag"] != expected_etag:
                return None
            t = now()
            changes = decide(current)
            after = {**current, **changes, "update_time": t, "etag": new_etag()}
            after["version"] = int(current.get("version", 1)) + 1
            _derive(after)
            ops = outbox_update(
                [self._entry(after, event(current, after), t)], now=t, lease_seconds=self.lease_seconds
            )
            ops["$set"].update(
                {k: after[k] for k in [*changes, "update_time", "etag", "search_text", "tag_index"]}
            )
            ops["$inc"] = {"version": 1}
            written = await self.events.find_one_and_update(
                {"_id": event_id, "tenant_id": tenant_id, "etag": current["etag"]},
                ops,
                return_document=ReturnDocument.AFTER,
            )
            if written is not None:
                if self.relay:
                    self.relay.submit([written])
                return _clean(written)
            if expected_etag:
                return None
        raise Unavailable(f"events/{event_id} is changing concurrently; retry")

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
        projection = {k: 0 for k in ("outbox_queue", "outbox_due", "lease_until", "search_text", "tag_index")}
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
    return {k: v for k, v in without_outbox(doc).items() if k not in _STORED_ONLY}
