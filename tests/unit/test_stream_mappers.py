"""The stream service's mappers: every source shape → one unified record, or a rejection with a
reason; tenant only from the record key (headers and bodies must agree); deterministic ids."""

from __future__ import annotations

import json
import uuid

import pytest
from google.protobuf import any_pb2, timestamp_pb2

from openframe.api.v1 import devices_pb2
from openframe.events.v1 import device_events_pb2, envelope_pb2, security_events_pb2
from openframe.stream.v1 import logs_pb2
from services.stream.correlation import FlappingRule
from services.stream.mappers import Incoming, Rejected, map_record
from services.stream.mappers.envelope import derived_event_type
from services.stream.records import entry_id, parse_entry_id

NOW_MS = 1_764_000_000_000


def envelope(tenant: str, payload: object, *, subject: str = "devices/d1", event_id: str = "") -> bytes:
    packed = any_pb2.Any()
    packed.Pack(payload)  # type: ignore[arg-type]
    return envelope_pb2.EventEnvelope(
        id=event_id or str(uuid.uuid4()),
        type=packed.type_url.split("/")[-1],
        source="openframe.api",
        tenant_id=tenant,
        subject=subject,
        sequence=1,
        time=timestamp_pb2.Timestamp(seconds=NOW_MS // 1000, nanos=123_000_000),
        payload=packed,
    ).SerializeToString()


def record(
    topic: str, key: str | None, value: bytes, *headers: tuple[str, bytes], offset: int = 7
) -> Incoming:
    return Incoming(topic, 0, offset, NOW_MS, key.encode() if key else None, value, tuple(headers))


def status_change(status: int) -> device_events_pb2.DeviceStatusChanged:
    device = devices_pb2.Device(name="devices/d1", hostname="host-1", organization="organizations/o1")
    return device_events_pb2.DeviceStatusChanged(device=device, status=status)


def test_domain_event_is_normalized_with_device_organization_and_proto_details() -> None:
    value = envelope(
        "acme",
        status_change(devices_pb2.DEVICE_STATUS_OFFLINE),
        event_id="0b7c6f5e-0000-7000-8000-000000000001",
    )
    r = map_record(record("openframe.api.devices.v1", "acme:devices/d1", value))
    assert (r.tenant_id, r.tool, r.event_type, r.source_event_type) == (
        "acme",
        "openframe",
        "device.status_changed",
        "DeviceStatusChanged",
    )
    assert r.severity == logs_pb2.LOG_SEVERITY_WARNING  # going OFFLINE
    assert (r.device_id, r.organization_id) == ("d1", "o1")
    assert r.summary == "Device host-1 UNSPECIFIED → OFFLINE"
    assert r.event_time_ms == NOW_MS + 123
    assert r.details_format == "proto:openframe.events.v1.DeviceStatusChanged"
    assert r.facts == {"status": "OFFLINE"}
    # Same event id → same entry id, whatever topic position it was read from (replays overwrite).
    again = map_record(record("openframe.api.devices.v1", "acme:devices/d1", value, offset=99))
    assert again.entry_id == r.entry_id
    assert parse_entry_id(r.entry_id) == (r.event_time_ms, r.uid)


def test_login_failure_and_unknown_domain_event_types() -> None:
    failed = security_events_pb2.LoginFailed(email="eve@example.com", ip_address="10.0.0.1")
    r = map_record(
        record(
            "openframe.auth.security-events.v1", "acme:users/u1", envelope("acme", failed, subject="users/u1")
        )
    )
    assert (r.event_type, r.user, r.severity) == (
        "user.login_failed",
        "eve@example.com",
        logs_pb2.LOG_SEVERITY_WARNING,
    )
    issued = security_events_pb2.SigningKeyRotated()
    r = map_record(
        record(
            "openframe.auth.security-events.v1", "acme:x", envelope("acme", issued, subject="signingKeys/k")
        )
    )
    assert r.event_type == "signing_key.rotated" and r.severity == logs_pb2.LOG_SEVERITY_INFO
    assert derived_event_type("ApiKeyCreated") == "api_key.created"


@pytest.mark.parametrize(
    ("key", "headers", "value", "reason"),
    [
        (None, (), b"x", "missing_key"),
        ("no-colon", (), b"x", "invalid_key"),
        ("Bad Tenant:x", (), b"x", "invalid_key"),
        ("acme:d", (("ce_tenant", b"other"),), b"x", "tenant_mismatch"),
        ("acme:d", (), b"\xff\xff not a proto", "undecodable"),
        ("acme:d", (), b"", "empty_value"),
    ],
)
def test_envelope_rejections(
    key: str | None, headers: tuple[tuple[str, bytes], ...], value: bytes, reason: str
) -> None:
    with pytest.raises(Rejected) as why:
        map_record(record("openframe.api.devices.v1", key, value, *headers))
    assert why.value.reason == reason and why.value.detail


def test_envelope_of_another_tenant_than_the_key_is_rejected() -> None:
    value = envelope("other", status_change(devices_pb2.DEVICE_STATUS_ONLINE))
    with pytest.raises(Rejected) as why:
        map_record(record("openframe.api.devices.v1", "acme:devices/d1", value))
    assert why.value.reason == "tenant_mismatch"


def test_fleet_activity() -> None:
    body = {
        "id": 42,
        "created_at": "2025-11-24T15:20:00Z",
        "actor_full_name": "Anna",
        "actor_email": "anna@x.io",
        "type": "wiped_host",
        "details": {"host_id": 3, "host_display_name": "mac-3"},
    }
    r = map_record(
        record(
            "openframe.tools.fleet.v1",
            "acme:tools/f1",
            json.dumps(body).encode(),
            ("of_tool", b"f1"),
            ("of_device", b"devices/d9"),
        )
    )
    assert (r.tool, r.event_type, r.source_event_type, r.source_event_id) == (
        "fleet",
        "device.wiped",
        "wiped_host",
        "42",
    )
    assert r.severity == logs_pb2.LOG_SEVERITY_CRITICAL
    assert (r.device_id, r.integrated_tool_id, r.user) == ("d9", "f1", "anna@x.io")
    assert r.device_display_name == "mac-3"  # the tool's own name until enrichment knows better
    assert r.summary == "Anna: wiped host on mac-3"
    assert r.event_time_ms == 1_763_997_600_000
    assert json.loads(r.details) == body  # kept exactly as the tool sent it
    unknown = map_record(
        record("openframe.tools.fleet.v1", "acme:f", json.dumps({**body, "type": "edited_team"}).encode())
    )
    assert unknown.event_type == "activity.edited_team"


def test_meshcentral_events() -> None:
    body = {
        "etype": "node",
        "action": "nodeconnect",
        "nodeid": "node//abc",
        "nodename": "srv-1",
        "conn": 0,
        "domain": "",
        "time": NOW_MS,
    }
    r = map_record(record("openframe.tools.meshcentral.v1", "acme:tools/m1", json.dumps(body).encode()))
    assert (r.event_type, r.severity, r.facts) == (
        "device.connection_changed",
        logs_pb2.LOG_SEVERITY_WARNING,
        {"status": "OFFLINE"},
    )
    assert r.summary == "Device srv-1 disconnected"
    fail = {
        "etype": "user",
        "action": "authfail",
        "username": "bob",
        "msg": "Failed login attempt",
        "_id": "e1",
    }
    r = map_record(record("openframe.tools.meshcentral.v1", "acme:m", json.dumps(fail).encode()))
    assert (r.event_type, r.user, r.summary) == ("user.login_failed", "bob", "Failed login attempt")


def test_generic_tool_event_and_its_rejections() -> None:
    body = {
        "id": "b-1",
        "event_type": "backup.failed",
        "severity": "ERROR",
        "summary": "nightly backup failed",
        "device_id": "d1",
        "organization_id": "organizations/o2",
        "time": "2025-11-24T15:20:00+00:00",
    }
    r = map_record(record("openframe.tools.veeam.v1", "acme:t", json.dumps(body).encode()))
    assert (r.tool, r.event_type, r.severity, r.device_id, r.organization_id) == (
        "veeam",
        "backup.failed",
        logs_pb2.LOG_SEVERITY_ERROR,
        "d1",
        "o2",
    )
    bad = [
        ({**body, "tenant_id": "someone-else"}, "tenant_mismatch"),
        ({**body, "severity": "meh"}, "invalid_field"),
        ({**body, "device_id": "../../etc"}, "invalid_field"),
        ({k: v for k, v in body.items() if k != "summary"}, "invalid_field"),
        ({**body, "time": "yesterday"}, "invalid_field"),
    ]
    for value, reason in bad:
        with pytest.raises(Rejected) as why:
            map_record(record("openframe.tools.veeam.v1", "acme:t", json.dumps(value).encode()))
        assert why.value.reason == reason, value
    with pytest.raises(Rejected) as why:
        map_record(record("openframe.tools.veeam.v1", "acme:t", b"[1, 2]"))
    assert why.value.reason == "undecodable"


def test_tool_events_without_an_id_are_identified_by_their_record_position() -> None:
    body = json.dumps({"event_type": "x.y", "summary": "s"}).encode()
    first = map_record(record("openframe.tools.generic.v1", "acme:t", body, offset=1))
    replay = map_record(record("openframe.tools.generic.v1", "acme:t", body, offset=1))
    other = map_record(record("openframe.tools.generic.v1", "acme:t", body, offset=2))
    assert first.entry_id == replay.entry_id != other.entry_id
    # equal source ids in two tenants are two entries
    with_id = json.dumps({"id": "same", "event_type": "x.y", "summary": "s", "time": NOW_MS}).encode()
    a = map_record(record("openframe.tools.generic.v1", "a-tenant:t", with_id))
    b = map_record(record("openframe.tools.generic.v1", "b-tenant:t", with_id))
    assert a.uid != b.uid


def test_entry_ids_round_trip_and_reject_garbage() -> None:
    uid = uuid.uuid4().bytes
    assert parse_entry_id(entry_id(NOW_MS, uid)) == (NOW_MS, uid)
    assert parse_entry_id("not-an-id") is None
    assert parse_entry_id("") is None


def test_flapping_rule_raises_one_alert_per_threshold_within_the_window() -> None:
    rule = FlappingRule(threshold=4, window_seconds=60)
    changes = []
    for i, status in enumerate(["OFFLINE", "ONLINE", "OFFLINE", "ONLINE", "OFFLINE"]):
        online = status == "ONLINE"
        value = envelope(
            "acme",
            status_change(devices_pb2.DEVICE_STATUS_ONLINE if online else devices_pb2.DEVICE_STATUS_OFFLINE),
            event_id=f"0b7c6f5e-0000-7000-8000-00000000000{i}",
        )
        changes.append(map_record(record("openframe.api.devices.v1", "acme:devices/d1", value)))
    alerts = rule.observe(changes[:3])
    assert alerts == []
    alerts = rule.observe(changes[3:])
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.record.event_type == "alert.device_flapping" and alert.record.device_id == "d1"
    assert alert.envelope.tenant_id == "acme" and alert.envelope.subject == "devices/d1"
    assert alert.key == "acme:devices/d1"
    # Replaying the same records raises nothing twice (the window remembers entries it counted).
    fresh = FlappingRule(threshold=4, window_seconds=60)
    assert [a.envelope.id for a in fresh.observe(changes[:4])] == [alert.envelope.id]  # deterministic id
    assert rule.observe(changes[3:4]) == []
