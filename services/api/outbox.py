"""Domain events of the api service: envelopes, queued in the entity document they describe.

Every state change of an organization, device, tag key, event record, command or registration
secret is one single-document update that also appends the Kafka record it owes to
``outbox_queue`` and sets ``outbox_due`` (when a sweep may take the queue over): the store has
no multi-document transactions, and an acknowledged change must never lose its event.

:class:`QueuedOutboxRelay` (the kit's :class:`OutboxRelay` with a queue instead of a single slot,
so two quick changes of one entity never overwrite each other's event) publishes a document's
queue in order, on the key ``<tenant>:<id>`` (one partition), and then removes exactly the
records Kafka acknowledged with one ``$pullAll``: a record appended meanwhile stays queued, and
no other field is touched, so a mark never undoes a concurrent change. ``outbox_due`` is unset
by a second conditional update that only applies while the queue is empty.

Two relays (two replicas, or a writer and a sweeper) may publish one queue at the same time:
that duplicates records (consumers deduplicate by event id, header ``ce_id``) but never puts a
later event before an earlier one. The sweep, in every replica, finds documents whose
``outbox_due`` passed (a writer that crashed, Kafka down) through the ``outbox_due`` index and
claims each with a compare-and-set on that value, so each overdue document goes to one sweeper.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel
from pymongo.errors import PyMongoError

from openframe.common.v1 import common_pb2
from openframe.events.v1 import envelope_pb2
from services.kit.context import request_id
from services.kit.identity import _identity
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.outbox import OutboxRecord, OutboxRelay

log = get_logger(__name__)

SOURCE = "openframe.api"
ACKED_MEMORY = 50_000
TYPE_URL = "type.googleapis.com/"
#: Fields of an entity document that belong to its outbox (never part of the entity).
OUTBOX_FIELDS = ("outbox_queue", "outbox_due", "lease_until", "published_at")

#: Called with a document a sweep claimed (its writer may have died before finishing what
#: follows the write, e.g. the devices' derived rows), before its queue is published.
Claimed = Callable[[Document], Awaitable[None]]


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
        "$set": {"outbox_due": now + timedelta(seconds=lease_seconds)},
    }


def queued(entries: Sequence[Document], *, now: datetime, lease_seconds: float) -> Document:
    """The outbox fields of a document inserted with ``entries`` queued."""
    return {"outbox_queue": list(entries), "outbox_due": now + timedelta(seconds=lease_seconds)}


def without_outbox(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k not in OUTBOX_FIELDS}


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

    The writer hands its documents over (``submit``) and they go out within milliseconds; a
    hand-off that failed (Kafka down) waits for the sweep, which every ``sweep_seconds`` reads
    the documents whose ``outbox_due`` passed (an index range), claims each (compare-and-set on
    ``outbox_due``) and publishes it.
    """

    def __init__(self, *args: Any, on_claimed: Claimed | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_claimed = on_claimed
        #: ids of records Kafka acknowledged to this process lately: a later copy of the same
        #: document (its queue not pulled yet) does not send them again (fewer duplicates only)
        self._acked: OrderedDict[str, None] = OrderedDict()

    async def init(self) -> None:
        # the sweep is cross-tenant by nature
        await ensure_indexes(
            self.collection, [], cross_tenant=[IndexModel([("outbox_due", ASCENDING)], name="outbox_due")]
        )

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
        for doc in latest.values():
            try:
                await self._mark(doc)
            except PyMongoError as exc:  # published but not marked: sent again later (deduplicated)
                log.warning("outbox mark failed", error=type(exc).__name__)
        return True

    async def _mark(self, doc: Document) -> None:
        # exactly the entries published: later appends stay queued, nothing else changes
        if doc.get("outbox_queue"):
            await self.collection.update_one(
                {"_id": doc["_id"]}, {"$pullAll": {"outbox_queue": doc["outbox_queue"]}}
            )
        # no longer due, unless something was appended meanwhile (checked as the row is written)
        await self.collection.update_one(
            {"_id": doc["_id"], "outbox_queue": {"$size": 0}}, {"$unset": {"outbox_due": ""}}
        )

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds if not self.sender.failures else self.sender.backoff())
            try:
                while claimed := await self._claim_expired():
                    if not await self.publish(claimed) or len(claimed) < self.batch_size:
                        break
            except Exception as exc:  # the store away for a moment: the next round tries again
                log.warning("outbox sweep failed", collection=self.collection.name, error=repr(exc)[:300])

    async def _claim_expired(self) -> list[Document]:
        at = now()
        lease = at + timedelta(seconds=self.lease_seconds)
        claimed = []
        async for doc in (
            self.collection.find({"outbox_due": {"$lt": at}}).sort("outbox_due", 1).limit(self.batch_size)
        ):
            won = await self.collection.find_one_and_update(
                {"_id": doc["_id"], "outbox_due": doc["outbox_due"]},
                {"$set": {"outbox_due": lease}},
                return_document=True,
            )
            if won is None:  # another replica's sweep (or a new write) got there first
                continue
            if self.on_claimed is not None:
                await self.on_claimed(won)
            claimed.append(won)
        return claimed
