"""The unified log record every source is normalized into, and its deterministic id.

Entry ids are ``base64url(event_time_ms as 8 bytes ‖ 16-byte hash of the source event)``: the same
source event always gets the same id (a replay after a crash overwrites its row instead of adding
one), and the id carries the event time, so ``GetLogEntry`` finds the row's time bucket without a
second lookup table.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from openframe.stream.v1 import logs_pb2

#: Key of the entry hash: fixed forever, or replays would stop overwriting.
ENTRY_NAMESPACE = b"openframe.stream.entry.v1"

DEBUG = logs_pb2.LOG_SEVERITY_DEBUG
INFO = logs_pb2.LOG_SEVERITY_INFO
WARNING = logs_pb2.LOG_SEVERITY_WARNING
ERROR = logs_pb2.LOG_SEVERITY_ERROR
CRITICAL = logs_pb2.LOG_SEVERITY_CRITICAL

#: How ``details`` are stored: the source's own bytes, rendered only when someone reads them
#: (re-serializing every event at ingestion would cost more than everything else together).
DETAILS_JSON = "json"
DETAILS_PROTO = "proto"


#: The facts of a record that has none (shared: facts are read, never written, after mapping).
NO_FACTS: dict[str, Any] = {}


@dataclass(slots=True)
class LogRecord:
    tenant_id: str
    #: 16 bytes, deterministic (see :func:`entry_hash`)
    uid: bytes
    event_time_ms: int
    tool: str
    event_type: str
    source_event_type: str
    severity: int
    summary: str
    source_event_id: str = ""
    device_id: str = ""
    organization_id: str = ""
    integrated_tool_id: str = ""
    user: str = ""
    device_display_name: str = ""
    organization_display_name: str = ""
    tool_display_name: str = ""
    #: ``DETAILS_JSON`` (UTF-8 JSON object) or ``DETAILS_PROTO:<full message name>`` (binary)
    details_format: str = DETAILS_JSON
    details: bytes = b"{}"
    #: fields a correlation rule may look at (not stored)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def entry_id(self) -> str:
        return entry_id(self.event_time_ms, self.uid)


def entry_hash(*parts: str) -> bytes:
    """Deterministic 16-byte id of a source event (e.g. the envelope id, or topic/partition/offset);
    keyed BLAKE2b: a C call, several times cheaper than building uuid5 objects per event. The keyed
    state is set up once and copied per call (the digest of ``blake2b(data, key=...)``)."""
    h = _KEYED.copy()
    h.update("\x1f".join(parts).encode())
    return h.digest()


_KEYED = hashlib.blake2b(digest_size=16, key=ENTRY_NAMESPACE)


def entry_id(event_time_ms: int, uid: bytes) -> str:
    raw = event_time_ms.to_bytes(8, "big", signed=True) + uid
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_entry_id(value: str) -> tuple[int, bytes] | None:
    """(event_time_ms, 16-byte id) of an entry id, or None if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 24:
        return None
    return int.from_bytes(raw[:8], "big", signed=True), raw[8:]
