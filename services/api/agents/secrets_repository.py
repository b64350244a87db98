"""Registration secrets in MongoDB (collection ``registration_secrets``).

Every filter names the tenant; a change and its event are one document update
(``outbox_queue``, relayed by the api's QueuedOutboxRelay). Every write is one conditional
update whose filter states what it was decided on — a change the etag it read, a use the secret,
the status, the expiry and the use limit — so concurrent registrations never spend more uses
than the limit, and concurrent rotations never hand out a secret that does not work, in any
number of processes (the store re-checks the filter on the locked document).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.api.agents.secrets_model import RegistrationSecret, SecretStatus
from services.api.outbox import OUTBOX_FIELDS, QueuedOutboxRelay, envelope_record, outbox_update, queued
from services.kit.errors import EtagMismatch
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

COLLECTION = "registration_secrets"
INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("create_time", DESCENDING), ("_id", DESCENDING)], name="tenant_created"
    ),
]
_NOT_FIELDS = OUTBOX_FIELDS


class SecretRepository:
    def __init__(
        self, db: AsyncDatabase[Document], relay: QueuedOutboxRelay | None, *, lease_seconds: float
    ) -> None:
        self.collection = db[COLLECTION]
        self.relay = relay
        self.lease_seconds = lease_seconds

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    async def insert(
        self, secret: RegistrationSecret, event: Callable[[RegistrationSecret], Message]
    ) -> None:
        doc = to_doc(secret)
        doc.update(queued([self._entry(secret, event(secret))], now=now(), lease_seconds=self.lease_seconds))
        await self.collection.insert_one(doc)
        self._hand_off(doc)

    async def get(self, *, tenant_id: str, secret_id: str) -> RegistrationSecret | None:
        doc = await self.collection.find_one(
            {"_id": secret_id, "tenant_id": tenant_id}, {k: 0 for k in _NOT_FIELDS}
        )
        return from_doc(doc) if doc is not None else None

    async def find_page(
        self, *, tenant_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[RegistrationSecret]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if after is not None:
            t, last_id = after
            query["$or"] = [{"create_time": {"$lt": t}}, {"create_time": t, "_id": {"$lt": last_id}}]
        cursor = (
            self.collection.find(query, {k: 0 for k in _NOT_FIELDS})
            .sort([("create_time", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [from_doc(d) async for d in cursor]

    async def change(
        self,
        *,
        tenant_id: str,
        secret_id: str,
        decide: Callable[[RegistrationSecret], dict[str, Any] | None],
        event: Callable[[RegistrationSecret], Message],
    ) -> RegistrationSecret | None:
        """Read, decide, write if the etag is still the one read; None when it does not exist
        (here), EtagMismatch when it changed in between.

        ``decide`` returns the fields to set (None: nothing to do) or raises a domain error."""
        current = await self.get(tenant_id=tenant_id, secret_id=secret_id)
        if current is None:
            return None
        fields = decide(current)
        if fields is None:
            return current
        after = replace(current, **fields, version=current.version + 1, etag=new_etag())
        ops = outbox_update([self._entry(after, event(after))], now=now(), lease_seconds=self.lease_seconds)
        ops["$set"].update(_values(after, set(fields) | {"etag", "version"}))
        written = await self.collection.find_one_and_update(
            {"_id": secret_id, "tenant_id": tenant_id, "etag": current.etag},
            ops,
            return_document=ReturnDocument.AFTER,
        )
        if written is None:
            raise EtagMismatch(current.name)
        self._hand_off(written)
        return from_doc(written)

    async def count_use(
        self, secret: RegistrationSecret, random_digest: str, at: datetime
    ) -> RegistrationSecret | None:
        """One more use of ``secret`` by the holder of ``random_digest``, if it still accepts
        it: active, unexpired, under its use limit (``max_uses`` and ``expire_time`` never
        change, so the values read are the limits), the current secret or the previous one
        inside its overlap. None when any of it no longer holds."""
        query: Document = {
            "_id": secret.id,
            "tenant_id": secret.tenant_id,
            "status": SecretStatus.ACTIVE.value,
            "$or": [
                {"secret_digest": random_digest},
                {"previous_secret_digest": random_digest, "previous_secret_expire_time": {"$gt": at}},
            ],
        }
        if secret.max_uses:
            query["use_count"] = {"$lt": secret.max_uses}
        if secret.expire_time is not None:
            query["expire_time"] = {"$gt": at}
        written = await self.collection.find_one_and_update(
            query,
            {"$inc": {"use_count": 1}, "$set": {"last_use_time": at}},
            return_document=ReturnDocument.AFTER,
        )
        return from_doc(written) if written is not None else None

    def _entry(self, secret: RegistrationSecret, payload: Message) -> Document:
        return envelope_record(
            aggregate="registration_secret",
            tenant_id=secret.tenant_id,
            aggregate_id=secret.id,
            subject=secret.name,
            sequence=secret.version,
            payload=payload,
            time=now(),
        )

    def _hand_off(self, doc: Document) -> None:
        if self.relay is not None:
            self.relay.submit([doc])


def _values(secret: RegistrationSecret, names: set[str]) -> Document:
    doc = to_doc(secret)
    return {k: doc[k] for k in names}


def to_doc(secret: RegistrationSecret) -> Document:
    doc = asdict(secret)
    doc["_id"] = doc.pop("id")
    doc["status"] = secret.status.value
    return doc


def from_doc(doc: Document) -> RegistrationSecret:
    d = {k: v for k, v in doc.items() if k not in _NOT_FIELDS}
    known = RegistrationSecret.__dataclass_fields__
    return RegistrationSecret(
        id=d.pop("_id"),
        status=SecretStatus(d.pop("status", "ACTIVE")),
        **{k: v for k, v in d.items() if k in known},
    )
