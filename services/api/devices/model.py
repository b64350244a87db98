"""The device (machine) as the domain sees it, and the storage facts other parts rely on.

Storage (MongoDB database from settings, collection ``devices``; agents/ and the stream service
read and write these documents, so these facts are a contract):

* ``_id`` is the device id (the agent's machine id); the resource name is ``devices/{_id}``.
  Every document has ``tenant_id``; every filter names it (another tenant's device is missing).
* Other fields use the proto field names of ``openframe.api.v1.Device`` (hostname,
  display_name, nickname, os_type, os_version, serial_number, manufacturer, model,
  agent_version, status, device_type, organization, tags, last_seen_time, ip_addresses,
  public_ip_address, mac_addresses, architecture, notes, status_reason, status_change_time,
  register_time, create_time, update_time, etag). Enums are stored by name without the prefix
  ("ONLINE", "WINDOWS", "LAPTOP"); ``organization`` is "organizations/{id}"; ``tags`` is a list
  of ``{"key", "value"}``; timestamps are UTC datetimes (millisecond precision).
* Derived keys for lists (:func:`query_keys`, written with every change): ``k_host``,
  ``k_name`` (display name, else hostname), ``k_nick``, ``k_serial`` (lower case: sort keys and
  prefix search) and ``k_seen`` (``last_seen_time``, or the epoch when never seen: a sort key is
  never null, so a cursor can always range over it).
* Derived elsewhere: one ``device_tags`` row per tag (services/api/devices/tag_rows.py) and the
  counters of ``device_counts`` (services/api/devices/counts.py).
* Outbox: ``outbox_queue`` holds the pending Kafka records of this device in write order (a
  change and its event are one single-document update), ``outbox_due`` says when a sweeping
  relay may take them over, ``version`` is the per-device event sequence (and the
  compare-and-set precondition of every change, with the etag).

For the agents (services/api/agents/): use :class:`~services.api.devices.repository.DeviceRepository`
(or :class:`~services.api.devices.service.DeviceService`):

* ``register(tenant_id, device_id, inventory)`` creates the device as PENDING (or refreshes the
  inventory of an existing one of the same tenant) and records ``DeviceRegistered``.
* ``transition(tenant_id, device_id, to=DeviceStatus.ONLINE, cause=..., reason=...)`` enforces
  :data:`TRANSITIONS` (an invalid one raises FAILED_PRECONDITION naming both statuses), records
  ``DeviceStatusChanged`` in the same update, and is a no-op (``changed=False``, no event) when
  the device already has that status.
* ``touch(tenant_id, device_id, when)`` updates ``last_seen_time`` only (heartbeats; no event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

RESOURCE = "devices"

#: ``k_seen`` of a device never seen (a sort key is never null).
NEVER = datetime(1970, 1, 1, tzinfo=UTC)

#: ListDevicesRequest.order_by -> the stored sort key.
SORT_KEYS = {
    "create_time": "create_time",
    "hostname": "k_host",
    "display_name": "k_name",
    "last_seen_time": "k_seen",
}

#: What a search matches (a prefix of any of them, case-insensitively).
SEARCH_KEYS = ("k_host", "k_name", "k_nick", "k_serial")


class DeviceStatus(StrEnum):
    PENDING = "PENDING"
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    MAINTENANCE = "MAINTENANCE"
    DECOMMISSIONED = "DECOMMISSIONED"
    PENDING_DELETION = "PENDING_DELETION"
    DELETED = "DELETED"


S = DeviceStatus

#: The lifecycle: from -> the statuses it may move to. Anything else is FAILED_PRECONDITION.
TRANSITIONS: dict[DeviceStatus, frozenset[DeviceStatus]] = {
    S.PENDING: frozenset({S.ONLINE, S.OFFLINE, S.MAINTENANCE, S.DECOMMISSIONED, S.PENDING_DELETION}),
    S.ONLINE: frozenset({S.OFFLINE, S.MAINTENANCE, S.DECOMMISSIONED, S.PENDING_DELETION}),
    S.OFFLINE: frozenset({S.ONLINE, S.MAINTENANCE, S.DECOMMISSIONED, S.PENDING_DELETION}),
    S.MAINTENANCE: frozenset({S.ONLINE, S.OFFLINE, S.DECOMMISSIONED, S.PENDING_DELETION}),
    # a decommissioned machine no longer reports; it can only go on to deletion
    S.DECOMMISSIONED: frozenset({S.PENDING_DELETION}),
    # deletion can be cancelled (back to OFFLINE until the agent reports again) or completed
    S.PENDING_DELETION: frozenset({S.OFFLINE, S.DELETED}),
    S.DELETED: frozenset(),
}

#: Statuses in which a heartbeat brings a device ONLINE (not MAINTENANCE or the end of life).
HEARTBEAT_ONLINE_FROM = frozenset({S.PENDING, S.OFFLINE})


class DeviceType(StrEnum):
    UNSPECIFIED = "UNSPECIFIED"
    DESKTOP = "DESKTOP"
    LAPTOP = "LAPTOP"
    SERVER = "SERVER"
    VIRTUAL_MACHINE = "VIRTUAL_MACHINE"
    MOBILE = "MOBILE"
    TABLET = "TABLET"
    NETWORK = "NETWORK"
    PRINTER = "PRINTER"
    IOT = "IOT"
    OTHER = "OTHER"


class OsType(StrEnum):
    UNSPECIFIED = "UNSPECIFIED"
    WINDOWS = "WINDOWS"
    MACOS = "MACOS"
    LINUX = "LINUX"
    IOS = "IOS"
    ANDROID = "ANDROID"
    CHROMEOS = "CHROMEOS"
    OTHER = "OTHER"


class StatusCause(StrEnum):
    """Why a status changed (DeviceStatusChangeCause without the prefix)."""

    HEARTBEAT = "HEARTBEAT"
    HEARTBEAT_TIMEOUT = "HEARTBEAT_TIMEOUT"
    MANUAL = "MANUAL"
    SYSTEM = "SYSTEM"


#: Fields a client may change through UpdateDevice's update_mask.
MUTABLE_FIELDS = frozenset({"display_name", "device_type", "organization", "notes"})

#: Inventory an agent reports at registration (and may refresh later).
INVENTORY_FIELDS = frozenset(
    {
        "hostname",
        "os_type",
        "os_version",
        "serial_number",
        "manufacturer",
        "model",
        "agent_version",
        "device_type",
        "ip_addresses",
        "public_ip_address",
        "mac_addresses",
        "architecture",
    }
)


@dataclass(frozen=True)
class Tag:
    key: str
    value: str = ""


@dataclass
class Device:
    id: str
    tenant_id: str
    hostname: str = ""
    display_name: str = ""
    nickname: str = ""
    os_type: OsType = OsType.UNSPECIFIED
    os_version: str = ""
    serial_number: str = ""
    manufacturer: str = ""
    model: str = ""
    agent_version: str = ""
    status: DeviceStatus = DeviceStatus.PENDING
    device_type: DeviceType = DeviceType.UNSPECIFIED
    organization: str = ""
    tags: list[Tag] = field(default_factory=list)
    last_seen_time: datetime | None = None
    ip_addresses: list[str] = field(default_factory=list)
    public_ip_address: str = ""
    mac_addresses: list[str] = field(default_factory=list)
    architecture: str = ""
    notes: str = ""
    status_reason: str = ""
    status_change_time: datetime | None = None
    register_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""
    version: int = 0

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"


def id_from_name(name: str) -> str:
    """'devices/abc' -> 'abc' (the format is already validated by the contract)."""
    return name.removeprefix(f"{RESOURCE}/")


def normalise(text: str) -> str:
    """How names are compared in sort keys and searches."""
    return text.strip().lower()


def query_keys(device: Device) -> dict[str, Any]:
    """The derived fields lists sort and search on (see the module docstring)."""
    return {
        "k_host": normalise(device.hostname),
        "k_name": normalise(device.display_name or device.hostname),
        "k_nick": normalise(device.nickname),
        "k_serial": normalise(device.serial_number),
        "k_seen": device.last_seen_time or NEVER,
    }


def tag_value(key: str, value: str) -> str:
    """A tag as one string (``key=value``): tag rows and counters use it."""
    return f"{key}={value}"
