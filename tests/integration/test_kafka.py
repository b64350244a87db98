"""Kafka through aiokafka: idempotent producer with acks=all, consumer group reads it all back."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.kit.config import Settings


async def test_idempotent_producer_and_consumer_group(settings: Settings, unique: str) -> None:
    topic = f"openframe.test.{unique}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()

    sent = {f"tenant-{i % 2}:device-{i}".encode(): f"event-{i}".encode() for i in range(30)}
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True, acks="all"
    )
    await producer.start()
    try:
        metas = [await producer.send_and_wait(topic, value=v, key=k) for k, v in sent.items()]
    finally:
        await producer.stop()
    assert {m.partition for m in metas} <= {0, 1, 2}

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"group-{unique}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: dict[bytes, bytes] = {}
    try:
        while len(received) < len(sent):
            batch = await consumer.getmany(timeout_ms=10_000)
            if not batch:
                pytest.fail(f"consumer stalled after {len(received)} of {len(sent)} records")
            for records in batch.values():
                received.update({r.key: r.value for r in records if r.key is not None and r.value})
        await consumer.commit()
        assert received == sent  # exactly what was sent: nothing lost, nothing extra
        committed = {tp: await consumer.committed(tp) for tp in consumer.assignment()}
        assert sum(o or 0 for o in committed.values()) == len(sent)
    finally:
        await consumer.stop()
