import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.api.v1 import tags_pb2 as _tags_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEVICE_STATUS_UNSPECIFIED: _ClassVar[DeviceStatus]
    DEVICE_STATUS_PENDING: _ClassVar[DeviceStatus]
    DEVICE_STATUS_ONLINE: _ClassVar[DeviceStatus]
    DEVICE_STATUS_OFFLINE: _ClassVar[DeviceStatus]
    DEVICE_STATUS_MAINTENANCE: _ClassVar[DeviceStatus]
    DEVICE_STATUS_DECOMMISSIONED: _ClassVar[DeviceStatus]
    DEVICE_STATUS_PENDING_DELETION: _ClassVar[DeviceStatus]
    DEVICE_STATUS_DELETED: _ClassVar[DeviceStatus]

class DeviceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEVICE_TYPE_UNSPECIFIED: _ClassVar[DeviceType]
    DEVICE_TYPE_DESKTOP: _ClassVar[DeviceType]
    DEVICE_TYPE_LAPTOP: _ClassVar[DeviceType]
    DEVICE_TYPE_SERVER: _ClassVar[DeviceType]
    DEVICE_TYPE_VIRTUAL_MACHINE: _ClassVar[DeviceType]
    DEVICE_TYPE_MOBILE: _ClassVar[DeviceType]
    DEVICE_TYPE_TABLET: _ClassVar[DeviceType]
    DEVICE_TYPE_NETWORK: _ClassVar[DeviceType]
    DEVICE_TYPE_PRINTER: _ClassVar[DeviceType]
    DEVICE_TYPE_IOT: _ClassVar[DeviceType]
    DEVICE_TYPE_OTHER: _ClassVar[DeviceType]

class OsType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OS_TYPE_UNSPECIFIED: _ClassVar[OsType]
    OS_TYPE_WINDOWS: _ClassVar[OsType]
    OS_TYPE_MACOS: _ClassVar[OsType]
    OS_TYPE_LINUX: _ClassVar[OsType]
    OS_TYPE_IOS: _ClassVar[OsType]
    OS_TYPE_ANDROID: _ClassVar[OsType]
    OS_TYPE_CHROMEOS: _ClassVar[OsType]
    OS_TYPE_OTHER: _ClassVar[OsType]
DEVICE_STATUS_UNSPECIFIED: DeviceStatus
DEVICE_STATUS_PENDING: DeviceStatus
DEVICE_STATUS_ONLINE: DeviceStatus
DEVICE_STATUS_OFFLINE: DeviceStatus
DEVICE_STATUS_MAINTENANCE: DeviceStatus
DEVICE_STATUS_DECOMMISSIONED: DeviceStatus
DEVICE_STATUS_PENDING_DELETION: DeviceStatus
DEVICE_STATUS_DELETED: DeviceStatus
DEVICE_TYPE_UNSPECIFIED: DeviceType
DEVICE_TYPE_DESKTOP: DeviceType
DEVICE_TYPE_LAPTOP: DeviceType
DEVICE_TYPE_SERVER: DeviceType
DEVICE_TYPE_VIRTUAL_MACHINE: DeviceType
DEVICE_TYPE_MOBILE: DeviceType
DEVICE_TYPE_TABLET: DeviceType
DEVICE_TYPE_NETWORK: DeviceType
DEVICE_TYPE_PRINTER: DeviceType
DEVICE_TYPE_IOT: DeviceType
DEVICE_TYPE_OTHER: DeviceType
OS_TYPE_UNSPECIFIED: OsType
OS_TYPE_WINDOWS: OsType
OS_TYPE_MACOS: OsType
OS_TYPE_LINUX: OsType
OS_TYPE_IOS: OsType
OS_TYPE_ANDROID: OsType
OS_TYPE_CHROMEOS: OsType
OS_TYPE_OTHER: OsType

class Device(_message.Message):
    __slots__ = ("name", "hostname", "display_name", "nickname", "os_type", "os_version", "serial_number", "manufacturer", "model", "agent_version", "status", "device_type", "organization", "tags", "last_seen_time", "ip_addresses", "public_ip_address", "mac_addresses", "architecture", "notes", "status_reason", "status_change_time", "register_time", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    OS_TYPE_FIELD_NUMBER: _ClassVar[int]
    OS_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    MANUFACTURER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MAC_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    REGISTER_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    hostname: str
    display_name: str
    nickname: str
    os_type: OsType
    os_version: str
    serial_number: str
    manufacturer: str
    model: str
    agent_version: str
    status: DeviceStatus
    device_type: DeviceType
    organization: str
    tags: _containers.RepeatedCompositeFieldContainer[_tags_pb2.Tag]
    last_seen_time: _timestamp_pb2.Timestamp
    ip_addresses: _containers.RepeatedScalarFieldContainer[str]
    public_ip_address: str
    mac_addresses: _containers.RepeatedScalarFieldContainer[str]
    architecture: str
    notes: str
    status_reason: str
    status_change_time: _timestamp_pb2.Timestamp
    register_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., hostname: _Optional[str] = ..., display_name: _Optional[str] = ..., nickname: _Optional[str] = ..., os_type: _Optional[_Union[OsType, str]] = ..., os_version: _Optional[str] = ..., serial_number: _Optional[str] = ..., manufacturer: _Optional[str] = ..., model: _Optional[str] = ..., agent_version: _Optional[str] = ..., status: _Optional[_Union[DeviceStatus, str]] = ..., device_type: _Optional[_Union[DeviceType, str]] = ..., organization: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[_tags_pb2.Tag, _Mapping]]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ip_addresses: _Optional[_Iterable[str]] = ..., public_ip_address: _Optional[str] = ..., mac_addresses: _Optional[_Iterable[str]] = ..., architecture: _Optional[str] = ..., notes: _Optional[str] = ..., status_reason: _Optional[str] = ..., status_change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., register_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetDeviceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetDeviceResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: Device
    def __init__(self, device: _Optional[_Union[Device, _Mapping]] = ...) -> None: ...

class ListDevicesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "statuses", "device_types", "os_types", "organizations", "tag_filters", "search", "order_by")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    OS_TYPES_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    TAG_FILTERS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[DeviceStatus]
    device_types: _containers.RepeatedScalarFieldContainer[DeviceType]
    os_types: _containers.RepeatedScalarFieldContainer[OsType]
    organizations: _containers.RepeatedScalarFieldContainer[str]
    tag_filters: _containers.RepeatedCompositeFieldContainer[_tags_pb2.TagFilter]
    search: str
    order_by: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[DeviceStatus, str]]] = ..., device_types: _Optional[_Iterable[_Union[DeviceType, str]]] = ..., os_types: _Optional[_Iterable[_Union[OsType, str]]] = ..., organizations: _Optional[_Iterable[str]] = ..., tag_filters: _Optional[_Iterable[_Union[_tags_pb2.TagFilter, _Mapping]]] = ..., search: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListDevicesResponse(_message.Message):
    __slots__ = ("devices", "next_page_token", "total_size")
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[Device]
    next_page_token: str
    total_size: int
    def __init__(self, devices: _Optional[_Iterable[_Union[Device, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class UpdateDeviceRequest(_message.Message):
    __slots__ = ("device", "update_mask")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    device: Device
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, device: _Optional[_Union[Device, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateDeviceResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: Device
    def __init__(self, device: _Optional[_Union[Device, _Mapping]] = ...) -> None: ...

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
    device: Device
    def __init__(self, device: _Optional[_Union[Device, _Mapping]] = ...) -> None: ...

class SetDeviceStatusRequest(_message.Message):
    __slots__ = ("name", "status", "reason", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: DeviceStatus
    reason: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[DeviceStatus, str]] = ..., reason: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class SetDeviceStatusResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: Device
    def __init__(self, device: _Optional[_Union[Device, _Mapping]] = ...) -> None: ...

class GetDeviceFilterOptionsRequest(_message.Message):
    __slots__ = ("organizations",)
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, organizations: _Optional[_Iterable[str]] = ...) -> None: ...

class DeviceStatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: DeviceStatus
    count: int
    def __init__(self, status: _Optional[_Union[DeviceStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class DeviceTypeCount(_message.Message):
    __slots__ = ("device_type", "count")
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    device_type: DeviceType
    count: int
    def __init__(self, device_type: _Optional[_Union[DeviceType, str]] = ..., count: _Optional[int] = ...) -> None: ...

class OsTypeCount(_message.Message):
    __slots__ = ("os_type", "count")
    OS_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    os_type: OsType
    count: int
    def __init__(self, os_type: _Optional[_Union[OsType, str]] = ..., count: _Optional[int] = ...) -> None: ...

class OrganizationDeviceCount(_message.Message):
    __slots__ = ("organization", "display_name", "count")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    organization: str
    display_name: str
    count: int
    def __init__(self, organization: _Optional[str] = ..., display_name: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class TagKeyDeviceCount(_message.Message):
    __slots__ = ("key", "count", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    count: int
    values: _containers.RepeatedCompositeFieldContainer[TagValueDeviceCount]
    def __init__(self, key: _Optional[str] = ..., count: _Optional[int] = ..., values: _Optional[_Iterable[_Union[TagValueDeviceCount, _Mapping]]] = ...) -> None: ...

class TagValueDeviceCount(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    count: int
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class GetDeviceFilterOptionsResponse(_message.Message):
    __slots__ = ("statuses", "device_types", "os_types", "organizations", "tag_keys")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    OS_TYPES_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    TAG_KEYS_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[DeviceStatusCount]
    device_types: _containers.RepeatedCompositeFieldContainer[DeviceTypeCount]
    os_types: _containers.RepeatedCompositeFieldContainer[OsTypeCount]
    organizations: _containers.RepeatedCompositeFieldContainer[OrganizationDeviceCount]
    tag_keys: _containers.RepeatedCompositeFieldContainer[TagKeyDeviceCount]
    def __init__(self, statuses: _Optional[_Iterable[_Union[DeviceStatusCount, _Mapping]]] = ..., device_types: _Optional[_Iterable[_Union[DeviceTypeCount, _Mapping]]] = ..., os_types: _Optional[_Iterable[_Union[OsTypeCount, _Mapping]]] = ..., organizations: _Optional[_Iterable[_Union[OrganizationDeviceCount, _Mapping]]] = ..., tag_keys: _Optional[_Iterable[_Union[TagKeyDeviceCount, _Mapping]]] = ...) -> None: ...
