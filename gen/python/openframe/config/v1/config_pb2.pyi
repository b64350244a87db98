import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from openframe.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfigValueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIG_VALUE_TYPE_UNSPECIFIED: _ClassVar[ConfigValueType]
    CONFIG_VALUE_TYPE_STRING: _ClassVar[ConfigValueType]
    CONFIG_VALUE_TYPE_INT: _ClassVar[ConfigValueType]
    CONFIG_VALUE_TYPE_DOUBLE: _ClassVar[ConfigValueType]
    CONFIG_VALUE_TYPE_BOOL: _ClassVar[ConfigValueType]
    CONFIG_VALUE_TYPE_DURATION: _ClassVar[ConfigValueType]
    CONFIG_VALUE_TYPE_JSON: _ClassVar[ConfigValueType]

class ConfigValueSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIG_VALUE_SOURCE_UNSPECIFIED: _ClassVar[ConfigValueSource]
    CONFIG_VALUE_SOURCE_DEFAULT: _ClassVar[ConfigValueSource]
    CONFIG_VALUE_SOURCE_TENANT_OVERRIDE: _ClassVar[ConfigValueSource]
CONFIG_VALUE_TYPE_UNSPECIFIED: ConfigValueType
CONFIG_VALUE_TYPE_STRING: ConfigValueType
CONFIG_VALUE_TYPE_INT: ConfigValueType
CONFIG_VALUE_TYPE_DOUBLE: ConfigValueType
CONFIG_VALUE_TYPE_BOOL: ConfigValueType
CONFIG_VALUE_TYPE_DURATION: ConfigValueType
CONFIG_VALUE_TYPE_JSON: ConfigValueType
CONFIG_VALUE_SOURCE_UNSPECIFIED: ConfigValueSource
CONFIG_VALUE_SOURCE_DEFAULT: ConfigValueSource
CONFIG_VALUE_SOURCE_TENANT_OVERRIDE: ConfigValueSource

class ConfigEntry(_message.Message):
    __slots__ = ("name", "description", "value_type", "default_value", "tenant_overridable", "min_value", "max_value", "allowed_values", "services", "override_count", "revision", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TENANT_OVERRIDABLE_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    value_type: ConfigValueType
    default_value: _struct_pb2.Value
    tenant_overridable: bool
    min_value: _wrappers_pb2.DoubleValue
    max_value: _wrappers_pb2.DoubleValue
    allowed_values: _containers.RepeatedScalarFieldContainer[str]
    services: _containers.RepeatedScalarFieldContainer[str]
    override_count: int
    revision: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., value_type: _Optional[_Union[ConfigValueType, str]] = ..., default_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., tenant_overridable: _Optional[bool] = ..., min_value: _Optional[_Union[_wrappers_pb2.DoubleValue, _Mapping]] = ..., max_value: _Optional[_Union[_wrappers_pb2.DoubleValue, _Mapping]] = ..., allowed_values: _Optional[_Iterable[str]] = ..., services: _Optional[_Iterable[str]] = ..., override_count: _Optional[int] = ..., revision: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class ConfigOverride(_message.Message):
    __slots__ = ("name", "tenant_id", "value", "actor", "revision", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    tenant_id: str
    value: _struct_pb2.Value
    actor: _common_pb2.Actor
    revision: int
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., tenant_id: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., revision: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class EffectiveConfigValue(_message.Message):
    __slots__ = ("key", "value_type", "value", "source")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value_type: ConfigValueType
    value: _struct_pb2.Value
    source: ConfigValueSource
    def __init__(self, key: _Optional[str] = ..., value_type: _Optional[_Union[ConfigValueType, str]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., source: _Optional[_Union[ConfigValueSource, str]] = ...) -> None: ...

class CreateConfigEntryRequest(_message.Message):
    __slots__ = ("key", "config_entry")
    KEY_FIELD_NUMBER: _ClassVar[int]
    CONFIG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    key: str
    config_entry: ConfigEntry
    def __init__(self, key: _Optional[str] = ..., config_entry: _Optional[_Union[ConfigEntry, _Mapping]] = ...) -> None: ...

class CreateConfigEntryResponse(_message.Message):
    __slots__ = ("config_entry",)
    CONFIG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    config_entry: ConfigEntry
    def __init__(self, config_entry: _Optional[_Union[ConfigEntry, _Mapping]] = ...) -> None: ...

class GetConfigEntryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetConfigEntryResponse(_message.Message):
    __slots__ = ("config_entry",)
    CONFIG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    config_entry: ConfigEntry
    def __init__(self, config_entry: _Optional[_Union[ConfigEntry, _Mapping]] = ...) -> None: ...

class ListConfigEntriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "key_prefix")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    key_prefix: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class ListConfigEntriesResponse(_message.Message):
    __slots__ = ("config_entries", "next_page_token")
    CONFIG_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    config_entries: _containers.RepeatedCompositeFieldContainer[ConfigEntry]
    next_page_token: str
    def __init__(self, config_entries: _Optional[_Iterable[_Union[ConfigEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateConfigEntryRequest(_message.Message):
    __slots__ = ("config_entry", "update_mask")
    CONFIG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    config_entry: ConfigEntry
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, config_entry: _Optional[_Union[ConfigEntry, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateConfigEntryResponse(_message.Message):
    __slots__ = ("config_entry",)
    CONFIG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    config_entry: ConfigEntry
    def __init__(self, config_entry: _Optional[_Union[ConfigEntry, _Mapping]] = ...) -> None: ...

class DeleteConfigEntryRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteConfigEntryResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetConfigOverrideRequest(_message.Message):
    __slots__ = ("name", "value", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: _struct_pb2.Value
    etag: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class SetConfigOverrideResponse(_message.Message):
    __slots__ = ("config_override",)
    CONFIG_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    config_override: ConfigOverride
    def __init__(self, config_override: _Optional[_Union[ConfigOverride, _Mapping]] = ...) -> None: ...

class DeleteConfigOverrideRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteConfigOverrideResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListConfigOverridesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "tenant_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    tenant_id: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class ListConfigOverridesResponse(_message.Message):
    __slots__ = ("config_overrides", "next_page_token")
    CONFIG_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    config_overrides: _containers.RepeatedCompositeFieldContainer[ConfigOverride]
    next_page_token: str
    def __init__(self, config_overrides: _Optional[_Iterable[_Union[ConfigOverride, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveConfigRequest(_message.Message):
    __slots__ = ("tenant_id", "key_prefix")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    key_prefix: str
    def __init__(self, tenant_id: _Optional[str] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class ResolveConfigResponse(_message.Message):
    __slots__ = ("values", "revision")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[EffectiveConfigValue]
    revision: int
    def __init__(self, values: _Optional[_Iterable[_Union[EffectiveConfigValue, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...
