"""Tenant isolation of the log, against the running stream service and the real topics: equal
device ids in two tenants never mix (gRPC, and REST through the edge with each tenant's own
token); an event naming a device another tenant owns is rejected (dead letter ``foreign_device``),
never enriched with that tenant's data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from pymongo import AsyncMongoClient

from infra.layout import Layout
from openframe.stream.v1 import logs_pb2, logs_pb2_grpc
from services.kit.config import Settings
from tests.integration.stream.harness import eventually, produce
from tests.support.identity import Tenants, TenantSession
from tests.support.internal import as_caller

TOOL_TOPIC = "openframe.tools.generic.v1"
DEAD_LETTERS = "openframe.stream.dead-letters.v1"
MISSING = "logEntries/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
Meta = tuple[tuple[str, str], ...]


def event(n: int, device: str, summary: str) -> bytes:
    body = {
        "id": f"ev-{n}",
        "time": datetime.now(UTC).isoformat(),
        "event_type": "patch.installed",
        "severity": "warning",
        "summary": summary,
        "device_id": device,
    }
    return json.dumps(body).encode()


@pytest.fixture
async def owned_device(settings: Settings, unique: str) -> AsyncIterator[str]:
    """A device of tenant ``a-<unique>`` in the devices collection (as the api service stores it)."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    devices = client[settings.mongo_database]["devices"]
    device_id = f"owned-{unique}"
    doc = {"_id": device_id, "tenant_id": f"a-{unique}", "hostname": "a-host", "display_name": "A's laptop"}
    await devices.insert_one(doc)
    yield device_id
    await devices.delete_one({"_id": device_id})
    await client.close()


