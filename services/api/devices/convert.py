"""Device domain <-> proto (used by the servicer and by the events the repository records)."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import tags_pb2
from services.api.devices.model import Device, DeviceStatus, DeviceType, OsType


def status_to_pb(status: DeviceStatus) -> int:
    return int(pb.DeviceStatus.Value(f"DEVICE_STATUS_{status.value}"))


def status_from_pb(value: int) -> DeviceStatus:
    return DeviceStatus(pb.DeviceStatus.Name(value).removeprefix("DEVICE_STATUS_"))


def type_to_pb(value: DeviceType) -> int:
    return int(pb.DeviceType.Value(f"DEVICE_TYPE_{value.value}"))


def type_from_pb(value: int) -> DeviceType:
    return DeviceType(pb.DeviceType.Name(value).removeprefix("DEVICE_TYPE_"))


def os_to_pb(value: OsType) -> int:
    return int(pb.OsType.Value(f"OS_TYPE_{value.value}"))


def os_from_pb(value: int) -> OsType:
    return OsType(pb.OsType.Name(value).removeprefix("OS_TYPE_"))


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def to_pb(d: Device) -> pb.Device:
    return pb.Device(
        name=d.name,
        hostname=d.hostname,
        display_name=d.display_name,
        nickname=d.nickname,
        os_type=os_to_pb(d.os_type),  # type: ignore[arg-type]
        os_version=d.os_version,
        serial_number=d.serial_number,
        manufacturer=d.manufacturer,
        model=d.model,
        agent_version=d.agent_version,
        status=status_to_pb(d.status),  # type: ignore[arg-type]
        device_type=type_to_pb(d.device_type),  # type: ignore[arg-type]
        organization=d.organization,
        tags=[tags_pb2.Tag(key=t.key, value=t.value) for t in d.tags],
        last_seen_time=ts(d.last_seen_time),
        ip_addresses=d.ip_addresses,
        public_ip_address=d.public_ip_address,
        mac_addresses=d.mac_addresses,
        architecture=d.architecture,
        notes=d.notes,
        status_reason=d.status_reason,
        status_change_time=ts(d.status_change_time),
        register_time=ts(d.register_time),
        create_time=ts(d.create_time),
        update_time=ts(d.update_time),
        etag=d.etag,
    )
