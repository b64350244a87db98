"""Cassandra unavailable → consumption pauses (nothing committed, nothing skipped) and resumes
without loss once it is back.

The shared Cassandra must keep running for everyone, so the outage is a real network partition of
this service only: the service reaches Cassandra through a TCP proxy in this test, and the "outage"
closes the proxy's listener and cuts every open connection (the driver sees resets and refused
connections, exactly as with a dead node). Then the proxy listens again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from cassandra.cluster import Session

from services.kit.config import Settings
from tests.integration.stream.events import fleet_activity
from tests.integration.stream.harness import (
    StreamProcess,
    count_rows,
    create_topics,
    eventually,
    free_port,
    produce,
)

HOUR_MS = 3_600_000


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``cut()`` drops everything, ``restore()`` listens again."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


async def committed(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sum(
            m.offset for m in (await admin.list_consumer_group_offsets(group)).values() if m.offset > 0
        )
    finally:
        await admin.close()


async def test_cassandra_outage_pauses_consumption_and_resumes_without_loss(
    settings: Settings, unique: str, stream_logs: Path, cql: Session
) -> None:
    tenant = f"outage-{unique}"
    topic = f"test.{unique}.tools.fleet.v1"
    await create_topics(settings.kafka_bootstrap, [topic], partitions=2)
    proxy = TcpProxy(settings.cassandra_port)
    await proxy.restore()
    stream = StreamProcess(
        unique,
        stream_logs,
        OPENFRAME_CASSANDRA_PORT=str(proxy.port),
        OPENFRAME_MONGO_DATABASE="stream_tests",
        OPENFRAME_WRITE_TIMEOUT_SECONDS="3",
    )
    group = stream.env["OPENFRAME_CONSUMER_GROUP"]
    now = int(time.time() * 1000)
    buckets = range(now // HOUR_MS - 1, now // HOUR_MS + 2)
    await asyncio.to_thread(stream.start)
    try:
        await produce(
            settings.kafka_bootstrap, topic, [fleet_activity(tenant, "f1", i, now - i) for i in range(500)]
        )
        assert await eventually(lambda: _committed_is(settings.kafka_bootstrap, group, 500), within=60)

        await proxy.cut()  # Cassandra is gone for this service
        await produce(
            settings.kafka_bootstrap,
            topic,
            [fleet_activity(tenant, "f1", i, now - i) for i in range(500, 2000)],
        )
        assert await eventually(lambda: "pausing and retrying" in stream.log_text(), within=60)
        await asyncio.sleep(3)  # consumption stays paused: nothing more is committed
        assert await committed(settings.kafka_bootstrap, group) == 500
        assert count_rows(cql, tenant, buckets) == 500
        assert stream.process is not None and stream.process.poll() is None  # paused, not crashed

        await proxy.restore()  # Cassandra is back: everything arrives, once
        assert await eventually(lambda: _committed_is(settings.kafka_bootstrap, group, 2000), within=90)
        assert count_rows(cql, tenant, buckets) == 2000
        assert "storage writes succeed again; resuming" in stream.log_text()
    finally:
        await asyncio.to_thread(stream.stop)
        await proxy.cut()


async def _committed_is(bootstrap: str, group: str, expected: int) -> bool:
    return await committed(bootstrap, group) == expected
