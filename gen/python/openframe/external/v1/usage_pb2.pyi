import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UsageGranularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USAGE_GRANULARITY_UNSPECIFIED: _ClassVar[UsageGranularity]
    USAGE_GRANULARITY_MINUTE: _ClassVar[UsageGranularity]
    USAGE_GRANULARITY_HOUR: _ClassVar[UsageGranularity]
    USAGE_GRANULARITY_DAY: _ClassVar[UsageGranularity]
USAGE_GRANULARITY_UNSPECIFIED: UsageGranularity
USAGE_GRANULARITY_MINUTE: UsageGranularity
USAGE_GRANULARITY_HOUR: UsageGranularity
USAGE_GRANULARITY_DAY: UsageGranularity

class UsageCounts(_message.Message):
    __slots__ = ("start_time", "request_count", "client_error_count", "server_error_count", "rate_limited_count")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    SERVER_ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMITED_COUNT_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    request_count: int
    client_error_count: int
    server_error_count: int
    rate_limited_count: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_count: _Optional[int] = ..., client_error_count: _Optional[int] = ..., server_error_count: _Optional[int] = ..., rate_limited_count: _Optional[int] = ...) -> None: ...

class RateLimitWindow(_message.Message):
    __slots__ = ("window", "limit", "remaining", "reset_time")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    window: UsageGranularity
    limit: int
    remaining: int
    reset_time: _timestamp_pb2.Timestamp
    def __init__(self, window: _Optional[_Union[UsageGranularity, str]] = ..., limit: _Optional[int] = ..., remaining: _Optional[int] = ..., reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApiKeyUsageSummary(_message.Message):
    __slots__ = ("api_key", "display_name", "totals", "last_use_time")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    LAST_USE_TIME_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    display_name: str
    totals: UsageCounts
    last_use_time: _timestamp_pb2.Timestamp
    def __init__(self, api_key: _Optional[str] = ..., display_name: _Optional[str] = ..., totals: _Optional[_Union[UsageCounts, _Mapping]] = ..., last_use_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetApiKeyUsageRequest(_message.Message):
    __slots__ = ("name", "start_time", "end_time", "granularity")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    granularity: UsageGranularity
    def __init__(self, name: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., granularity: _Optional[_Union[UsageGranularity, str]] = ...) -> None: ...

class GetApiKeyUsageResponse(_message.Message):
    __slots__ = ("buckets", "totals", "rate_limit_windows")
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[UsageCounts]
    totals: UsageCounts
    rate_limit_windows: _containers.RepeatedCompositeFieldContainer[RateLimitWindow]
    def __init__(self, buckets: _Optional[_Iterable[_Union[UsageCounts, _Mapping]]] = ..., totals: _Optional[_Union[UsageCounts, _Mapping]] = ..., rate_limit_windows: _Optional[_Iterable[_Union[RateLimitWindow, _Mapping]]] = ...) -> None: ...

class GetTenantUsageRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "granularity")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    granularity: UsageGranularity
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., granularity: _Optional[_Union[UsageGranularity, str]] = ...) -> None: ...

class GetTenantUsageResponse(_message.Message):
    __slots__ = ("buckets", "totals", "api_keys")
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[UsageCounts]
    totals: UsageCounts
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKeyUsageSummary]
    def __init__(self, buckets: _Optional[_Iterable[_Union[UsageCounts, _Mapping]]] = ..., totals: _Optional[_Union[UsageCounts, _Mapping]] = ..., api_keys: _Optional[_Iterable[_Union[ApiKeyUsageSummary, _Mapping]]] = ...) -> None: ...
