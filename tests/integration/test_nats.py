"""NATS with JetStream through nats-py: a stream round trip and a KV bucket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client

from services.kit.config import Settings


@pytest.fixture
async def nc(settings: Settings) -> AsyncIterator[Client]:
    client = await nats.connect(settings.nats_url)
    yield client
    await client.drain()


async def test_jetstream_stream_roundtrip(nc: Client, unique: str) -> None:
    js = nc.jetstream()
    # a scratch prefix: tenant.*.machine.*.heartbeat belongs to the api's AGENT_HEARTBEATS stream,
    # and JetStream refuses streams with overlapping subjects
    subject = f"scratch.{unique}.machine.m1.heartbeat"
    await js.add_stream(name=unique.upper(), subjects=[f"scratch.{unique}.>"])
    try:
        acks = [await js.publish(subject, f"beat-{i}".encode()) for i in range(3)]
        assert [a.seq for a in acks] == [1, 2, 3]
        sub = await js.pull_subscribe(subject, durable="reader")
        msgs = await sub.fetch(3, timeout=5)
        assert [m.data for m in msgs] == [b"beat-0", b"beat-1", b"beat-2"]
        for m in msgs:
            await m.ack()
    finally:
        await js.delete_stream(unique.upper())


async def test_jetstream_kv_put_get(nc: Client, unique: str) -> None:
    js = nc.jetstream()
    kv = await js.create_key_value(bucket=unique)
    try:
        rev = await kv.put("agent.version", b"1.2.3")
        entry = await kv.get("agent.version")
        assert (entry.value, entry.revision) == (b"1.2.3", rev)
        await kv.put("agent.version", b"1.2.4")
        assert (await kv.get("agent.version")).value == b"1.2.4"
    finally:
        await js.delete_key_value(unique)
