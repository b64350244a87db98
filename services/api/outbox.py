"""Domain events of the api service: envelopes, queued in the entity document they describe.

Every state change of an organization, device, tag key or event record is one single-document
update that also appends the Kafka record it owes to ``outbox_queue`` (FerretDB has no
multi-document transactions). :class:`QueuedOutboxRelay` (the kit's :class:`OutboxRelay`
with a queue instead of a single slot, so two quick changes of one entity never overwrite
each other's event) publishes the queue in order, then pulls exactly what it published.

Why the queue works without compare-and-set claims: each publish sends a document's queue
from its oldest record, in order, on the key ``<tenant>:<id>`` (one partition), and a record
is pulled only after Kafka acknowledged it. Two relays racing on one document therefore
duplicate records (consumers deduplicate by event id, header ``ce_id``) but can never put a
later event before an earlier one. Every filter here is ``{_id: ...}`` alone: the only filter
FerretDB 1.24 hands to SQLite at all (docs/decisions/0010-*.md).

Why :data:`LOCKS`: FerretDB 1.24 (SQLite) executes an update as a read, then a separate write of
the whole document, so two concurrent updates of one document lose one of them, whatever the
filter says (observed: the relay's mark undid a user's change that landed in between). Every
write to an api entity document in this process — the repositories' changes and the relay's
marks — therefore holds that document's lock. On MongoDB the etag filters alone would do.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from openframe.common.v1 import common_pb2
from openframe.events.v1 import envelope_pb2
from services.kit.context import request_id
from services.kit.identity import _identity
from services.kit.logging import get_logger
from services.kit.mongo import Document
from services.kit.outbox import OutboxRecord, OutboxRelay, utcnow

log = get_logger(__name__)

SOURCE = "openframe.api"
ACKED_MEMORY = 50_000
RETRY_MEMORY = 20_000
TYPE_URL = "type.googleapis.com/"


class DocumentLocks:
    """One asyncio lock per (collection, _id) while anyone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    @contextlib.asynccontextmanager
    async def hold(self, collection: str, doc_id: str) -> AsyncIterator[None]:
        key = f"{collection}/{doc_id}"
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


#: The process-wide registry (see the module docstring).
LOCKS = DocumentLocks()


async def guard_filter_for(db: AsyncDatabase[Document]) -> bool:
    """Whether a write should also filter on the etag it was decided on (compare-and-set).

    On MongoDB yes: that is what makes concurrent writers from several processes safe. On
    FerretDB 1.24 no: it gives no such safety (see the module docstring; the in-process lock
    does the work) and any filter beyond ``{_id}`` scans the whole collection."""
    info = await db.client.admin.command("buildInfo")
    return "ferretdbVersion" not in info


def topic_for(aggregate: str) -> str:
    """'device' -> 'openframe.api.devices.v1'."""
    return f"openframe.api.{aggregate}s.v1"


def envelope_record(
    *,
    aggregate: str,
    tenant_id: str,
    aggregate_id: str,
    subject: str,
    sequence: int,
    payload: Message,
    time: datetime,
) -> Document:
    """The outbox entry (a plain document) for one event about ``subject``."""
    event_id = str(uuid.uuid4())
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(time)
    type_name = payload.DESCRIPTOR.full_name
    envelope = envelope_pb2.EventEnvelope(
        id=event_id,
        type=type_name,
        source=SOURCE,
        tenant_id=tenant_id,
        subject=subject,
        sequence=max(sequence, 1),
        time=stamp,
        actor=_actor(),
        request_id=(request_id.get() or "")[:128],
        payload=any_pb2.Any(type_url=TYPE_URL + type_name, value=payload.SerializeToString()),
    )
    return {
        "id": event_id,
        "topic": topic_for(aggregate),
        "key": f"{tenant_id}:{aggregate_id}",
        "value": envelope.SerializeToString(),
        "headers": [
            {"k": "ce_id", "v": event_id.encode()},
            {"k": "ce_type", "v": type_name.encode()},
            {"k": "ce_tenant", "v": tenant_id.encode()},
        ],
    }


def outbox_update(entries: Sequence[Document], *, now: datetime, lease_seconds: float) -> Document:
    """Update operators that append ``entries`` to a document's queue (merge into the write)."""
    return {
        "$push": {"outbox_queue": {"$each": list(entries)}},
        "$set": {"lease_until": now + timedelta(seconds=lease_seconds)},
    }


