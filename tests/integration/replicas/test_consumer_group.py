"""The stream service's Kafka ingestion with two replicas (two worker processes each) is ONE
consumer group: every process is a member of ``openframe-stream``, each partition of a topic is
assigned to exactly one of them, and events spread over every partition are each stored once
and committed once by the group."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import grpc
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from infra.layout import Layout
from infra.servers.service import WORKERS
from openframe.stream.v1 import logs_pb2, logs_pb2_grpc
from services.stream.settings import StreamSettings
from tests.integration.stream.harness import eventually, produce
from tests.support.internal import as_caller

PARTITIONS = 4
EVENTS = 400

Assignment = dict[str, list[tuple[str, int]]]  # member id -> (topic, partition)


async def assignments(admin: AIOKafkaAdminClient, group: str) -> Assignment:
    """The group's members and the partitions each holds, as the group coordinator says."""
    [response] = await admin.describe_consumer_groups([group])
    [(_error, _group, state, _type, _protocol, members)] = response.groups
    found: Assignment = {}
    for member_id, _client, _host, _metadata, assignment in members:
        decoded = ConsumerProtocolMemberAssignment.decode(assignment).assignment if assignment else []
        found[member_id] = [(topic, p) for topic, partitions in decoded for p in partitions]
    return found if state == "Stable" else {}


def tool_event(n: int, summary: str) -> bytes:
    body = {
        "id": f"ev-{n}",
        "time": datetime.now(UTC).isoformat(),
        "event_type": "replica.check",
        "severity": "info",
        "summary": summary,
    }
    return json.dumps(body).encode()


async def test_stream_replicas_are_one_consumer_group_and_store_each_event_once(infra_up: Layout) -> None:
    settings = StreamSettings(environment="test")
    unique = uuid.uuid4().hex[:10]
    topic = f"openframe.tools.replicas{unique}.v1"  # matches the ingestion's topic pattern
    tenant = f"r-{unique}"
    processes = infra_up.replicas * WORKERS.get("stream", 1)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])

        async def topic_assigned() -> Assignment:
            found = await assignments(admin, settings.consumer_group)
            mine = [tp for held in found.values() for tp in held if tp[0] == topic]
            return found if len(mine) == PARTITIONS else {}

        group = await eventually(topic_assigned, within=120)
        assert isinstance(group, dict) and group, "the new topic's partitions were never assigned"
        assert len(group) == processes  # every worker of every replica is a member
        held = [tp for tps in group.values() for tp in tps]
        assert len(held) == len(set(held))  # no partition is held by two members
        assert sum(1 for tps in group.values() if any(t == topic for t, _ in tps)) == min(
            processes, PARTITIONS
        )
    finally:
        await admin.close()

    # events on every partition (keys spread them), each with its own summary
    records = [(f"{tenant}:t{n % 16}".encode(), tool_event(n, f"{unique} {n}"), []) for n in range(EVENTS)]
    await produce(settings.kafka_bootstrap, topic, records)

    meta = as_caller(infra_up, tenant)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{infra_up.port('stream')}") as channel:
        logs = logs_pb2_grpc.LogServiceStub(channel)

        async def summaries() -> list[str]:
            out: list[str] = []
            token = ""
            while True:
                request = logs_pb2.ListLogEntriesRequest(page_size=500, page_token=token)
                reply = await logs.ListLogEntries(request, metadata=meta)
                out += [e.summary for e in reply.log_entries]
                if not (token := reply.next_page_token):
                    return out

        async def all_stored() -> list[str]:
            found = await summaries()
            return found if len(found) >= EVENTS else []

        stored = await eventually(all_stored, within=120)
    assert isinstance(stored, list)
    assert sorted(stored) == sorted(f"{unique} {n}" for n in range(EVENTS))  # each once

    # and the group committed every record of the topic: its offsets reached the topic's ends
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    reader = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)  # no group: reads ends only
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await reader.start()
    await admin.start()
    try:
        ends = await reader.end_offsets(partitions)

        async def committed() -> dict[TopicPartition, int]:
            offsets = await admin.list_consumer_group_offsets(settings.consumer_group, partitions=partitions)
            found = {tp: at.offset for tp, at in offsets.items()}
            return found if found == ends else {}

        assert await eventually(committed, within=60)
        assert sum(ends.values()) == EVENTS
    finally:
        await admin.close()
        await reader.stop()
