"""Events of integrated tools (JSON on ``openframe.tools.<tool>.v1``) → log records.

Input formats (docs/stream.md has examples): the record value is one event object as the tool
itself describes it — a Fleet activity (``GET /api/v1/fleet/activities``, host activities, the
activities webhook), a MeshCentral event (as MeshCentral dispatches and stores it), or our
generic shape for any other tool. The connector that forwards them sets the record key
``<tenant>:<integrated tool id>`` and may set headers ``of_tool`` (the integrated tool id) and
``of_device`` (our device id, when it knows the tool's host as one of our devices).

Each tool is a table of its event types → (normalized event type, severity) plus a function that
picks the common fields out of its JSON; adding a tool is adding one :class:`ToolMapper`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.stream.mappers.base import Record, Rejected, resource_id, snake, text, time_ms, truncate
from services.stream.records import CRITICAL, DEBUG, ERROR, INFO, NO_FACTS, WARNING, LogRecord, entry_hash

SEVERITY_NAMES = {
    "debug": DEBUG,
    "info": INFO,
    "notice": INFO,
    "warning": WARNING,
    "warn": WARNING,
    "error": ERROR,
    "critical": CRITICAL,
    "fatal": CRITICAL,
}


@dataclass(slots=True)
class Fields:
    """What a tool's JSON says, in our terms (before the table lookup)."""

    source_type: str
    source_id: str
    time_ms: int
    summary: str
    device_id: str = ""
    device_name: str = ""
    organization_id: str = ""
    user: str = ""
    severity: int | None = None  # when the event itself says
    event_type: str = ""  # when the event itself says (generic shape)
    facts: dict[str, Any] | None = None


@dataclass(frozen=True)
class ToolMapper:
    tool: str
    #: source event type → (normalized event type, severity)
    types: dict[str, tuple[str, int]]
    extract: Callable[[dict[str, Any], Record], Fields]
    #: normalized event type of a source type missing from the table
    fallback: Callable[[str], str] = lambda source: f"activity.{snake(source)}"
    #: (normalized type, severity) of each source type seen so far (source types are few)
    _seen: dict[str, tuple[str, int]] = field(default_factory=dict, init=False, compare=False, repr=False)

    def classify(self, source_type: str) -> tuple[str, int]:
        found = self._seen.get(source_type)
        if found is None:
            found = self.types.get(source_type) or (self.fallback(source_type), INFO)
            if len(self._seen) < 10_000:
                self._seen[source_type] = found
        return found


# -- Fleet (fleetdm.com): activities ------------------------------------------------------------


def _fleet(body: dict[str, Any], record: Record) -> Fields:
    details = body.get("details")
    if type(details) is not dict:
        details = {}
    kind = text(body.get("type"), 100)
    if not kind:
        raise Rejected("invalid_field", "fleet activity: 'type' is required")
    actor = text(body.get("actor_full_name") or body.get("actor_email"))
    host = text(details.get("host_display_name") or details.get("host_hostname"))
    words = kind.replace("_", " ")
    summary = f"{actor or 'Fleet'}: {words}" + (f" on {host}" if host else "")
    for name in ("script_name", "software_title", "policy_name", "name"):
        if details.get(name):
            summary += f" ({text(details[name], 120)})"
            break
    status = text(details.get("status"), 40).lower()
    severity = ERROR if status in {"failed", "failure", "error"} else None
    return Fields(
        source_type=kind,
        source_id=text(body.get("id"), 64),
        time_ms=time_ms(body.get("created_at"), record.timestamp),
        summary=summary,
        device_name=host,
        user=text(body.get("actor_email") or body.get("actor_full_name") or details.get("email")),
        severity=severity,
    )


FLEET = ToolMapper(
    "fleet",
    {
        "user_logged_in": ("user.login_succeeded", INFO),
        "user_failed_login": ("user.login_failed", WARNING),
        "ran_script": ("script.ran", INFO),
        "ran_script_batch": ("script.ran", INFO),
        "installed_software": ("software.installed", INFO),
        "uninstalled_software": ("software.uninstalled", INFO),
        "locked_host": ("device.locked", WARNING),
        "unlocked_host": ("device.unlocked", INFO),
        "wiped_host": ("device.wiped", CRITICAL),
        "mdm_enrolled": ("device.mdm_enrolled", INFO),
        "mdm_unenrolled": ("device.mdm_unenrolled", WARNING),
        "created_policy": ("policy.created", INFO),
        "deleted_policy": ("policy.deleted", INFO),
        "live_query": ("query.ran", INFO),
    },
    _fleet,
)


# -- MeshCentral: server events --------------------------------------------------------------------


