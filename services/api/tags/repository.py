"""Tag keys in MongoDB (collection ``tag_keys``): one document per (tenant, entity type, key),
unique case-insensitively; each change carries its domain event (tag_events) in the same
write. A deleted key becomes a tombstone (its event still has to go out through the outbox)
whose ``key_lower`` no longer blocks a new key of the same name."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.api.outbox import QueuedOutboxRelay, envelope_record, outbox_update, queued, without_outbox
from services.kit.errors import AlreadyExists, Unavailable
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("entity_type", ASCENDING), ("key_lower", ASCENDING)],
        unique=True,
        name="tenant_entity_key",
    ),
]

_STORED_ONLY = ("version", "key_lower")

MAX_CAS_ATTEMPTS = 8


class TagKeyRepository:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        relay: QueuedOutboxRelay | None = None,
        *,
        lease_seconds: float = 30.0,
    ) -> None:
        self.keys = db["tag_keys"]
        self.relay = relay
        self.lease_seconds = lease_seconds

    async def init(self) -> None:
        await ensure_indexes(self.keys, INDEXES)

    async def insert(self, doc: Document, event: Callable[[Document], Message]) -> Document:
        t = now()
        doc = {
            **doc,
            "_id": uuid.uuid4().hex,
            "key_lower": doc["key"].lower(),
            "deleted": False,
            "create_time": t,
            "update_time": t,
            "etag": new_etag(),
            "version": 1,
        }
        doc.update(queued([self._entry(doc, event(doc), t)], now=t, lease_seconds=self.lease_seconds))
        try:
            await self.keys.insert_one(doc)
        except DuplicateKeyError:
            raise AlreadyExists(f"a tag key {doc['key']!r} already exists for this entity type") from None
        self._hand_off(doc)
        return _clean(doc)

    async def get(self, *, tenant_id: str, key_id: str) -> Document | None:
        doc = await self.keys.find_one({"_id": key_id, "tenant_id": tenant_id})
        return _clean(doc) if doc is not None and not doc.get("deleted") else None

    async def find_by_key(self, *, tenant_id: str, entity_type: str, keys: list[str]) -> dict[str, Document]:
        """Defined keys by lower-cased key."""
        cursor = self.keys.find(
            {
                "tenant_id": tenant_id,
                "entity_type": entity_type,
                "key_lower": {"$in": [k.lower() for k in keys]},
            }
        )
        return {d["key_lower"]: _clean(d) async for d in cursor if not d.get("deleted")}

    async def find_all(self, *, tenant_id: str, entity_type: str | None) -> list[Document]:
        query: dict[str, Any] = {"tenant_id": tenant_id, "deleted": False}
        if entity_type:
            query["entity_type"] = entity_type
        cursor = self.keys.find(query).sort([("key_lower", ASCENDING), ("_id", ASCENDING)])
        return [_clean(d) async for d in cursor]

    async def update(
        self,
        *,
        tenant_id: str,
        key_id: str,
        changes: dict[str, Any],
        expected_etag: str | None,
        event: Callable[[Document], Message],
    ) -> Document | None:
        """Apply ``changes`` over the state read (compare-and-set on its etag, decided again
        when another write won); None when the key is missing or ``expected_etag`` is stale
        (the caller tells which)."""
        for _ in range(MAX_CAS_ATTEMPTS):
            current = await self.keys.find_one({"_id": key_id, "tenant_id": tenant_id, "deleted": False})
            if current is None or (expected_etag and current["etag"] != expected_etag):
                return None
            t = now()
            after = {**current, **changes, "update_time": t, "etag": new_etag()}
            after["version"] = int(current.get("version", 1)) + 1
            ops = outbox_update(
                [self._entry(after, event(after), t)], now=t, lease_seconds=self.lease_seconds
            )
            ops["$set"].update({k: after[k] for k in [*changes, "update_time", "etag"]})
            ops["$inc"] = {"version": 1}
            written = await self.keys.find_one_and_update(
                {"_id": key_id, "tenant_id": tenant_id, "etag": current["etag"]},
                ops,
                return_document=ReturnDocument.AFTER,
            )
            if written is not None:
                self._hand_off(written)
                return _clean(written)
            if expected_etag:
                return None
        raise Unavailable(f"tagKeys/{key_id} is changing concurrently; retry")

    def _entry(self, doc: Document, payload: Message, t: datetime) -> Document:
        return envelope_record(
            aggregate="tag",
            tenant_id=doc["tenant_id"],
            aggregate_id=doc["_id"],
            subject=f"tagKeys/{doc['_id']}",
            sequence=int(doc.get("version", 1)),
            payload=payload,
            time=t,
        )

    def _hand_off(self, doc: Document) -> None:
        if self.relay is not None:
            self.relay.submit([doc])


def _clean(doc: Document) -> Document:
    return {k: v for k, v in without_outbox(doc).items() if k not in _STORED_ONLY}
