"""The consumer lag metric: GetIngestionStatus reports per-partition lag and counters, to internal
(system) callers of the mesh only — a tenant's caller is PERMISSION_DENIED (the figures span every
tenant)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from infra.layout import Layout
from infra.servers.service import local_internal_token_key
from openframe.stream.v1 import ingestion_pb2, ingestion_pb2_grpc
from services.kit.config import Settings
from tests.integration.stream.harness import StreamProcess, create_topics, eventually, produce
from tests.support.internal import as_caller


@pytest.fixture
def stream(unique: str, stream_logs: Path, layout: Layout) -> Iterator[StreamProcess]:
    process = StreamProcess(
        unique,
        stream_logs,
        OPENFRAME_MONGO_DATABASE="stream_tests",
        OPENFRAME_AUTH_MODE="jwt",
        OPENFRAME_INTERNAL_TOKEN_KEY=local_internal_token_key(layout),
    )
    process.start()
    yield process
    process.stop()


async def test_status_reports_lag_to_system_callers_only(
    stream: StreamProcess, settings: Settings, unique: str, layout: Layout
) -> None:
    topic = f"test.{unique}.tools.generic.v1"
    await create_topics(settings.kafka_bootstrap, [topic], partitions=2)
    body = json.dumps({"event_type": "x.y", "summary": "hello"}).encode()
    await produce(
        settings.kafka_bootstrap, topic, [(f"lag-{unique}:t".encode(), body, []) for _ in range(10)]
    )
    async with grpc.aio.insecure_channel(stream.address) as channel:
        status = ingestion_pb2_grpc.IngestionServiceStub(channel)
        system = as_caller(layout, f"lag-{unique}", kind="system")

        async def caught_up() -> ingestion_pb2.GetIngestionStatusResponse | None:
            reply = await status.GetIngestionStatus(
                ingestion_pb2.GetIngestionStatusRequest(), metadata=system
            )
            done = reply.stored_entries == 10 and reply.partitions and reply.total_lag == 0
            return reply if done else None

        reply = await eventually(caught_up)
        assert isinstance(reply, ingestion_pb2.GetIngestionStatusResponse)
        assert reply.consumer_group == stream.env["OPENFRAME_CONSUMER_GROUP"] and not reply.paused
        assert {p.topic for p in reply.partitions} == {topic}
        assert sum(p.committed_offset for p in reply.partitions) == 10
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await status.GetIngestionStatus(
                ingestion_pb2.GetIngestionStatusRequest(),
                metadata=as_caller(layout, f"lag-{unique}", roles=("OWNER",)),
            )
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
