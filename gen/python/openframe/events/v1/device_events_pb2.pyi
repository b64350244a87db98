import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.api.v1 import devices_pb2 as _devices_pb2
from openframe.api.v1 import tags_pb2 as _tags_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceStatusChangeCause(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEVICE_STATUS_CHANGE_CAUSE_UNSPECIFIED: _ClassVar[DeviceStatusChangeCause]
    DEVICE_STATUS_CHANGE_CAUSE_HEARTBEAT: _ClassVar[DeviceStatusChangeCause]
    DEVICE_STATUS_CHANGE_CAUSE_HEARTBEAT_TIMEOUT: _ClassVar[DeviceStatusChangeCause]
    DEVICE_STATUS_CHANGE_CAUSE_MANUAL: _ClassVar[DeviceStatusChangeCause]
    DEVICE_STATUS_CHANGE_CAUSE_SYSTEM: _ClassVar[DeviceStatusChangeCause]
DEVICE_STATUS_CHANGE_CAUSE_UNSPECIFIED: DeviceStatusChangeCause
DEVICE_STATUS_CHANGE_CAUSE_HEARTBEAT: DeviceStatusChangeCause
DEVICE_STATUS_CHANGE_CAUSE_HEARTBEAT_TIMEOUT: DeviceStatusChangeCause
DEVICE_STATUS_CHANGE_CAUSE_MANUAL: DeviceStatusChangeCause
DEVICE_STATUS_CHANGE_CAUSE_SYSTEM: DeviceStatusChangeCause

class DeviceRegistered(_message.Message):
    __slots__ = ("device", "new_device", "registration_secret", "client_id")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    NEW_DEVICE_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    new_device: bool
    registration_secret: str
    client_id: str
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ..., new_device: _Optional[bool] = ..., registration_secret: _Optional[str] = ..., client_id: _Optional[str] = ...) -> None: ...

class DeviceUpdated(_message.Message):
    __slots__ = ("device", "update_mask")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeviceStatusChanged(_message.Message):
    __slots__ = ("device", "previous_status", "status", "cause", "reason", "last_seen_time")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    previous_status: _devices_pb2.DeviceStatus
    status: _devices_pb2.DeviceStatus
    cause: DeviceStatusChangeCause
    reason: str
    last_seen_time: _timestamp_pb2.Timestamp
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ..., previous_status: _Optional[_Union[_devices_pb2.DeviceStatus, str]] = ..., status: _Optional[_Union[_devices_pb2.DeviceStatus, str]] = ..., cause: _Optional[_Union[DeviceStatusChangeCause, str]] = ..., reason: _Optional[str] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeviceNicknameChanged(_message.Message):
    __slots__ = ("device", "previous_nickname", "nickname")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_NICKNAME_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    previous_nickname: str
    nickname: str
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ..., previous_nickname: _Optional[str] = ..., nickname: _Optional[str] = ...) -> None: ...

class DeviceTagsChanged(_message.Message):
    __slots__ = ("device", "assigned", "removed_keys", "tags")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_KEYS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    device: str
    assigned: _containers.RepeatedCompositeFieldContainer[_tags_pb2.Tag]
    removed_keys: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedCompositeFieldContainer[_tags_pb2.Tag]
    def __init__(self, device: _Optional[str] = ..., assigned: _Optional[_Iterable[_Union[_tags_pb2.Tag, _Mapping]]] = ..., removed_keys: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[_Union[_tags_pb2.Tag, _Mapping]]] = ...) -> None: ...
