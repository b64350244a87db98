import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfigChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIG_CHANGE_TYPE_UNSPECIFIED: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_ENTRY_CREATED: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_ENTRY_UPDATED: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_ENTRY_DELETED: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_OVERRIDE_SET: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_OVERRIDE_DELETED: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_FLAG_CHANGED: _ClassVar[ConfigChangeType]
    CONFIG_CHANGE_TYPE_FLAG_TENANT_STATE_CHANGED: _ClassVar[ConfigChangeType]
CONFIG_CHANGE_TYPE_UNSPECIFIED: ConfigChangeType
CONFIG_CHANGE_TYPE_ENTRY_CREATED: ConfigChangeType
CONFIG_CHANGE_TYPE_ENTRY_UPDATED: ConfigChangeType
CONFIG_CHANGE_TYPE_ENTRY_DELETED: ConfigChangeType
CONFIG_CHANGE_TYPE_OVERRIDE_SET: ConfigChangeType
CONFIG_CHANGE_TYPE_OVERRIDE_DELETED: ConfigChangeType
CONFIG_CHANGE_TYPE_FLAG_CHANGED: ConfigChangeType
CONFIG_CHANGE_TYPE_FLAG_TENANT_STATE_CHANGED: ConfigChangeType

class ConfigChange(_message.Message):
    __slots__ = ("revision", "change_type", "key", "tenant_id", "old_value", "new_value", "actor", "change_time")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    revision: int
    change_type: ConfigChangeType
    key: str
    tenant_id: str
    old_value: _struct_pb2.Value
    new_value: _struct_pb2.Value
    actor: _common_pb2.Actor
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, revision: _Optional[int] = ..., change_type: _Optional[_Union[ConfigChangeType, str]] = ..., key: _Optional[str] = ..., tenant_id: _Optional[str] = ..., old_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., new_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListConfigChangesRequest(_message.Message):
    __slots__ = ("after_revision", "page_size", "page_token", "tenant_id", "key_prefix")
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    after_revision: int
    page_size: int
    page_token: str
    tenant_id: str
    key_prefix: str
    def __init__(self, after_revision: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant_id: _Optional[str] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class ListConfigChangesResponse(_message.Message):
    __slots__ = ("config_changes", "next_page_token")
    CONFIG_CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    config_changes: _containers.RepeatedCompositeFieldContainer[ConfigChange]
    next_page_token: str
    def __init__(self, config_changes: _Optional[_Iterable[_Union[ConfigChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchConfigChangesRequest(_message.Message):
    __slots__ = ("after_revision", "tenant_id", "key_prefix")
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    after_revision: int
    tenant_id: str
    key_prefix: str
    def __init__(self, after_revision: _Optional[int] = ..., tenant_id: _Optional[str] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class WatchConfigChangesResponse(_message.Message):
    __slots__ = ("config_change",)
    CONFIG_CHANGE_FIELD_NUMBER: _ClassVar[int]
    config_change: ConfigChange
    def __init__(self, config_change: _Optional[_Union[ConfigChange, _Mapping]] = ...) -> None: ...
