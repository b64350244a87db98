"""The kit's outbox relay on its own (in-place marking, the mode other services will use):
hand-off publishes at once, the sweep picks up what a crashed writer left, every record is
marked only after Kafka acknowledged it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle
from services.kit.outbox import OutboxRecord, OutboxRelay, outbox_fields, utcnow
from services.kit.outbox_log import OutboxLog
from tests.integration.auth.helpers import eventually
from tests.integration.auth.kafka_tools import read_until


async def _all_marked(collection: AsyncCollection[dict[str, object]]) -> bool:
    return await collection.count_documents({"published_at": None}) == 0


async def test_relay_marks_in_place_and_sweeps_orphans(
    db: AsyncDatabase[dict[str, object]], settings: Settings, unique: str
) -> None:
    collection = db[f"outbox_{unique}"]
    topic = f"openframe.test.outbox-{unique}.v1"
    relay = OutboxRelay(collection, bootstrap=settings.kafka_bootstrap, lease_seconds=0.5, sweep_seconds=0.2)
    await relay.init()
    lifecycle = Lifecycle(grace_seconds=2)
    relay.start(lifecycle)

    def doc(n: int) -> dict[str, object]:
        record = OutboxRecord(
            topic=topic,
            key=f"{unique}:things/{n}",
            value=f"event-{n}".encode(),
            headers=(("ce_id", uuid.uuid4().hex.encode()),),
        )
        return {
            "_id": f"{unique}-{n}",
            "tenant_id": unique,
            "n": n,
            **outbox_fields(record, now=utcnow(), lease_seconds=0.5),
        }

    handed = [doc(i) for i in range(3)]
    await collection.insert_many(handed)
    relay.submit(handed)  # the writer's hand-off
    orphan = doc(99)
    await collection.insert_one(orphan)  # written by a "crashed" process: never handed off
    try:
        records = await read_until(settings.kafka_bootstrap, topic, lambda rs: len(rs) >= 4, within=30)
        assert sorted(r.value for r in records) == sorted([b"event-0", b"event-1", b"event-2", b"event-99"])
        assert await eventually(lambda: _all_marked(collection))
        stored = [d async for d in collection.find({})]
        assert len(stored) == 4 and all(d["published_at"] is not None for d in stored)
        assert all("lease_until" not in d for d in stored)
    finally:
        await lifecycle.shutdown()
        await collection.drop()


async def test_log_relay_recovers_a_stopped_writers_entries(
    db: AsyncDatabase[dict[str, object]], settings: Settings, unique: str
) -> None:
    """Entries of a writer that died before publishing them are published by another process,
    in order, after its heartbeat went stale; then its checkpoint is removed."""
    log_collection, checkpoints = db[f"log_{unique}"], db[f"marks_{unique}"]
    topic = f"openframe.test.log-{unique}.v1"

    def render(doc: dict[str, object]) -> OutboxRecord:
        return OutboxRecord(topic=topic, key=f"{unique}:x", value=str(doc["n"]).encode())

    dead = "crashed-writer"
    await log_collection.insert_many(
        [{"_id": f"{unique}-{n}", "tenant_id": unique, "n": n, "writer": dead, "seq": n} for n in (1, 2, 3)]
    )
    old = utcnow() - timedelta(minutes=5)
    await checkpoints.insert_one({"_id": dead, "stream": unique, "published_seq": 1, "heartbeat_at": old})
    relay = OutboxLog(
        log_collection,
        checkpoints,
        bootstrap=settings.kafka_bootstrap,
        render=render,
        stream=unique,
        heartbeat_seconds=0.2,
        dead_after_seconds=1,
    )
    await relay.init()
    lifecycle = Lifecycle(grace_seconds=2)
    relay.start(lifecycle)
    try:
        await relay.append([{"_id": f"{unique}-live", "tenant_id": unique, "n": 100}])  # its own, live
        records = await read_until(settings.kafka_bootstrap, topic, lambda rs: len(rs) >= 3, within=30)
        assert [r.value for r in records if r.value != b"100"] == [b"2", b"3"]  # seq 1 was already out
        assert b"100" in {r.value for r in records}
        assert await eventually(lambda: _gone(checkpoints, dead))
    finally:
        await lifecycle.shutdown()
        await log_collection.drop()
        await checkpoints.drop()
    assert await checkpoints.count_documents({}) == 0  # a clean stop with nothing pending retires


async def _gone(checkpoints: AsyncCollection[dict[str, object]], writer: str) -> bool:
    return await checkpoints.find_one({"_id": writer}) is None
