"""The outbox with the real broker down: 500 device writes are acknowledged while Kafka is
stopped, each keeps its event in the device document; once Kafka is back every one of the 500
events arrives, none twice after deduplicating by event id, in order per device.

This stops and restarts the Kafka of this checkout (other tests share it): the outage lasts only
as long as the writes, and Kafka is started again whatever happens."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import pytest

from infra.layout import Layout
from infra.servers.kafka import Kafka
from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from openframe.events.v1 import device_events_pb2
from services.api.app import Domain
from services.kit.config import Settings
from tests.integration.api.conftest import as_tenant, register
from tests.integration.api.kafka_tail import Record, envelope, header, mark_end, read_after

DEVICES = 100
ROUNDS = 5  # writes per device: 100 x 5 = 500


@pytest.mark.slow
async def test_500_writes_during_a_kafka_outage_all_arrive_once_in_order(
    devices: DeviceServiceStub,
    api_domain: Domain,
    api_db: Any,
    settings: Settings,
    infra_up: Layout,
    unique: str,
) -> None:
    ids = [f"{unique}-{i:03d}" for i in range(DEVICES)]
    for device_id in ids:
        await register(api_domain, unique, device_id)
    mark = await mark_end(settings.kafka_bootstrap, "openframe.api.devices.v1")
    kafka = Kafka(infra_up)
    meta = as_tenant(unique)

    async def rename_all(device_id: str) -> None:
        for n in range(ROUNDS):  # sequential per device: the order the events must keep
            reply = await devices.SetDeviceNickname(
                pb.SetDeviceNicknameRequest(name=f"devices/{device_id}", nickname=f"n{n}"), metadata=meta
            )
            assert reply.device.nickname == f"n{n}"  # acknowledged

    try:
        await asyncio.to_thread(kafka.stop)
        assert kafka.owned_pid() is None
        for chunk in range(0, DEVICES, 20):
            await asyncio.gather(*(rename_all(d) for d in ids[chunk : chunk + 20]))
        # acknowledged and not lost: each device still holds all of its undelivered events
        queued = [doc async for doc in api_db["devices"].find({"tenant_id": unique}, {"outbox_queue": 1})]
        assert sum(len(d["outbox_queue"]) for d in queued) >= DEVICES * ROUNDS
    finally:
        await asyncio.to_thread(kafka.start)

    def nickname_events(records: list[Record]) -> dict[str, Record]:
        """Deduplicated by event id (the consumer's side of at-least-once)."""
        out: dict[str, Record] = {}
        for r in records:
            if (
                r.key
                and r.key.startswith(f"{unique}:".encode())
                and envelope(r).type.endswith("NicknameChanged")
            ):
                out.setdefault(header(r, "ce_id"), r)
        return out

    records = await read_after(
        settings.kafka_bootstrap, mark, lambda rs: len(nickname_events(rs)) >= DEVICES * ROUNDS, within=120
    )
    unique_events = nickname_events(records)
    assert len(unique_events) == DEVICES * ROUNDS  # all 500, each once after deduplication
    per_device: dict[str, list[str]] = defaultdict(list)
    sequences: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for r in records:  # Kafka order (one partition per key), first delivery of each event
        event_id = header(r, "ce_id")
        if event_id not in unique_events or event_id in seen:
            continue
        seen.add(event_id)
        env = envelope(r)
        changed = device_events_pb2.DeviceNicknameChanged()
        assert env.payload.Unpack(changed)
        per_device[env.subject].append(changed.nickname)
        sequences[env.subject].append(env.sequence)
    assert set(per_device) == {f"devices/{d}" for d in ids}
    assert all(names == [f"n{n}" for n in range(ROUNDS)] for names in per_device.values())
    assert all(seq == sorted(seq) and len(set(seq)) == ROUNDS for seq in sequences.values())
