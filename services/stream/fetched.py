"""Records as aiokafka hands them over, one object fewer per record.

aiokafka builds a ``ConsumerRecord`` (a dataclass of eleven fields) for every record it returns,
from the record its compiled batch reader already made: at 20,000 events/s that was ~5 % of the
stream service's CPU (py-spy, bench/stream_ingest.py). The mappers read six of those fields, so
the per-partition reader builds an :class:`~services.stream.mappers.base.Incoming` tuple instead.

This replaces one method of aiokafka's (``PartitionRecords._consumer_record``), and only when it
has the shape this module was written against; otherwise aiokafka's records are used unchanged
(they carry the same attributes) and a warning says so. The stream service has no other
consumer in its processes.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiokafka.consumer import fetcher

from services.kit.logging import get_logger
from services.stream.mappers.base import Incoming

log = get_logger(__name__)

#: The signature of the method replaced (aiokafka 0.12 to 0.14).
_EXPECTED = ["self", "tp", "record"]


def _incoming(self: Any, tp: Any, record: Any) -> Incoming:
    # No key/value deserializers are configured on the ingest consumer: the bytes as they are.
    return Incoming(
        tp.topic, tp.partition, record.offset, record.timestamp, record.key, record.value, record.headers
    )


def install() -> bool:
    """Make the consumers of this process return :class:`Incoming` tuples; False if aiokafka's
    reader is not the one this was written for (its own records are then used)."""
    records = getattr(fetcher, "PartitionRecords", None)
    method = getattr(records, "_consumer_record", None)
    if method is _incoming:
        return True
    if method is None or list(inspect.signature(method).parameters) != _EXPECTED:
        log.warning("aiokafka's record reader has changed: its own records are used")
        return False
    records._consumer_record = _incoming  # type: ignore[union-attr]
    return True