async def dead_letter_headers(settings: Settings, key: bytes, marker: bytes) -> dict[str, bytes]:
    """Headers of the dead letter with ``key`` whose value contains ``marker`` (the topic is small:
    read from its beginning with a group of our own)."""
    consumer = AIOKafkaConsumer(
        DEAD_LETTERS,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"dlq-reader-{marker.hex()[:24]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=15_000)
            assert batch, "no dead letter for the record"
            for part in batch.values():
                for r in part:
                    if r.key == key and marker in (r.value or b""):
                        return dict(r.headers)
    finally:
        await consumer.stop()


async def test_shared_device_ids_never_mix_over_grpc(
    stream_up: Layout, settings: Settings, unique: str, owned_device: str
) -> None:
    a, b = f"a-{unique}", f"b-{unique}"
    shared = f"shared-{unique}"
    records = [(f"{a}:t1".encode(), event(i, shared, f"A {unique} {i}"), []) for i in range(3)]
    records += [(f"{b}:t1".encode(), event(i, shared, f"B {unique} {i}"), []) for i in range(2)]
    records.append((f"{a}:t1".encode(), event(10, owned_device, f"A {unique} owned"), []))
    records.append((f"{b}:t1".encode(), event(11, owned_device, f"B {unique} foreign"), []))
    await produce(settings.kafka_bootstrap, TOOL_TOPIC, records)

    async with grpc.aio.insecure_channel(f"127.0.0.1:{stream_up.port('stream')}") as channel:
        logs = logs_pb2_grpc.LogServiceStub(channel)
        meta_a, meta_b = as_caller(stream_up, a), as_caller(stream_up, b)

        async def entries(meta: Meta, want: int, devices: tuple[str, ...] = ()) -> list[logs_pb2.LogEntry]:
            request = logs_pb2.ListLogEntriesRequest(devices=devices)
            reply = await logs.ListLogEntries(request, metadata=meta)
            return list(reply.log_entries) if len(reply.log_entries) >= want else []

        a_all = await eventually(lambda: entries(meta_a, 4), within=180)
        b_all = await eventually(lambda: entries(meta_b, 2))
        assert isinstance(a_all, list) and isinstance(b_all, list)
        assert sorted(e.summary for e in a_all) == sorted(
            [f"A {unique} {i}" for i in range(3)] + [f"A {unique} owned"]
        )
        assert sorted(e.summary for e in b_all) == [
            f"B {unique} {i}" for i in range(2)
        ]  # not the foreign one

        a_shared = await entries(meta_a, 0, (f"devices/{shared}",))
        b_shared = await entries(meta_b, 0, (f"devices/{shared}",))
        assert sorted(e.summary for e in a_shared) == [f"A {unique} {i}" for i in range(3)]
        assert sorted(e.summary for e in b_shared) == [f"B {unique} {i}" for i in range(2)]
        owned = next(e for e in a_all if e.device == f"devices/{owned_device}")
        assert owned.device_display_name == "A's laptop"  # enriched from A's own device

        # A's entry asked for by B: NOT_FOUND, the same answer as an id that does not exist.
        mine = await logs.GetLogEntry(logs_pb2.GetLogEntryRequest(name=owned.name), metadata=meta_a)
        assert mine.log_entry.details["summary"] == f"A {unique} owned"
        with pytest.raises(grpc.aio.AioRpcError) as other:
            await logs.GetLogEntry(logs_pb2.GetLogEntryRequest(name=owned.name), metadata=meta_b)
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await logs.GetLogEntry(logs_pb2.GetLogEntryRequest(name=MISSING), metadata=meta_b)
        assert other.value.code() == missing.value.code() == grpc.StatusCode.NOT_FOUND
        assert other.value.details().replace(owned.name, "X") == missing.value.details().replace(MISSING, "X")

        options_b = await logs.GetLogFilterOptions(logs_pb2.GetLogFilterOptionsRequest(), metadata=meta_b)
        assert {o.value for o in options_b.devices} == {f"devices/{shared}"}

    # B's event naming A's device went to the dead letters, with the reason.
    headers = await dead_letter_headers(settings, f"{b}:t1".encode(), f"B {unique} foreign".encode())
    assert headers["dlq_reason"] == b"foreign_device"


async def test_rest_through_the_edge_shows_each_tenant_only_its_own(
    stream_up: Layout, settings: Settings, unique: str, tenants: Tenants
) -> None:
    a, b = await asyncio.gather(tenants.afresh(), tenants.afresh())
    shared = f"shared-{unique}"
    records = [(f"{a.id}:t1".encode(), event(i, shared, f"A {unique} {i}"), []) for i in range(3)]
    records += [(f"{b.id}:t1".encode(), event(i, shared, f"B {unique} {i}"), []) for i in range(2)]
    await produce(settings.kafka_bootstrap, TOOL_TOPIC, records)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stream_up.port('envoy')}", timeout=20) as http:
        params = {"devices": f"devices/{shared}"}

        async def listed(session: TenantSession, want: int) -> list[dict[str, object]]:
            got = (await http.get("/stream/v1/logEntries", params=params, headers=session.bearer)).json()
            entries: list[dict[str, object]] = got.get("logEntries", [])
            return entries if len(entries) >= want else []

        got_a = await eventually(lambda: listed(a, 3), within=180)
        got_b = await eventually(lambda: listed(b, 2))
        assert isinstance(got_a, list) and isinstance(got_b, list)
        assert sorted(str(e["summary"]) for e in got_a) == [f"A {unique} {i}" for i in range(3)]
        assert sorted(str(e["summary"]) for e in got_b) == [f"B {unique} {i}" for i in range(2)]
        name = got_a[0]["name"]
        mine = await http.get(f"/stream/v1/{name}", headers=a.bearer)
        assert mine.status_code == 200 and mine.json()["logEntry"]["details"]["summary"].startswith("A ")
        foreign = await http.get(f"/stream/v1/{name}", headers=b.bearer)
        missing = await http.get(f"/stream/v1/{MISSING}", headers=b.bearer)
        assert foreign.status_code == missing.status_code == 404
        too_big = await http.get("/stream/v1/logEntries", params={"pageSize": 5000}, headers=a.bearer)
        assert too_big.status_code == 400 and "page_size" in too_big.text
        assert (await http.get("/stream/v1/logEntries")).status_code == 401
