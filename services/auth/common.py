"""Small helpers shared by the auth service's modules: ids, timestamps. (Stored times, etags and
the in-process cache are the kit's: services/kit/mongo.py ``now``, resources.py ``new_etag``,
caching.py ``TtlCache``.)"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def new_id() -> str:
    return uuid.uuid4().hex


_last_v7 = [0, 0]  # (milliseconds, counter) of the previous id of this process


def uuid7() -> str:
    """RFC 9562 UUIDv7 (Python 3.11 has none): time-ordered, and strictly increasing within this
    process (12-bit counter in rand_a, RFC 9562 §6.2 method 1), so ids of one millisecond keep
    their creation order."""
    ms, counter = time.time_ns() // 1_000_000, int.from_bytes(os.urandom(2), "big") & 0x3FF
    if ms <= _last_v7[0]:
        ms, counter = _last_v7[0], _last_v7[1] + 1
        if counter > 0xFFF:
            ms, counter = ms + 1, 0
    _last_v7[:] = [ms, counter]
    raw = bytearray(ms.to_bytes(6, "big") + (0x7000 | counter).to_bytes(2, "big") + os.urandom(8))
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(raw)))


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value)
    return out


def aware(value: datetime) -> datetime:
    """MongoDB clients configured without tz_aware hand back naive UTC datetimes."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
