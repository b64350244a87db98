"""Registration secrets in MongoDB (collection ``registration_secrets``).

Every filter names the tenant; a change and its event are one document update
(``outbox_queue``, relayed by the api's QueuedOutboxRelay). Every write is one conditional
update whose filter states what it was decided on — a change the etag it read, a use of a
secret with a use limit the secret, the status, the expiry and the limit — so concurrent
registrations never spend more uses than the limit, and concurrent rotations never hand out a
secret that does not work, in any number of processes (the store re-checks the filter on the
locked document).

Uses of a secret without a use limit (a fleet's installer secret: every agent registers with it)
need no such precondition, and one conditional write per use made that one document the
bottleneck of a fleet's registration (every registration waiting for its row lock). They are
counted per process and written every ``flush_seconds`` (``$inc`` of the uses, ``$max`` of the
last use time), and before this process reads a secret: another replica's reads lag by at most
a flush, and a process that dies loses at most a flush's worth of use counts (never a use limit).
"""

from __future__ import annotations

import asyncio
import contextlib
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
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

COLLECTION = "registration_secrets"
INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("create_time", DESCENDING), ("_id", DESCENDING)], name="tenant_created"
    ),
]
_NOT_FIELDS = OUTBOX_FIELDS

log = get_logger(__name__)


class SecretRepository:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        relay: QueuedOutboxRelay | None,
        *,
        lease_seconds: float,
        flush_seconds: float = 0.5,
    ) -> None:
        self.collection = db[COLLECTION]
        self.relay = relay
        self.lease_seconds = lease_seconds
        self.flush_seconds = flush_seconds
        #: (tenant, secret id) -> uses not written yet, and the last one's time
        self._uses: dict[tuple[str, str], tuple[int, datetime]] = {}
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    async def insert(
        self, secret: RegistrationSecret, event: Callable[[RegistrationSecret], Message]
    ) -> None:
        doc = to_doc(secret)
        doc.update(queued([self._entry(secret, event(secret))], now=now(), lease_seconds=self.lease_seconds))
        await self.collection.insert_one(doc)
        self._hand_off(doc)

    async def get(
        self, *, tenant_id: str, secret_id: str, with_uses: bool = True
    ) -> RegistrationSecret | None:
        """The stored secret (``with_uses``: counting this process's uses not written yet)."""
        if with_uses:
            await self.flush_uses()
        doc = await self.collection.find_one(
            {"_id": secret_id, "tenant_id": tenant_id}, {k: 0 for k in _NOT_FIELDS}
        )
        return from_doc(doc) if doc is not None else None

    async def find_page(
        self, *, tenant_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[RegistrationSecret]:
        await self.flush_uses()
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

    def record_use(self, secret: RegistrationSecret, at: datetime) -> RegistrationSecret:
        """One more use of a secret without a use limit, written with the next flush."""
        key = (secret.tenant_id, secret.id)
        uses, last = self._uses.get(key, (0, at))
        self._uses[key] = (uses + 1, max(last, at))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon())
        return replace(secret, use_count=secret.use_count + uses + 1, last_use_time=at)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.flush_seconds)
        await self.flush_uses()

    async def flush_uses(self) -> None:
        if not self._uses:
            return
        async with self._flushing:
            pending, self._uses = self._uses, {}
            failed: dict[tuple[str, str], tuple[int, datetime]] = {}
            for (tenant_id, secret_id), (uses, at) in pending.items():
                try:
                    await self.collection.update_one(
                        {"_id": secret_id, "tenant_id": tenant_id},
                        {"$inc": {"use_count": uses}, "$max": {"last_use_time": at}},
                    )
                except Exception as exc:  # kept for the next flush
                    failed[(tenant_id, secret_id)] = (uses, at)
                    log.warning("secret use counts not written", error=type(exc).__name__)
            for key, (uses, at) in failed.items():
                more, last = self._uses.get(key, (0, at))
                self._uses[key] = (uses + more, max(at, last))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush_uses()

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
