import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WindowLimits(_message.Message):
    __slots__ = ("per_minute", "per_hour", "per_day")
    PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    PER_DAY_FIELD_NUMBER: _ClassVar[int]
    per_minute: int
    per_hour: int
    per_day: int
    def __init__(self, per_minute: _Optional[int] = ..., per_hour: _Optional[int] = ..., per_day: _Optional[int] = ...) -> None: ...

class RateLimitPolicy(_message.Message):
    __slots__ = ("name", "tenant_limits", "api_key_limits", "effective_tenant_limits", "effective_api_key_limits", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TENANT_LIMITS_FIELD_NUMBER: _ClassVar[int]
    API_KEY_LIMITS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TENANT_LIMITS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_API_KEY_LIMITS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    tenant_limits: WindowLimits
    api_key_limits: WindowLimits
    effective_tenant_limits: WindowLimits
    effective_api_key_limits: WindowLimits
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., tenant_limits: _Optional[_Union[WindowLimits, _Mapping]] = ..., api_key_limits: _Optional[_Union[WindowLimits, _Mapping]] = ..., effective_tenant_limits: _Optional[_Union[WindowLimits, _Mapping]] = ..., effective_api_key_limits: _Optional[_Union[WindowLimits, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetRateLimitPolicyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRateLimitPolicyResponse(_message.Message):
    __slots__ = ("rate_limit_policy",)
    RATE_LIMIT_POLICY_FIELD_NUMBER: _ClassVar[int]
    rate_limit_policy: RateLimitPolicy
    def __init__(self, rate_limit_policy: _Optional[_Union[RateLimitPolicy, _Mapping]] = ...) -> None: ...

class UpdateRateLimitPolicyRequest(_message.Message):
    __slots__ = ("rate_limit_policy", "update_mask")
    RATE_LIMIT_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    rate_limit_policy: RateLimitPolicy
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, rate_limit_policy: _Optional[_Union[RateLimitPolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateRateLimitPolicyResponse(_message.Message):
    __slots__ = ("rate_limit_policy",)
    RATE_LIMIT_POLICY_FIELD_NUMBER: _ClassVar[int]
    rate_limit_policy: RateLimitPolicy
    def __init__(self, rate_limit_policy: _Optional[_Union[RateLimitPolicy, _Mapping]] = ...) -> None: ...