def _meshcentral(body: dict[str, Any], record: Record) -> Fields:
    action = text(body.get("action"), 100)
    if not action:
        raise Rejected("invalid_field", "meshcentral event: 'action' is required")
    etype = text(body.get("etype"), 40) or "event"
    user = text(body.get("username") or body.get("userid"))
    node = text(body.get("nodename") or body.get("name"))
    msg = text(body.get("msg"), 400)
    summary = msg or f"{etype} {action}" + (f" on {node}" if node else "")
    severity = None
    facts: dict[str, Any] = {}
    if action == "nodeconnect":  # conn: bitmask of connections; 0 = no agent connected any more
        online = bool(body.get("conn"))
        severity = INFO if online else WARNING
        facts["status"] = "ONLINE" if online else "OFFLINE"
        summary = (
            msg or f"Device {node or body.get('nodeid', '')} {'connected' if online else 'disconnected'}"
        )
    return Fields(
        source_type=f"{etype}.{action}",
        source_id=text(body.get("_id") or body.get("id"), 64),
        time_ms=time_ms(body.get("time"), record.timestamp),
        summary=summary,
        device_name=node,
        user=user,
        severity=severity,
        facts=facts,
    )


MESHCENTRAL = ToolMapper(
    "meshcentral",
    {
        "user.login": ("user.login_succeeded", INFO),
        "user.authfail": ("user.login_failed", WARNING),
        "user.logout": ("user.logout", INFO),
        "node.nodeconnect": ("device.connection_changed", INFO),
        "node.addnode": ("device.added", INFO),
        "node.changenode": ("device.updated", INFO),
        "node.removenode": ("device.removed", WARNING),
        "node.runcommands": ("script.ran", INFO),
        "node.agentupdate": ("agent.updated", INFO),
        "node.poweraction": ("device.power_action", WARNING),
        "relay.relaylog": ("session.relay", INFO),
    },
    _meshcentral,
    fallback=lambda source: source.replace("node.", "device.", 1) if source.startswith("node.") else source,
)


# -- any other tool: the generic shape ------------------------------------------------------------


def _generic(body: dict[str, Any], record: Record) -> Fields:
    event_type = text(body.get("event_type"), 128)
    summary = text(body.get("summary"), 500)
    if not event_type:
        raise Rejected("invalid_field", "generic event: 'event_type' is required")
    if not summary:
        raise Rejected("invalid_field", "generic event: 'summary' is required")
    severity_name = text(body.get("severity") or "info", 40).lower().removeprefix("log_severity_")
    if severity_name not in SEVERITY_NAMES:
        raise Rejected("invalid_field", f"generic event: unknown severity {severity_name!r}")
    return Fields(
        source_type=event_type,
        source_id=text(body.get("id"), 64),
        time_ms=time_ms(body.get("time"), record.timestamp),
        summary=summary,
        device_id=resource_id(body.get("device_id"), "devices"),
        device_name=text(body.get("device_name")),
        organization_id=resource_id(body.get("organization_id"), "organizations"),
        user=text(body.get("user")),
        severity=SEVERITY_NAMES[severity_name],
        event_type=event_type,
    )


GENERIC = ToolMapper("generic", {}, _generic, fallback=lambda source: source)

TOOL_MAPPERS: dict[str, ToolMapper] = {m.tool: m for m in (FLEET, MESHCENTRAL, GENERIC)}


def map_tool_event(record: Record, tenant: str, tool: str) -> LogRecord:
    mapper = TOOL_MAPPERS.get(tool, GENERIC)
    if not record.value:
        raise Rejected("empty_value", "the record has no value")
    try:
        body = orjson.loads(record.value)  # strict RFC 8259 (no NaN, UTF-8 only), ~3x json's speed
    except ValueError:  # orjson.JSONDecodeError is one
        raise Rejected("undecodable", f"the value of a {tool} event is not JSON") from None
    if type(body) is not dict:
        raise Rejected("undecodable", f"the value of a {tool} event is not a JSON object")
    claimed = body.get("tenant_id")
    if claimed is not None and claimed != tenant:
        raise Rejected("tenant_mismatch", "the event's tenant_id differs from the record key's tenant")
    f = mapper.extract(body, record)
    tool_header = device_header = None
    for name, value in record.headers:  # the connector's headers (first of each counts)
        if name == "of_tool" and tool_header is None:
            tool_header = value.decode("utf-8", "replace")
        elif name == "of_device" and device_header is None:
            device_header = value.decode("utf-8", "replace")
    tool_id = resource_id(tool_header, "tools")
    device = resource_id(device_header, "devices") or f.device_id
    if f.event_type:  # the generic shape names its own type
        normalized, severity = mapper.types.get(f.source_type) or (f.event_type, INFO)
    else:
        normalized, severity = mapper.classify(f.source_type)
    # The same source event (same tool instance and id) is the same entry; without an id the
    # record's position is the identity (a replay of the same record is still the same entry).
    source_key = (
        f"{tool_id}/{f.source_id}" if f.source_id else f"{record.topic}/{record.partition}/{record.offset}"
    )
    return LogRecord(
        tenant_id=tenant,
        uid=entry_hash("tool", tenant, tool, source_key),
        event_time_ms=f.time_ms,
        tool=tool,
        event_type=normalized,
        source_event_type=f.source_type,
        source_event_id=f.source_id,
        severity=f.severity if f.severity is not None else severity,
        summary=truncate(f.summary),
        device_id=device,
        organization_id=f.organization_id,
        integrated_tool_id=tool_id,
        user=f.user,
        device_display_name=f.device_name,
        details=record.value,
        facts=f.facts or NO_FACTS,
    )
