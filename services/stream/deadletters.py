"""The dead-letter topic: records that cannot become log entries, with the reason in headers.

The dead letter keeps the original key, value and headers, and adds ``dlq_reason`` (a stable
code, e.g. ``undecodable``, ``tenant_mismatch``, ``foreign_device``), ``dlq_detail`` (a sentence),
and where it came from (``dlq_topic``, ``dlq_partition``, ``dlq_offset``). Sending is awaited
(acks=all) before the source offsets commit, so a rejected record is never just dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from services.stream.mappers.base import Record, Rejected


def dead_letter_headers(record: Record, why: Rejected) -> list[tuple[str, bytes]]:
    added = [
        ("dlq_reason", why.reason.encode()),
        ("dlq_detail", why.detail.encode()),
        ("dlq_topic", record.topic.encode()),
        ("dlq_partition", str(record.partition).encode()),
        ("dlq_offset", str(record.offset).encode()),
    ]
    return [*[(k, v) for k, v in record.headers if not k.startswith("dlq_")], *added]


async def send_dead_letters(
    producer: AIOKafkaProducer, topic: str, rejected: Sequence[tuple[Record, Rejected]]
) -> None:
    futures = [
        await producer.send(
            topic, key=record.key, value=record.value, headers=dead_letter_headers(record, why)
        )
        for record, why in rejected
    ]
    await asyncio.gather(*futures)
