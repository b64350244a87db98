"""Writing audit entries. Each entry is one document in the append-only ``audit_events``, and that
document is its own outbox record: the kit's :class:`~services.kit.outbox_log.OutboxLog` stores it
and relays it to Kafka (``openframe.auth.security-events.v1``, key ``<tenant>:<subject>``, value an
``openframe.events.v1.EventEnvelope`` rebuilt from the stored fields).

Group commit: entries recorded within ``linger`` or while a write is in flight are written
together by the next ``insert_many`` (one commit for many requests), and every caller waits until
its own entry is stored, so an acknowledged action always has its audit entry (and, later, its event).
Per-subject event sequences come from Redis (INCRBY, one pipeline per batch), shared by all
worker processes.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import redis.asyncio as aioredis
from google.protobuf import any_pb2

from openframe.auth.v1 import audit_pb2
from openframe.common.v1 import common_pb2
from openframe.events.v1 import envelope_pb2
from services.auth.audit.model import AuditEntry
from services.auth.common import aware, ts, uuid7
from services.kit.context import request_id
from services.kit.mongo import Document, now
from services.kit.outbox import OutboxRecord
from services.kit.outbox_log import OutboxLog, Render

SOURCE = "openframe.auth"
MAX_BATCH = 500
TYPE_URL = "type.googleapis.com/"


class AuditLog:
    def __init__(self, outbox: OutboxLog, redis: aioredis.Redis, *, linger_seconds: float = 0.0) -> None:
        self.outbox = outbox
        self.redis = redis
        self.linger = linger_seconds
        self._queue: list[tuple[Document, asyncio.Future[str]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry) -> str:
        """Store the entry (its event goes to Kafka after); returns its id once it is durable."""
        doc = document_of(entry)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append((doc, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(future)  # a cancelled caller does not cancel the others

    async def _flush(self) -> None:
        while self._queue:
            # A short wait gathers more entries per insert: the store pays much of its cost per
            # command and per commit, so a few milliseconds here buy many tokens per second.
            await asyncio.sleep(self.linger)
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            docs = [doc for doc, _ in batch]
            try:
                await self._number(docs)
                await self.outbox.append(docs)
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for doc, future in batch:
                if not future.done():
                    future.set_result(doc["_id"])

    async def _number(self, docs: list[Document]) -> None:
        """Envelope sequence per (tenant, subject): gap-free across workers (Redis INCRBY)."""
        counts = Counter((d["tenant_id"], d["subject"]) for d in docs)
        pipe = self.redis.pipeline(transaction=False)
        for (tenant, subject), n in counts.items():
            pipe.incrby(f"auth:event-seq:{tenant}:{subject}", n)
        ends = dict(zip(counts, await pipe.execute(), strict=True))
        following = {key: int(end) - counts[key] + 1 for key, end in ends.items()}
        for doc in docs:
            key = (doc["tenant_id"], doc["subject"])
            doc["sequence"], following[key] = following[key], following[key] + 1


def document_of(entry: AuditEntry) -> Document:
    """The stored form of an entry (the outbox log adds ``writer``, ``seq``; ``_number``
    ``sequence``)."""
    actor = entry.actor or common_pb2.Actor(type=common_pb2.ACTOR_TYPE_SYSTEM)
    doc: Document = {
        "_id": uuid7(),
        "tenant_id": entry.tenant_id,
        "type": audit_pb2.AuditEventType.Name(entry.type),
        "outcome": audit_pb2.AuditOutcome.Name(entry.outcome),
        "actor_type": common_pb2.ActorType.Name(actor.type),
        "event_time": now(),
        "subject": entry.subject,
        "event_type": entry.payload.DESCRIPTOR.full_name,
        "payload": entry.payload.SerializeToString(),
    }
    # The actor's fields are top-level (not a sub-document): the list filters on actor_id, and
    # the store's indexes serve top-level fields.
    optional = {
        "actor_id": actor.id,
        "actor_display_name": actor.display_name,
        "target": entry.target,
        "client_id": entry.client_id,
        "ip_address": entry.ip_address,
        "user_agent": entry.user_agent[:512],
        "failure_reason": entry.failure_reason,
        "details": dict(entry.details),
        "request_id": (request_id.get() or "")[:128],
    }
    # Empty fields are left out: the store's cost grows with document size (one per token).
    doc.update((k, v) for k, v in optional.items() if v)
    return doc


def actor_of(doc: Document) -> common_pb2.Actor:
    """The actor of a stored entry (entries written before issue 15 nest it under ``actor``)."""
    nested = doc.get("actor") or {}
    return common_pb2.Actor(
        type=doc.get("actor_type") or nested.get("type") or "ACTOR_TYPE_UNSPECIFIED",
        id=doc.get("actor_id") or nested.get("id", ""),
        display_name=doc.get("actor_display_name") or nested.get("display_name", ""),
    )


def renderer(topic: str) -> Render:
    """The Kafka record of a stored entry (what the relay publishes), for ``topic``."""

    def render(doc: Document) -> OutboxRecord:
        envelope = envelope_pb2.EventEnvelope(
            id=doc["_id"],
            type=doc["event_type"],
            source=SOURCE,
            tenant_id=doc["tenant_id"],
            subject=doc["subject"],
            sequence=doc["sequence"],
            time=ts(aware(doc["event_time"])),
            actor=actor_of(doc),
            request_id=doc.get("request_id", ""),
            payload=any_pb2.Any(type_url=TYPE_URL + doc["event_type"], value=bytes(doc["payload"])),
        )
        headers = (
            ("ce_id", doc["_id"].encode()),
            ("ce_type", doc["event_type"].encode()),
            ("ce_tenant", doc["tenant_id"].encode()),
        )
        return OutboxRecord(
            topic, f"{doc['tenant_id']}:{doc['subject']}", envelope.SerializeToString(), headers
        )

    return render
