"""Correlation: windowed rules over the stream of log records that raise derived alerts.

One rule so far, ``device_flapping``: a device whose status changes between ONLINE and OFFLINE at
least ``threshold`` times within ``window`` (by event time) raises an alert; the window then
starts over. Time is the events' own time, not the clock, so replaying the same records after a
crash raises the same alerts with the same ids (idempotent entries; alert events carry a
deterministic envelope id for consumers to deduplicate).

State is in memory, per process: device events are keyed ``<tenant>:devices/<id>``, so one
device's events reach one consumer of the group.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass

from google.protobuf import any_pb2, duration_pb2, timestamp_pb2

from openframe.events.v1 import envelope_pb2
from openframe.stream.v1 import alerts_pb2
from services.stream.records import WARNING, LogRecord, entry_hash

RULE = "device_flapping"


@dataclass(frozen=True)
class Alert:
    record: LogRecord
    envelope: envelope_pb2.EventEnvelope

    @property
    def key(self) -> str:
        return f"{self.envelope.tenant_id}:{self.envelope.subject}"


class FlappingRule:
    def __init__(self, threshold: int, window_seconds: float) -> None:
        self.threshold = threshold
        self.window_ms = int(window_seconds * 1000)
        self._changes: dict[tuple[str, str], deque[tuple[int, str]]] = {}

    def observe(self, records: list[LogRecord]) -> list[Alert]:
        alerts = []
        for r in records:
            status = r.facts.get("status")
            if status not in ("ONLINE", "OFFLINE") or not r.device_id:
                continue
            key = (r.tenant_id, r.device_id)
            seen = self._changes.setdefault(key, deque())
            if any(entry == r.entry_id for _, entry in seen):
                continue  # the same event again (a replay): counted once
            seen.append((r.event_time_ms, r.entry_id))
            while seen and seen[0][0] < r.event_time_ms - self.window_ms:
                seen.popleft()
            if len(seen) >= self.threshold:
                alerts.append(self._alert(r, list(seen)))
                seen.clear()
        if len(self._changes) > 100_000:
            self._changes.clear()
        return alerts

    def _alert(self, last: LogRecord, matched: list[tuple[int, str]]) -> Alert:
        uid = entry_hash("alert", RULE, last.tenant_id, last.entry_id)
        window_s = self.window_ms // 1000
        name = last.device_display_name or last.device_id
        summary = f"Device {name} changed status {len(matched)} times within {window_s} s (flapping)"
        event = alerts_pb2.CorrelationAlertRaised(
            rule=RULE,
            subject=f"devices/{last.device_id}",
            organization=f"organizations/{last.organization_id}" if last.organization_id else "",
            count=len(matched),
            window=duration_pb2.Duration(seconds=window_s),
            first_event_time=_ts(matched[0][0]),
            last_event_time=_ts(last.event_time_ms),
            log_entries=[f"logEntries/{e}" for _, e in matched],
            summary=summary,
        )
        payload = any_pb2.Any()
        payload.Pack(event)
        envelope = envelope_pb2.EventEnvelope(
            id=str(uuid.UUID(bytes=uid)),
            type=event.DESCRIPTOR.full_name,
            source="openframe.stream",
            tenant_id=last.tenant_id,
            subject=event.subject,
            sequence=1,  # alerts are not an ordered aggregate stream: every alert stands alone
            time=_ts(last.event_time_ms),
            causation_id=last.source_event_id[:64],
            payload=payload,
        )
        record = LogRecord(
            tenant_id=last.tenant_id,
            uid=uid,
            event_time_ms=last.event_time_ms,
            tool="openframe",
            event_type=f"alert.{RULE}",
            source_event_type="CorrelationAlertRaised",
            source_event_id=str(uuid.UUID(bytes=uid)),
            severity=WARNING,
            summary=summary,
            device_id=last.device_id,
            organization_id=last.organization_id,
            device_display_name=last.device_display_name,
            organization_display_name=last.organization_display_name,
            details=json.dumps(
                {
                    "rule": RULE,
                    "count": len(matched),
                    "window_seconds": window_s,
                    "log_entries": [f"logEntries/{e}" for _, e in matched],
                }
            ).encode(),
        )
        return Alert(record, envelope)


def _ts(ms: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=ms // 1000, nanos=(ms % 1000) * 1_000_000)
