"""Our own domain events (``openframe.events.v1.EventEnvelope``) → log records.

Table-driven: one :class:`Rule` per payload type names the normalized event type, the severity,
the summary and where the device and organization are. A payload type without a rule still
becomes an entry (event type from its name, INFO), so new events never get lost.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf import symbol_database
from google.protobuf.message import DecodeError, Message

from openframe.api.v1 import devices_pb2
from openframe.events.v1 import (  # noqa: F401  (imported to register their messages)
    agent_events_pb2,
    device_events_pb2,
    envelope_pb2,
    event_record_events_pb2,
    external_events_pb2,
    organization_events_pb2,
    security_events_pb2,
    tag_events_pb2,
    user_events_pb2,
)
from services.stream.mappers.base import Record, Rejected, resource_id, snake, truncate
from services.stream.records import DEBUG, DETAILS_PROTO, INFO, NO_FACTS, WARNING, LogRecord, entry_hash

TYPE_PREFIX = "type.googleapis.com/"
_symbols = symbol_database.Default()

Fn = Callable[[Any], str]


def _status(value: int) -> str:
    return devices_pb2.DeviceStatus.Name(value).removeprefix("DEVICE_STATUS_") if value else "UNSPECIFIED"


def _device_name(p: Any) -> str:
    d = p.device
    return str(d.display_name or d.hostname or d.name)


def _status_severity(p: Any) -> int:
    return WARNING if p.status == devices_pb2.DEVICE_STATUS_OFFLINE else INFO


@dataclass(frozen=True)
class Rule:
    event_type: str
    summary: Fn
    severity: int | Callable[[Any], int] = INFO
    device: Fn | None = None
    organization: Fn | None = None
    user: Fn | None = None
    facts: Callable[[Any], dict[str, Any]] | None = None


def _device_field(p: Any) -> str:
    return str(p.device.name)


def _device_org(p: Any) -> str:
    return str(p.device.organization)


def _org_name(p: Any) -> str:
    return str(p.organization.name)


RULES: dict[str, Rule] = {
    "DeviceRegistered": Rule(
        "device.registered",
        lambda p: f"Device {_device_name(p)} registered" + (" (new)" if p.new_device else ""),
        device=_device_field,
        organization=_device_org,
    ),
    "DeviceUpdated": Rule(
        "device.updated",
        lambda p: f"Device {_device_name(p)} updated: {', '.join(p.update_mask.paths) or 'no fields'}",
        device=_device_field,
        organization=_device_org,
    ),
    "DeviceStatusChanged": Rule(
        "device.status_changed",
        lambda p: f"Device {_device_name(p)} {_status(p.previous_status)} → {_status(p.status)}",
        severity=_status_severity,
        device=_device_field,
        organization=_device_org,
        facts=lambda p: {"status": _status(p.status)},
    ),
    "DeviceNicknameChanged": Rule(
        "device.nickname_changed",
        lambda p: f"Device {_device_name(p)} nickname set to {p.nickname!r}",
        device=_device_field,
        organization=_device_org,
    ),
    "DeviceTagsChanged": Rule(
        "device.tags_changed",
        lambda p: f"Device tags changed: {len(p.assigned)} assigned, {len(p.removed_keys)} removed",
        device=lambda p: str(p.device),
    ),
    "OrganizationCreated": Rule(
        "organization.created",
        lambda p: f"Organization {p.organization.display_name} created",
        organization=_org_name,
    ),
    "OrganizationUpdated": Rule(
        "organization.updated",
        lambda p: f"Organization {p.organization.display_name} updated",
        organization=_org_name,
    ),
    "OrganizationArchived": Rule(
        "organization.archived",
        lambda p: f"Organization {p.organization.display_name} archived",
        severity=WARNING,
        organization=_org_name,
    ),
    "OrganizationUnarchived": Rule(
        "organization.unarchived",
        lambda p: f"Organization {p.organization.display_name} unarchived",
        organization=_org_name,
    ),
    "LoginSucceeded": Rule(
        "user.login_succeeded", lambda p: f"Sign-in of {p.user}", user=lambda p: str(p.user)
    ),
    "LoginFailed": Rule(
        "user.login_failed",
        lambda p: f"Failed sign-in for {p.email} from {p.ip_address or 'unknown address'}",
        severity=WARNING,
        user=lambda p: str(p.email or p.user),
    ),
    "TokenIssued": Rule(
        "token.issued",
        lambda p: f"Token issued to client {p.client_id}",
        severity=DEBUG,
        user=lambda p: str(p.subject),
    ),
    "TokenRevoked": Rule(
        "token.revoked",
        lambda p: f"{p.revoked_count} token(s) of client {p.client_id} revoked",
        user=lambda p: str(p.subject),
    ),
}


@functools.lru_cache(maxsize=1024)
def derived_event_type(short_name: str) -> str:
    """``ApiKeyCreated`` → ``api_key.created`` (the last word is the verb)."""
    words = snake(short_name).split("_")
    return f"{'_'.join(words[:-1])}.{words[-1]}" if len(words) > 1 else words[0]


@dataclass(frozen=True, slots=True)
class _Kind:
    """What an envelope's payload type decides, looked up once per type (types are few)."""

    type_name: str
    short: str
    message: Any  # the payload's message class; None when this build does not know the type
    rule: Rule | None
    details_format: str


