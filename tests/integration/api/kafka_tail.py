"""Read what the api service published: remember a topic's end offsets, later read everything
after them (also across a broker restart: a new consumer seeks to the remembered offsets)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import ConsumerRecord

from openframe.events.v1 import envelope_pb2

Record = ConsumerRecord[bytes, bytes]


@dataclass
class Mark:
    topic: str
    offsets: dict[TopicPartition, int]


async def ensure_topic(bootstrap: str, topic: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def mark_end(bootstrap: str, topic: str) -> Mark:
    await ensure_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()  # subscribed: start() fetches the topic's metadata
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        assert partitions, f"no partitions for {topic}"
        return Mark(topic, dict(await consumer.end_offsets(partitions)))
    finally:
        await consumer.stop()


async def read_after(
    bootstrap: str, mark: Mark, done: Callable[[list[Record]], bool], within: float = 60
) -> list[Record]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    records: list[Record] = []
    deadline = time.monotonic() + within
    try:
        consumer.assign(list(mark.offsets))
        for tp, offset in mark.offsets.items():
            consumer.seek(tp, offset)
        while not done(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(records)} record(s) on {mark.topic} after {within} s")
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


def envelope(record: Record) -> envelope_pb2.EventEnvelope:
    return envelope_pb2.EventEnvelope.FromString(record.value or b"")


def header(record: Record, name: str) -> str:
    return next(v.decode() for k, v in record.headers if k == name)