def _actor() -> common_pb2.Actor:
    ident = _identity.get()
    if ident is None:
        return common_pb2.Actor(type=common_pb2.ACTOR_TYPE_SYSTEM)
    kind = {
        "user": common_pb2.ACTOR_TYPE_USER,
        "agent": common_pb2.ACTOR_TYPE_AGENT,
        "api_key": common_pb2.ACTOR_TYPE_API_KEY,
        "client": common_pb2.ACTOR_TYPE_CLIENT,
    }.get(ident.kind, common_pb2.ACTOR_TYPE_SYSTEM)
    return common_pb2.Actor(type=kind, id=ident.subject)


def _record(entry: Document) -> OutboxRecord:
    headers = tuple((h["k"], bytes(h["v"])) for h in entry["headers"])
    return OutboxRecord(entry["topic"], entry["key"], bytes(entry["value"]), headers)


class QueuedOutboxRelay(OutboxRelay):
    """The kit's relay for documents carrying a queue of records (``outbox_queue``).

    Unlike the kit's relay, the frequent retry does not search the collection (on FerretDB
    every search scans it, and this one would run every few seconds on every entity collection):
    documents whose hand-off failed (Kafka down) are kept in memory and sent again from there.
    The search for documents whose lease ran out — a writer that crashed before relaying — runs
    every ``full_sweep_seconds`` (the first one a period after start, out of start-up's way).
    """

    def __init__(self, *args: Any, full_sweep_seconds: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full_sweep_seconds = full_sweep_seconds
        #: ids of records Kafka acknowledged to this process lately: a later copy of the same
        #: document (its queue not pulled yet) does not send them again
        self._acked: OrderedDict[str, None] = OrderedDict()
        #: documents whose hand-off failed, newest copy per id, to send again
        self._retry: OrderedDict[str, Document] = OrderedDict()

    async def _handoff_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if not await self.publish(batch):
                self._remember(batch)
                await asyncio.sleep(self.sender.backoff())

    def _remember(self, docs: Sequence[Document]) -> None:
        for doc in docs:
            self._retry[doc["_id"]] = doc
            self._retry.move_to_end(doc["_id"])
        while len(self._retry) > RETRY_MEMORY:  # the full sweep finds the ones forgotten here
            self._retry.popitem(last=False)

    async def _sweep_loop(self) -> None:
        loop = asyncio.get_running_loop()
        last_full = loop.time()  # the first search a period after start, not amid start-up
        while True:
            await asyncio.sleep(self.sweep_seconds if not self.sender.failures else self.sender.backoff())
            while self._retry:
                docs = list(self._retry.values())[: self.batch_size]
                if not await self.publish(docs):
                    break
                for doc in docs:
                    if self._retry.get(doc["_id"]) is doc:
                        del self._retry[doc["_id"]]
            if loop.time() - last_full >= self.full_sweep_seconds and not self.sender.failures:
                last_full = loop.time()
                with contextlib.suppress(PyMongoError):
                    while claimed := await self._claim_expired():
                        if not await self.publish(claimed) or len(claimed) < self.batch_size:
                            break

    async def publish(self, docs: Sequence[Document]) -> bool:
        # one document per id (the newest copy holds the longest queue), queues in order
        latest: dict[str, Document] = {}
        for doc in docs:
            latest[doc["_id"]] = doc
        pending = [d for d in latest.values() if d.get("outbox_queue")]
        entries = [e for d in pending for e in d["outbox_queue"] if e["id"] not in self._acked]
        if entries and not await self.sender.send([_record(e) for e in entries]):
            return False
        for entry in entries:
            self._acked[entry["id"]] = None
        while len(self._acked) > ACKED_MEMORY:
            self._acked.popitem(last=False)
        for doc in pending:
            try:  # exactly the entries published: later appends stay queued
                async with LOCKS.hold(self.collection.name, doc["_id"]):
                    await self.collection.update_one(
                        {"_id": doc["_id"]}, {"$pullAll": {"outbox_queue": doc["outbox_queue"]}}
                    )
            except PyMongoError as exc:  # published but not marked: sent again later (deduplicated)
                log.warning("outbox mark failed", error=type(exc).__name__)
        return True

    async def init(self) -> None:
        """No index: FerretDB cannot use one for the sweep's filter anyway (see the module)."""

    async def _claim_expired(self) -> list[Document]:
        now = utcnow()
        query = {"outbox_queue.0": {"$exists": True}, "lease_until": {"$lt": now}}
        docs = await self.collection.find(query).limit(self.batch_size).to_list()
        lease = now + timedelta(seconds=self.lease_seconds)
        for doc in docs:  # a lease, not a lock: a racing relay only causes duplicates
            with contextlib.suppress(PyMongoError):
                async with LOCKS.hold(self.collection.name, doc["_id"]):
                    await self.collection.update_one({"_id": doc["_id"]}, {"$set": {"lease_until": lease}})
        return list(docs)
