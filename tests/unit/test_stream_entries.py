"""The stored entry assembled from cached parts parses to exactly the LogEntry built field by field."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from openframe.stream.v1.logs_pb2 import LogEntry
from services.stream.records import ERROR, INFO, LogRecord
from services.stream.storage.entries import EntryEncoder, _varint, ingest_time_field

NOW_MS = 1_764_000_000_123


def record(**fields: object) -> LogRecord:
    base: dict[str, object] = {
        "tenant_id": "acme",
        "uid": b"u" * 16,
        "event_time_ms": NOW_MS,
        "tool": "fleet",
        "event_type": "script.ran",
        "source_event_type": "ran_script",
        "severity": INFO,
        "summary": "Anna: ran script on mac-3 (collect.sh)",
    }
    return LogRecord(**{**base, **fields})  # type: ignore[arg-type]


def built(r: LogRecord) -> LogEntry:
    """The entry as the LogEntry constructor builds it from every field."""
    return LogEntry(
        ingest_time=Timestamp(seconds=NOW_MS // 1000, nanos=NOW_MS % 1000 * 1_000_000),
        tool=r.tool,
        integrated_tool=f"tools/{r.integrated_tool_id}" if r.integrated_tool_id else "",
        tool_display_name=r.tool_display_name,
        event_type=r.event_type,
        source_event_type=r.source_event_type,
        source_event_id=r.source_event_id,
        severity=r.severity,  # type: ignore[arg-type]
        device=f"devices/{r.device_id}" if r.device_id else "",
        device_display_name=r.device_display_name,
        organization=f"organizations/{r.organization_id}" if r.organization_id else "",
        organization_display_name=r.organization_display_name,
        user=r.user,
        summary=r.summary,
    )


def test_assembled_entries_parse_to_the_entry_built_field_by_field() -> None:
    encoder = EntryEncoder()
    ingest = ingest_time_field(NOW_MS)
    records = [
        record(),
        record(source_event_id="4242", device_id="d9", device_display_name="Laptop 9", user="anna@x.io"),
        record(source_event_id="4243", device_id="d9", device_display_name="Laptop 9", user="anna@x.io"),
        record(
            tool="openframe",
            severity=ERROR,
            integrated_tool_id="f1",
            tool_display_name="Fleet EU",
            organization_id="o2",
            organization_display_name="Zürich Ops",
            summary="Gerät ✓ " + "x" * 3000,  # multi-byte characters, a two-byte length
            source_event_id="e" * 20_000,  # a length past the lookup table
        ),
        record(summary="", source_event_id=""),  # proto3: empty strings are absent
    ]
    for r in records:
        parsed = LogEntry.FromString(encoder.encode(r, ingest))
        assert parsed == built(r), r
    # the repeating part is cached per distinct combination (the 2nd and 3rd, 1st and 5th share one)
    assert len(encoder._common) == 3


def test_the_cache_starts_over_when_full() -> None:
    encoder = EntryEncoder(max_cached=2)
    ingest = ingest_time_field(NOW_MS)
    for i in range(5):
        r = record(device_id=f"d{i}")
        assert LogEntry.FromString(encoder.encode(r, ingest)) == built(r)
    assert len(encoder._common) <= 2


def test_varint_lengths() -> None:
    assert _varint(1) == b"\x01"
    assert _varint(300) == b"\xac\x02"
    assert _varint(1 << 14) == b"\x80\x80\x01"
