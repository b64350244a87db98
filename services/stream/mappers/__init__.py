"""Mappers: one Kafka record → one :class:`~services.stream.records.LogRecord`, or ``Rejected``.

Routing is by topic: ``openframe.tools.<tool>.v1`` (any prefix before ``tools.``) carries a
tool's JSON; every other topic carries our ``EventEnvelope``.
"""

from __future__ import annotations

import functools
import re

from services.stream.mappers.base import Incoming, Record, Rejected, tenant_of
from services.stream.mappers.envelope import map_envelope
from services.stream.mappers.tools import map_tool_event
from services.stream.records import LogRecord

TOOL_TOPIC = re.compile(r"(?:^|\.)tools\.([a-z][a-z0-9_]{0,63})\.v1$")

__all__ = ["Incoming", "Record", "Rejected", "map_record"]


@functools.lru_cache(maxsize=4096)
def tool_of(topic: str) -> str | None:
    """The tool a topic carries events of (None: our envelopes); topics are few, records many."""
    found = TOOL_TOPIC.search(topic)
    return found.group(1) if found else None


def map_record(record: Record) -> LogRecord:
    """Normalize one record (tenant checked against its key and headers); raises ``Rejected``."""
    tenant = tenant_of(record)
    tool = tool_of(record.topic)
    if tool is not None:
        return map_tool_event(record, tenant, tool)
    return map_envelope(record, tenant)