@functools.lru_cache(maxsize=1024)
def _kind(type_name: str) -> _Kind:
    short = type_name.rsplit(".", 1)[-1]
    return _Kind(
        type_name, short, _message_class(type_name), RULES.get(short), f"{DETAILS_PROTO}:{type_name}"
    )


def map_envelope(record: Record, tenant: str) -> LogRecord:
    if not record.value:
        raise Rejected("empty_value", "the record has no value")
    env = envelope_pb2.EventEnvelope()
    try:
        env.ParseFromString(record.value)
    except DecodeError:
        raise Rejected("undecodable", "the value is not an openframe.events.v1.EventEnvelope") from None
    if not env.id:
        raise Rejected("invalid_envelope", "envelope id is required")
    if env.tenant_id != tenant:
        raise Rejected("tenant_mismatch", "envelope tenant_id differs from the record key's tenant")
    if not env.HasField("time"):
        raise Rejected("invalid_envelope", "envelope time is required")
    packed = env.payload
    kind = _kind(packed.type_url.removeprefix(TYPE_PREFIX) or env.type)
    rule = kind.rule
    payload = _unpack(kind, packed.value) if kind.message is not None else None
    device = org = user = ""
    facts: dict[str, Any] = NO_FACTS
    if rule is not None and payload is not None:
        summary = rule.summary(payload)
        severity = rule.severity(payload) if callable(rule.severity) else rule.severity
        device = resource_id(rule.device(payload), "devices") if rule.device else ""
        org = resource_id(rule.organization(payload), "organizations") if rule.organization else ""
        user = rule.user(payload) if rule.user else ""
        if rule.facts:
            facts = rule.facts(payload)
        event_type = rule.event_type
    else:
        event_type, severity = derived_event_type(kind.short), INFO
        summary = f"{kind.short} on {env.subject}"
    if not device:
        subject = env.subject
        if subject.startswith("devices/"):
            device = resource_id(subject.split("/")[1], "devices")
    if not user:
        actor = env.actor
        user = actor.id or actor.display_name
    at = env.time
    return LogRecord(
        tenant_id=tenant,
        uid=entry_hash("event", env.id),
        event_time_ms=at.seconds * 1000 + at.nanos // 1_000_000,
        tool="openframe",
        event_type=event_type,
        source_event_type=kind.short,
        source_event_id=env.id,
        severity=severity,
        summary=truncate(summary),
        device_id=device,
        organization_id=org,
        user=user[:200],
        details_format=kind.details_format,
        details=packed.value,
        facts=facts,
    )


@functools.lru_cache(maxsize=1024)
def _message_class(type_name: str) -> Any:
    try:
        return _symbols.GetSymbol(type_name)
    except KeyError:
        return None  # a type this build does not know: kept as bytes, summarized generically


def _unpack(kind: _Kind, value: bytes) -> Message:
    message: Message = kind.message()
    try:
        message.ParseFromString(value)
    except DecodeError:
        raise Rejected("undecodable", f"the payload is not a valid {kind.type_name}") from None
    return message
