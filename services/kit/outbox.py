"""Outbox relays: documents written to MongoDB carry the Kafka record they owe; a relay publishes
it at least once with an idempotent producer (acks=all) and then marks it.

Why: an acknowledged write must never lose its event, even with Kafka down, and the services use
no multi-document transactions (single-document atomicity is what every store we run keeps). So
the event is part of the document written by the change itself; publishing happens after, and
every step is idempotent (a crash means a duplicate at worst, never a loss; consumers
deduplicate by event id, the ``ce_id`` header).

Two relays share the producer (:class:`KafkaSender`):

* :class:`OutboxRelay` (here): the pending record sits *inside* an entity document
  (``outbox_fields``) and is marked in place (``published_at``). For low-volume entity changes.
* :class:`services.kit.outbox_log.OutboxLog`: an append-only collection whose documents are
  their own outbox records, marked by a per-writer high-water mark. For high-volume event logs
  (the auth audit log: one entry per token): a per-document mark would cost one more write per
  event, a writer's high-water mark costs one write per heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes

log = get_logger(__name__)


@dataclass(frozen=True)
class OutboxRecord:
    """The Kafka record a document owes. ``value`` is already serialized (an envelope)."""

    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


def utcnow() -> datetime:
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)  # what MongoDB stores


class KafkaSender:
    """One idempotent producer, (re)started lazily; ``send`` is all-or-nothing per call."""

    def __init__(self, bootstrap: str, client_id: str) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self.failures = 0

    async def send(self, records: Sequence[OutboxRecord]) -> bool:
        try:
            producer = await self._ensure()
            futures = [
                await producer.send(r.topic, value=r.value, key=r.key.encode(), headers=list(r.headers))
                for r in records
            ]
            await asyncio.gather(*futures)
        except Exception as exc:  # broker down, timeouts: the caller retries after backoff()
            self.failures += 1
            log.warning("outbox publish failed", records=len(records), error=type(exc).__name__)
            await self.stop()
            return False
        self.failures = 0
        return True

    def backoff(self) -> float:
        return float(min(0.5 * 2 ** min(self.failures, 4), 8.0))

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    async def _ensure(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                enable_idempotence=True,  # the broker drops retried duplicates within a session
                acks="all",
                linger_ms=5,
                request_timeout_ms=10_000,
            )
            try:
                await producer.start()
            except Exception:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer


def outbox_fields(record: OutboxRecord, *, now: datetime, lease_seconds: float) -> Document:
    """Fields to write into an entity document, in the same write as the change it records."""
    return {
        "outbox": {
            "topic": record.topic,
            "key": record.key,
            "value": record.value,
            # documents, not pairs: the embedded store takes no nested arrays (docs/services.md)
            "headers": [{"k": k, "v": v} for k, v in record.headers],
        },
        "published_at": None,
        "lease_until": now + timedelta(seconds=lease_seconds),
    }


def _record(doc: Document) -> OutboxRecord:
    box = doc["outbox"]
    headers = tuple((h["k"], bytes(h["v"])) for h in box.get("headers", []))
    return OutboxRecord(box["topic"], box["key"], bytes(box["value"]), headers)


class OutboxRelay:
    """Relay for records embedded in entity documents, marked in place.

    The writing process hands its documents over (``submit``) and they go out within
    milliseconds; ``lease_until`` means "my writer relays me". Every few seconds any process
    sweeps documents whose lease ran out (writer crashed, Kafka was down), claims each with a
    compare-and-set on the lease, and publishes them.
    """

    def __init__(
        self,
        collection: AsyncCollection[Document],
        *,
        bootstrap: str,
        client_id: str = "openframe-outbox",
        batch_size: int = 500,
        lease_seconds: float = 30.0,
        sweep_seconds: float = 2.0,
    ) -> None:
        self.collection = collection
        self.sender = KafkaSender(bootstrap, client_id)
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.sweep_seconds = sweep_seconds
        self._queue: asyncio.Queue[Document] = asyncio.Queue(maxsize=20_000)
        self._tasks: list[asyncio.Task[None]] = []

    async def init(self) -> None:
        # the sweep is cross-tenant by nature
        await ensure_indexes(
            self.collection, [], cross_tenant=[IndexModel([("lease_until", ASCENDING)], name="outbox_lease")]
        )

    def start(self, lifecycle: Lifecycle) -> None:
        self._tasks = [asyncio.create_task(self._handoff_loop()), asyncio.create_task(self._sweep_loop())]
        lifecycle.on_shutdown("outbox-relay", self.stop)

    def submit(self, docs: Sequence[Document]) -> None:
        """Hand freshly written documents over (never blocks: what does not fit waits for the sweep)."""
        for doc in docs:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(doc)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sender.stop()

    async def publish(self, docs: Sequence[Document]) -> bool:
        if not await self.sender.send([_record(d) for d in docs]):
            return False
        try:
            await self.collection.update_many(
                {"_id": {"$in": [d["_id"] for d in docs]}},
                {"$set": {"published_at": utcnow()}, "$unset": {"lease_until": ""}},
            )
        except PyMongoError as exc:  # published but not marked: the sweep publishes again
            log.warning("outbox mark failed", records=len(docs), error=type(exc).__name__)
        return True

    async def _handoff_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if not await self.publish(batch):
                await asyncio.sleep(self.sender.backoff())  # the batch waits for the sweep

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds if not self.sender.failures else self.sender.backoff())
            with contextlib.suppress(PyMongoError):
                while claimed := await self._claim_expired():
                    if not await self.publish(claimed) or len(claimed) < self.batch_size:
                        break

    async def _claim_expired(self) -> list[Document]:
        now, claimed = utcnow(), []
        query = {"lease_until": {"$lt": now}, "published_at": None}
        async for doc in self.collection.find(query).limit(self.batch_size):
            won = await self.collection.find_one_and_update(
                {"_id": doc["_id"], "lease_until": doc["lease_until"]},
                {"$set": {"lease_until": now + timedelta(seconds=self.lease_seconds)}},
            )
            if won is not None:  # another process may have claimed it first
                claimed.append(doc)
        return claimed
