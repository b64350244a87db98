"""Log queries against stored entries: filters, cursor pagination by time (stable while new
entries arrive), details, filter options, and errors naming the field."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2

from openframe.stream.v1 import logs_pb2, logs_pb2_grpc
from services.kit.config import Settings
from tests.integration.stream.harness import StreamProcess, create_topics, eventually, produce

HOUR_MS = 3_600_000


@pytest.fixture
def stream(unique: str, stream_logs: Path) -> Iterator[StreamProcess]:
    process = StreamProcess(unique, stream_logs, OPENFRAME_MONGO_DATABASE="stream_tests")
    process.start()
    yield process
    process.stop()


def event(i: int, t_ms: int) -> bytes:
    severity = ("info", "warning", "error")[i % 3]
    return json.dumps(
        {
            "id": f"q{i}",
            "time": t_ms,
            "event_type": f"job.{severity}",
            "severity": severity,
            "summary": f"Job {i} {'FAILED hard' if i % 10 == 0 else 'ran'}",
            "device_id": f"dev{i % 4}",
            "details": {"n": i},
        }
    ).encode()


def ts(ms: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=ms // 1000, nanos=(ms % 1000) * 1_000_000)


async def test_filters_pagination_details_and_options(
    stream: StreamProcess, settings: Settings, unique: str
) -> None:
    tenant = f"q-{unique}"
    topic = f"test.{unique}.tools.jobs.v1"
    await create_topics(settings.kafka_bootstrap, [topic], partitions=2)
    now = int(time.time() * 1000)
    # 120 events, one every 90 s back from now: three hour partitions (buckets) at least.
    times = {i: now - i * 90_000 for i in range(120)}
    await produce(
        settings.kafka_bootstrap,
        topic,
        [(f"{tenant}:jobs".encode(), event(i, t), []) for i, t in times.items()],
    )
    meta = (("x-openframe-tenant", tenant),)
    start = ts(now - 4 * HOUR_MS)
    async with grpc.aio.insecure_channel(stream.address) as channel:
        logs = logs_pb2_grpc.LogServiceStub(channel)

        async def page(token: str = "", **kw: object) -> logs_pb2.ListLogEntriesResponse:
            request = logs_pb2.ListLogEntriesRequest(start_time=start, page_token=token, **kw)  # type: ignore[arg-type]
            return await logs.ListLogEntries(request, metadata=meta)

        async def stored() -> bool:
            return len((await page(page_size=1000)).log_entries) == 120

        assert await eventually(stored)
        # Cursor pagination over every partition: all 120, newest first, no repeats.
        seen: list[logs_pb2.LogEntry] = []
        token = ""
        while True:
            reply = await page(token, page_size=25)
            seen += reply.log_entries
            if not reply.next_page_token:
                break
            token = reply.next_page_token
        assert [e.summary for e in seen] == [
            f"Job {i} {'FAILED hard' if i % 10 == 0 else 'ran'}" for i in range(120)
        ]
        assert all(not e.HasField("details") for e in seen)  # BASIC view

        errors = await page(
            page_size=1000, severities=[logs_pb2.LOG_SEVERITY_ERROR], devices=["devices/dev2"]
        )
        assert {int(e.summary.split()[1]) for e in errors.log_entries} == {
            i for i in range(120) if i % 3 == 2 and i % 4 == 2
        }
        found = await page(page_size=1000, search="failed HARD")
        assert [e.summary.split()[1] for e in found.log_entries] == [str(i) for i in range(0, 120, 10)]
        typed = await page(page_size=5, event_types=["job.warning"], tools=["jobs"])
        assert [e.event_type for e in typed.log_entries] == ["job.warning"] * 5 and typed.next_page_token

        one = await logs.GetLogEntry(logs_pb2.GetLogEntryRequest(name=seen[7].name), metadata=meta)
        assert one.log_entry.details["details"]["n"] == 7 and one.log_entry.device == "devices/dev3"

        options = await logs.GetLogFilterOptions(logs_pb2.GetLogFilterOptionsRequest(), metadata=meta)
        assert {o.value for o in options.tools} == {"jobs"}
        assert {o.value for o in options.event_types} == {"job.info", "job.warning", "job.error"}
        assert {o.value for o in options.devices} == {f"devices/dev{i}" for i in range(4)}
        assert set(options.severities) == {
            logs_pb2.LOG_SEVERITY_INFO,
            logs_pb2.LOG_SEVERITY_WARNING,
            logs_pb2.LOG_SEVERITY_ERROR,
        }

        # A token of other filters, a forged token, a bad page size: INVALID_ARGUMENT naming the field.
        for kw in (
            {"page_token": typed.next_page_token},
            {"page_token": "garbage"},
            {"page_size": 5000},
            {"devices": ["not-a-device"]},
        ):
            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await logs.ListLogEntries(logs_pb2.ListLogEntriesRequest(**kw), metadata=meta)  # type: ignore[arg-type]
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert next(iter(kw)) in bad.value.details()
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await logs.ListLogEntries(
                logs_pb2.ListLogEntriesRequest(start_time=ts(now), end_time=ts(now - 1)), metadata=meta
            )
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
