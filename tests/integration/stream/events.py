"""Building the records the tests and the benchmark produce: our envelopes and tool JSON."""

from __future__ import annotations

import json
import uuid

from google.protobuf import any_pb2, timestamp_pb2

from openframe.api.v1 import devices_pb2
from openframe.events.v1 import device_events_pb2, envelope_pb2

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


def _ts(ms: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=ms // 1000, nanos=(ms % 1000) * 1_000_000)


def envelope_record(
    tenant: str, device: str, payload: object, time_ms: int, event_id: str | None = None
) -> Record:
    """A domain event as the api service's outbox publishes it (key, value, ce_* headers)."""
    packed = any_pb2.Any()
    packed.Pack(payload)  # type: ignore[arg-type]
    env = envelope_pb2.EventEnvelope(
        id=event_id or str(uuid.uuid4()),
        type=packed.type_url.removeprefix("type.googleapis.com/"),
        source="openframe.api",
        tenant_id=tenant,
        subject=f"devices/{device}",
        sequence=1,
        time=_ts(time_ms),
        payload=packed,
    )
    headers = [("ce_id", env.id.encode()), ("ce_type", env.type.encode()), ("ce_tenant", tenant.encode())]
    return f"{tenant}:devices/{device}".encode(), env.SerializeToString(), headers


def nickname_changed(tenant: str, device: str, n: int, time_ms: int) -> Record:
    payload = device_events_pb2.DeviceNicknameChanged(
        device=devices_pb2.Device(name=f"devices/{device}", hostname=f"host-{device}"), nickname=f"nick-{n}"
    )
    return envelope_record(tenant, device, payload, time_ms)


def status_changed(tenant: str, device: str, online: bool, time_ms: int) -> Record:
    status = devices_pb2.DEVICE_STATUS_ONLINE if online else devices_pb2.DEVICE_STATUS_OFFLINE
    previous = devices_pb2.DEVICE_STATUS_OFFLINE if online else devices_pb2.DEVICE_STATUS_ONLINE
    payload = device_events_pb2.DeviceStatusChanged(
        device=devices_pb2.Device(name=f"devices/{device}", status=status),
        previous_status=previous,
        status=status,
    )
    return envelope_record(tenant, device, payload, time_ms)


def fleet_activity(tenant: str, tool_id: str, activity_id: int, time_ms: int, device: str = "") -> Record:
    """One Fleet activity (GET /api/v1/fleet/activities item) as a connector forwards it."""
    body = {
        "id": activity_id,
        "created_at": f"{time_ms / 1000:.3f}",
        "actor_full_name": "Anna Admin",
        "actor_id": 1,
        "actor_email": "anna@example.com",
        "type": "ran_script",
        "fleet_initiated": False,
        "details": {
            "host_id": activity_id % 97,
            "host_display_name": f"mac-{activity_id % 97}",
            "script_name": "collect-logs.sh",
            "script_execution_id": f"x{activity_id}",
        },
    }
    body["created_at"] = time_ms  # milliseconds: the connector normalizes Fleet's RFC 3339 or not
    headers = [("of_tool", tool_id.encode())] + ([("of_device", device.encode())] if device else [])
    # keyed by host when there is one, as a connector forwarding host activity would: one host's
    # events stay in order, and the hosts spread over the topic's partitions
    key = f"{tenant}:tools/{tool_id}" + (f"/hosts/{device}" if device else "")
    return key.encode(), json.dumps(body).encode(), headers
