import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HealthStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HEALTH_STATUS_UNSPECIFIED: _ClassVar[HealthStatus]
    HEALTH_STATUS_SERVING: _ClassVar[HealthStatus]
    HEALTH_STATUS_DEGRADED: _ClassVar[HealthStatus]
    HEALTH_STATUS_NOT_SERVING: _ClassVar[HealthStatus]

class ComponentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPONENT_KIND_UNSPECIFIED: _ClassVar[ComponentKind]
    COMPONENT_KIND_SERVICE: _ClassVar[ComponentKind]
    COMPONENT_KIND_STORE: _ClassVar[ComponentKind]
    COMPONENT_KIND_BROKER: _ClassVar[ComponentKind]
    COMPONENT_KIND_EDGE: _ClassVar[ComponentKind]
HEALTH_STATUS_UNSPECIFIED: HealthStatus
HEALTH_STATUS_SERVING: HealthStatus
HEALTH_STATUS_DEGRADED: HealthStatus
HEALTH_STATUS_NOT_SERVING: HealthStatus
COMPONENT_KIND_UNSPECIFIED: ComponentKind
COMPONENT_KIND_SERVICE: ComponentKind
COMPONENT_KIND_STORE: ComponentKind
COMPONENT_KIND_BROKER: ComponentKind
COMPONENT_KIND_EDGE: ComponentKind

class InstanceHealth(_message.Message):
    __slots__ = ("address", "status", "latency", "message", "version")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    address: str
    status: HealthStatus
    latency: _duration_pb2.Duration
    message: str
    version: str
    def __init__(self, address: _Optional[str] = ..., status: _Optional[_Union[HealthStatus, str]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., message: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class ComponentHealth(_message.Message):
    __slots__ = ("component", "kind", "status", "instances", "message", "details", "check_time")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    component: str
    kind: ComponentKind
    status: HealthStatus
    instances: _containers.RepeatedCompositeFieldContainer[InstanceHealth]
    message: str
    details: _containers.ScalarMap[str, str]
    check_time: _timestamp_pb2.Timestamp
    def __init__(self, component: _Optional[str] = ..., kind: _Optional[_Union[ComponentKind, str]] = ..., status: _Optional[_Union[HealthStatus, str]] = ..., instances: _Optional[_Iterable[_Union[InstanceHealth, _Mapping]]] = ..., message: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetHealthOverviewRequest(_message.Message):
    __slots__ = ("max_age",)
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    max_age: _duration_pb2.Duration
    def __init__(self, max_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetHealthOverviewResponse(_message.Message):
    __slots__ = ("status", "components", "check_time")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    status: HealthStatus
    components: _containers.RepeatedCompositeFieldContainer[ComponentHealth]
    check_time: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[HealthStatus, str]] = ..., components: _Optional[_Iterable[_Union[ComponentHealth, _Mapping]]] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetComponentHealthRequest(_message.Message):
    __slots__ = ("component",)
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    component: str
    def __init__(self, component: _Optional[str] = ...) -> None: ...

class GetComponentHealthResponse(_message.Message):
    __slots__ = ("component_health",)
    COMPONENT_HEALTH_FIELD_NUMBER: _ClassVar[int]
    component_health: ComponentHealth
    def __init__(self, component_health: _Optional[_Union[ComponentHealth, _Mapping]] = ...) -> None: ...
