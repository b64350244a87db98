import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LogSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_SEVERITY_UNSPECIFIED: _ClassVar[LogSeverity]
    LOG_SEVERITY_DEBUG: _ClassVar[LogSeverity]
    LOG_SEVERITY_INFO: _ClassVar[LogSeverity]
    LOG_SEVERITY_WARNING: _ClassVar[LogSeverity]
    LOG_SEVERITY_ERROR: _ClassVar[LogSeverity]
    LOG_SEVERITY_CRITICAL: _ClassVar[LogSeverity]

class LogEntryView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_ENTRY_VIEW_UNSPECIFIED: _ClassVar[LogEntryView]
    LOG_ENTRY_VIEW_BASIC: _ClassVar[LogEntryView]
    LOG_ENTRY_VIEW_FULL: _ClassVar[LogEntryView]
LOG_SEVERITY_UNSPECIFIED: LogSeverity
LOG_SEVERITY_DEBUG: LogSeverity
LOG_SEVERITY_INFO: LogSeverity
LOG_SEVERITY_WARNING: LogSeverity
LOG_SEVERITY_ERROR: LogSeverity
LOG_SEVERITY_CRITICAL: LogSeverity
LOG_ENTRY_VIEW_UNSPECIFIED: LogEntryView
LOG_ENTRY_VIEW_BASIC: LogEntryView
LOG_ENTRY_VIEW_FULL: LogEntryView

class LogEntry(_message.Message):
    __slots__ = ("name", "event_time", "ingest_time", "tool", "integrated_tool", "tool_display_name", "event_type", "source_event_type", "source_event_id", "severity", "device", "device_display_name", "organization", "organization_display_name", "user", "summary", "details")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    INGEST_TIME_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    TOOL_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    name: str
    event_time: _timestamp_pb2.Timestamp
    ingest_time: _timestamp_pb2.Timestamp
    tool: str
    integrated_tool: str
    tool_display_name: str
    event_type: str
    source_event_type: str
    source_event_id: str
    severity: LogSeverity
    device: str
    device_display_name: str
    organization: str
    organization_display_name: str
    user: str
    summary: str
    details: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ingest_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tool: _Optional[str] = ..., integrated_tool: _Optional[str] = ..., tool_display_name: _Optional[str] = ..., event_type: _Optional[str] = ..., source_event_type: _Optional[str] = ..., source_event_id: _Optional[str] = ..., severity: _Optional[_Union[LogSeverity, str]] = ..., device: _Optional[str] = ..., device_display_name: _Optional[str] = ..., organization: _Optional[str] = ..., organization_display_name: _Optional[str] = ..., user: _Optional[str] = ..., summary: _Optional[str] = ..., details: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListLogEntriesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "start_time", "end_time", "tools", "event_types", "severities", "devices", "organizations", "search", "view")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    SEVERITIES_FIELD_NUMBER: _ClassVar[int]
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    tools: _containers.RepeatedScalarFieldContainer[str]
    event_types: _containers.RepeatedScalarFieldContainer[str]
    severities: _containers.RepeatedScalarFieldContainer[LogSeverity]
    devices: _containers.RepeatedScalarFieldContainer[str]
    organizations: _containers.RepeatedScalarFieldContainer[str]
    search: str
    view: LogEntryView
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tools: _Optional[_Iterable[str]] = ..., event_types: _Optional[_Iterable[str]] = ..., severities: _Optional[_Iterable[_Union[LogSeverity, str]]] = ..., devices: _Optional[_Iterable[str]] = ..., organizations: _Optional[_Iterable[str]] = ..., search: _Optional[str] = ..., view: _Optional[_Union[LogEntryView, str]] = ...) -> None: ...

class ListLogEntriesResponse(_message.Message):
    __slots__ = ("log_entries", "next_page_token")
    LOG_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    log_entries: _containers.RepeatedCompositeFieldContainer[LogEntry]
    next_page_token: str
    def __init__(self, log_entries: _Optional[_Iterable[_Union[LogEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetLogEntryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetLogEntryResponse(_message.Message):
    __slots__ = ("log_entry",)
    LOG_ENTRY_FIELD_NUMBER: _ClassVar[int]
    log_entry: LogEntry
    def __init__(self, log_entry: _Optional[_Union[LogEntry, _Mapping]] = ...) -> None: ...

class GetLogFilterOptionsRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "organizations")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    organizations: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., organizations: _Optional[_Iterable[str]] = ...) -> None: ...

class LogFilterOption(_message.Message):
    __slots__ = ("value", "display_name")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    value: str
    display_name: str
    def __init__(self, value: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class GetLogFilterOptionsResponse(_message.Message):
    __slots__ = ("tools", "event_types", "severities", "devices", "organizations")
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    SEVERITIES_FIELD_NUMBER: _ClassVar[int]
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    tools: _containers.RepeatedCompositeFieldContainer[LogFilterOption]
    event_types: _containers.RepeatedCompositeFieldContainer[LogFilterOption]
    severities: _containers.RepeatedScalarFieldContainer[LogSeverity]
    devices: _containers.RepeatedCompositeFieldContainer[LogFilterOption]
    organizations: _containers.RepeatedCompositeFieldContainer[LogFilterOption]
    def __init__(self, tools: _Optional[_Iterable[_Union[LogFilterOption, _Mapping]]] = ..., event_types: _Optional[_Iterable[_Union[LogFilterOption, _Mapping]]] = ..., severities: _Optional[_Iterable[_Union[LogSeverity, str]]] = ..., devices: _Optional[_Iterable[_Union[LogFilterOption, _Mapping]]] = ..., organizations: _Optional[_Iterable[_Union[LogFilterOption, _Mapping]]] = ...) -> None: ...
