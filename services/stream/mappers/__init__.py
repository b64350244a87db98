"""Mappers: one Kafka record → one :class:`~services.stream.records.LogRecord`, or ``Rejected``.

Routing is by topic: ``openframe.tools.<tool>.v1`` (any prefix before ``tools.``) carries a
tool's JSON; every other topic carries our ``EventEnvelope``.
"""

from __future__ import annotations

import re

from services.stream.mappers.base import Incoming, Rejected, tenant_of
from services.stream.mappers.envelope import map_envelope
from services.stream.mappers.tools import map_tool_event
from services.stream.records import LogRecord

TOOL_TOPIC = re.compile(r"(?:^|\.)tools\.([a-z][a-z0-9_]{0,63})\.v1$")

__all__ = ["Incoming", "Rejected", "map_record"]


def map_record(record: Incoming) -> LogRecord:
    """Normalize one record (tenant checked against its key and headers); raises ``Rejected``."""
    tenant = tenant_of(record)
    tool = TOOL_TOPIC.search(record.topic)
    if tool:
        return map_tool_event(record, tenant, tool.group(1))
    return map_envelope(record, tenant)
