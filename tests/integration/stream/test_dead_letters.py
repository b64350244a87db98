"""Poison messages: a malformed record lands in the dead-letter topic with its reason, and the
records after it (same partition) are still processed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from aiokafka import AIOKafkaConsumer

from openframe.stream.v1 import logs_pb2, logs_pb2_grpc
from services.kit.config import Settings
from tests.integration.stream.harness import StreamProcess, create_topics, eventually, produce


@pytest.fixture
def stream(unique: str, stream_logs: Path) -> Iterator[StreamProcess]:
    process = StreamProcess(unique, stream_logs)
    process.start()
    yield process
    process.stop()


def generic(i: int, **extra: object) -> bytes:
    body = {
        "id": f"e{i}",
        "time": datetime.now(UTC).isoformat(),
        "event_type": "backup.completed",
        "severity": "info",
        "summary": f"backup {i} done",
        **extra,
    }
    return json.dumps(body).encode()


async def test_malformed_record_goes_to_dead_letters_and_the_rest_is_processed(
    stream: StreamProcess, settings: Settings, unique: str
) -> None:
    topic = f"test.{unique}.tools.backupx.v1"
    tenant = f"ten-{unique}"
    await create_topics(settings.kafka_bootstrap, [topic, f"test.{unique}.dead-letters"], partitions=1)
    key = f"{tenant}:tool-1".encode()
    records = [(key, generic(1), [])]
    records.append((key, b"{not json", [("traceparent", b"00-abc")]))  # undecodable
    records.append((key, generic(2, tenant_id="someone-else"), []))  # body claims another tenant
    records.append(
        (f"{tenant}:tool-1".encode(), generic(3), [("of_tenant", b"other-tenant")])
    )  # header disagrees
    records += [(key, generic(i), []) for i in range(4, 9)]
    await produce(settings.kafka_bootstrap, topic, records)

    async with grpc.aio.insecure_channel(stream.address) as channel:
        logs = logs_pb2_grpc.LogServiceStub(channel)
        metadata = (("x-openframe-tenant", tenant),)

        async def listed() -> list[str]:
            reply = await logs.ListLogEntries(logs_pb2.ListLogEntriesRequest(page_size=50), metadata=metadata)
            return sorted(e.summary for e in reply.log_entries) if len(reply.log_entries) >= 6 else []

        summaries = await eventually(listed)
    assert summaries == sorted(f"backup {i} done" for i in (1, 4, 5, 6, 7, 8))

    consumer = AIOKafkaConsumer(
        f"test.{unique}.dead-letters",
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        dead: list[dict[str, str]] = []
        while len(dead) < 3:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"dead letters so far: {dead}"
            for part in batch.values():
                dead += [{k: v.decode() for k, v in r.headers} | {"value": r.value.decode()} for r in part]
    finally:
        await consumer.stop()
    by_offset = {d["dlq_offset"]: d for d in dead}
    assert by_offset["1"]["dlq_reason"] == "undecodable"
    assert by_offset["1"]["value"] == "{not json"  # the original record, kept as it was
    assert by_offset["1"]["traceparent"] == "00-abc"  # and its headers
    assert by_offset["2"]["dlq_reason"] == "tenant_mismatch"
    assert by_offset["3"]["dlq_reason"] == "tenant_mismatch"
    assert all(d["dlq_topic"] == topic and d["dlq_detail"] for d in dead)
