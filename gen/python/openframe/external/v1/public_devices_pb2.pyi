from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from openframe.api.v1 import devices_pb2 as _devices_pb2
from openframe.api.v1 import tags_pb2 as _tags_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListDevicesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "statuses", "device_types", "os_types", "organizations", "tag_filters", "search")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    OS_TYPES_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    TAG_FILTERS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[_devices_pb2.DeviceStatus]
    device_types: _containers.RepeatedScalarFieldContainer[_devices_pb2.DeviceType]
    os_types: _containers.RepeatedScalarFieldContainer[_devices_pb2.OsType]
    organizations: _containers.RepeatedScalarFieldContainer[str]
    tag_filters: _containers.RepeatedCompositeFieldContainer[_tags_pb2.TagFilter]
    search: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_devices_pb2.DeviceStatus, str]]] = ..., device_types: _Optional[_Iterable[_Union[_devices_pb2.DeviceType, str]]] = ..., os_types: _Optional[_Iterable[_Union[_devices_pb2.OsType, str]]] = ..., organizations: _Optional[_Iterable[str]] = ..., tag_filters: _Optional[_Iterable[_Union[_tags_pb2.TagFilter, _Mapping]]] = ..., search: _Optional[str] = ...) -> None: ...

class ListDevicesResponse(_message.Message):
    __slots__ = ("devices", "next_page_token")
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[_devices_pb2.Device]
    next_page_token: str
    def __init__(self, devices: _Optional[_Iterable[_Union[_devices_pb2.Device, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDeviceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetDeviceResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ...) -> None: ...

class UpdateDeviceRequest(_message.Message):
    __slots__ = ("device", "update_mask")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateDeviceResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ...) -> None: ...

class SetDeviceNicknameRequest(_message.Message):
    __slots__ = ("name", "nickname", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    nickname: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., nickname: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class SetDeviceNicknameResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: _devices_pb2.Device
    def __init__(self, device: _Optional[_Union[_devices_pb2.Device, _Mapping]] = ...) -> None: ...
