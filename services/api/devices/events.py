"""Payloads of the device domain events (openframe.events.v1 device_events)."""

from __future__ import annotations

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import tags_pb2
from openframe.events.v1 import device_events_pb2 as ev
from services.api.devices.convert import status_to_pb, to_pb, ts
from services.api.devices.model import Device, DeviceStatus, StatusCause, Tag


def registered(device: Device, *, new_device: bool, client_id: str = "") -> ev.DeviceRegistered:
    return ev.DeviceRegistered(device=to_pb(device), new_device=new_device, client_id=client_id)


def updated(device: Device, paths: list[str]) -> ev.DeviceUpdated:
    return ev.DeviceUpdated(device=to_pb(device), update_mask=FieldMask(paths=sorted(paths)))


def status_changed(
    device: Device, *, previous: DeviceStatus, cause: StatusCause, reason: str
) -> ev.DeviceStatusChanged:
    return ev.DeviceStatusChanged(
        device=to_pb(device),
        previous_status=status_to_pb(previous),  # type: ignore[arg-type]
        status=status_to_pb(device.status),  # type: ignore[arg-type]
        cause=f"DEVICE_STATUS_CHANGE_CAUSE_{cause.value}",
        reason=reason,
        last_seen_time=ts(device.last_seen_time),
    )


def nickname_changed(device: Device, *, previous: str) -> ev.DeviceNicknameChanged:
    return ev.DeviceNicknameChanged(
        device=to_pb(device), previous_nickname=previous, nickname=device.nickname
    )


def tags_changed(device: Device, *, assigned: list[Tag], removed_keys: list[str]) -> ev.DeviceTagsChanged:
    return ev.DeviceTagsChanged(
        device=device.name,
        assigned=[tags_pb2.Tag(key=t.key, value=t.value) for t in assigned],
        removed_keys=removed_keys,
        tags=[tags_pb2.Tag(key=t.key, value=t.value) for t in device.tags],
    )
