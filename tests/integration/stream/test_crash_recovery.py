"""SIGKILL in the middle of ingesting 100,000 events, restart: Cassandra holds exactly 100,000
entries for the tenant — nothing lost (offsets commit only after durable writes), nothing doubled
(replayed records overwrite their own rows: deterministic ids)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from cassandra.cluster import Session

from services.kit.config import Settings
from tests.integration.stream.events import fleet_activity, nickname_changed
from tests.integration.stream.harness import (
    KEYSPACE,
    StreamProcess,
    count_rows,
    create_topics,
    eventually,
    produce,
)

TOTAL = 100_000
HOUR_MS = 3_600_000


async def committed_offsets(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in offsets.items()}


async def test_sigkill_mid_ingestion_loses_and_duplicates_nothing(
    settings: Settings, unique: str, stream_logs: Path, cql: Session
) -> None:
    tenant = f"crash-{unique}"
    devices_topic, fleet_topic = f"test.{unique}.api.devices.v1", f"test.{unique}.tools.fleet.v1"
    await create_topics(settings.kafka_bootstrap, [devices_topic, fleet_topic], partitions=4)
    now = int(time.time() * 1000)
    half = TOTAL // 2
    # Half our own domain events, half Fleet activities; each one distinct (its own id).
    domain = [nickname_changed(tenant, f"d{i % 50}", i, now - i) for i in range(half)]
    fleet = [fleet_activity(tenant, "fleet-1", i, now - i) for i in range(TOTAL - half)]
    buckets = range((now - TOTAL) // HOUR_MS - 1, now // HOUR_MS + 2)

    stream = StreamProcess(unique, stream_logs, OPENFRAME_MONGO_DATABASE="stream_tests")
    stream.start()
    try:
        producing = asyncio.gather(
            produce(settings.kafka_bootstrap, devices_topic, domain),
            produce(settings.kafka_bootstrap, fleet_topic, fleet),
        )
        # Kill it once a good part (but not all) is stored, while events are still arriving.
        stored_at_kill = await eventually(
            lambda: (n := count_rows(cql, tenant, buckets)) >= TOTAL // 10 and n, within=120, interval=0.1
        )
        stream.kill()
        await producing
        assert isinstance(stored_at_kill, int) and stored_at_kill < TOTAL, "killed too late to prove anything"
        committed = await committed_offsets(settings.kafka_bootstrap, stream.env["OPENFRAME_CONSUMER_GROUP"])
        assert sum(committed.values()) < TOTAL  # there was uncommitted work at the kill

        stream.start()

        async def all_committed() -> bool:
            offsets = await committed_offsets(
                settings.kafka_bootstrap, stream.env["OPENFRAME_CONSUMER_GROUP"]
            )
            return sum(offsets.values()) == TOTAL

        assert await eventually(all_committed, within=120), "the restarted service did not catch up"
    finally:
        stream.stop()
    assert count_rows(cql, tenant, buckets) == TOTAL
    ids = {
        row.id
        for b in buckets
        for row in cql.execute(
            f"SELECT id FROM {KEYSPACE}.log_entries WHERE tenant_id = %s AND bucket = %s",  # noqa: S608
            (tenant, b),
        )
    }
    assert len(ids) == TOTAL
