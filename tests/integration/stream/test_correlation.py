"""Correlation: a device flapping ONLINE/OFFLINE raises one derived alert — an event on the alert
topic (an EventEnvelope of CorrelationAlertRaised) and a log entry ``alert.device_flapping``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from aiokafka import AIOKafkaConsumer

from openframe.events.v1 import envelope_pb2
from openframe.stream.v1 import alerts_pb2, logs_pb2, logs_pb2_grpc
from services.kit.config import Settings
from tests.integration.stream.events import status_changed
from tests.integration.stream.harness import StreamProcess, create_topics, eventually, produce


@pytest.fixture
def stream(unique: str, stream_logs: Path) -> Iterator[StreamProcess]:
    process = StreamProcess(
        unique,
        stream_logs,
        OPENFRAME_MONGO_DATABASE="stream_tests",
        OPENFRAME_FLAPPING_THRESHOLD="4",
        OPENFRAME_FLAPPING_WINDOW_SECONDS="300",
    )
    process.start()
    yield process
    process.stop()


async def test_flapping_device_raises_one_alert_event_and_log_entry(
    stream: StreamProcess, settings: Settings, unique: str
) -> None:
    tenant = f"flap-{unique}"
    topic, alerts_topic = f"test.{unique}.api.devices.v1", f"test.{unique}.alerts"
    await create_topics(settings.kafka_bootstrap, [topic, alerts_topic], partitions=1)
    now = int(time.time() * 1000)
    # 5 changes of d1 within a minute (one alert at the 4th), 2 of d2 (none).
    records = [status_changed(tenant, "d1", i % 2 == 1, now - 60_000 + i * 10_000) for i in range(5)]
    records += [status_changed(tenant, "d2", i % 2 == 1, now - 60_000 + i * 10_000) for i in range(2)]
    await produce(settings.kafka_bootstrap, topic, records)

    async with grpc.aio.insecure_channel(stream.address) as channel:
        logs = logs_pb2_grpc.LogServiceStub(channel)
        request = logs_pb2.ListLogEntriesRequest(
            event_types=["alert.device_flapping"], view=logs_pb2.LOG_ENTRY_VIEW_FULL
        )

        async def alert_entries() -> list[logs_pb2.LogEntry]:
            reply = await logs.ListLogEntries(request, metadata=(("x-openframe-tenant", tenant),))
            return list(reply.log_entries)

        entries = await eventually(alert_entries)
        all_entries = await logs.ListLogEntries(
            logs_pb2.ListLogEntriesRequest(), metadata=(("x-openframe-tenant", tenant),)
        )
    assert isinstance(entries, list) and len(entries) == 1
    alert = entries[0]
    assert (alert.device, alert.severity, alert.tool) == (
        "devices/d1",
        logs_pb2.LOG_SEVERITY_WARNING,
        "openframe",
    )
    assert alert.details["count"] == 4 and len(alert.details["log_entries"]) == 4
    assert len(all_entries.log_entries) == 7 + 1  # the 7 status changes and the alert

    consumer = AIOKafkaConsumer(
        alerts_topic, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
    finally:
        await consumer.stop()
    published = [r for part in batch.values() for r in part]
    assert len(published) == 1
    assert published[0].key == f"{tenant}:devices/d1".encode()
    envelope = envelope_pb2.EventEnvelope.FromString(published[0].value)
    raised = alerts_pb2.CorrelationAlertRaised()
    assert envelope.payload.Unpack(raised)
    assert (envelope.tenant_id, envelope.source, raised.rule, raised.count) == (
        tenant,
        "openframe.stream",
        "device_flapping",
        4,
    )
    assert raised.subject == "devices/d1" and set(raised.log_entries) <= {
        e.name for e in all_entries.log_entries
    }
