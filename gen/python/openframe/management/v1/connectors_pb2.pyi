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

class ConnectorState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTOR_STATE_UNSPECIFIED: _ClassVar[ConnectorState]
    CONNECTOR_STATE_UNASSIGNED: _ClassVar[ConnectorState]
    CONNECTOR_STATE_RUNNING: _ClassVar[ConnectorState]
    CONNECTOR_STATE_PAUSED: _ClassVar[ConnectorState]
    CONNECTOR_STATE_FAILED: _ClassVar[ConnectorState]
    CONNECTOR_STATE_RESTARTING: _ClassVar[ConnectorState]
    CONNECTOR_STATE_STOPPED: _ClassVar[ConnectorState]
CONNECTOR_STATE_UNSPECIFIED: ConnectorState
CONNECTOR_STATE_UNASSIGNED: ConnectorState
CONNECTOR_STATE_RUNNING: ConnectorState
CONNECTOR_STATE_PAUSED: ConnectorState
CONNECTOR_STATE_FAILED: ConnectorState
CONNECTOR_STATE_RESTARTING: ConnectorState
CONNECTOR_STATE_STOPPED: ConnectorState

class Connector(_message.Message):
    __slots__ = ("name", "connector_class", "config", "secret_config", "secret_config_keys", "tenant_id", "integrated_tool", "status", "create_time")
    class ConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class SecretConfigEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_CLASS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    SECRET_CONFIG_FIELD_NUMBER: _ClassVar[int]
    SECRET_CONFIG_KEYS_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    connector_class: str
    config: _containers.ScalarMap[str, str]
    secret_config: _containers.ScalarMap[str, str]
    secret_config_keys: _containers.RepeatedScalarFieldContainer[str]
    tenant_id: str
    integrated_tool: str
    status: ConnectorStatus
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., connector_class: _Optional[str] = ..., config: _Optional[_Mapping[str, str]] = ..., secret_config: _Optional[_Mapping[str, str]] = ..., secret_config_keys: _Optional[_Iterable[str]] = ..., tenant_id: _Optional[str] = ..., integrated_tool: _Optional[str] = ..., status: _Optional[_Union[ConnectorStatus, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConnectorTaskStatus(_message.Message):
    __slots__ = ("id", "state", "worker_id", "trace")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    id: int
    state: ConnectorState
    worker_id: str
    trace: str
    def __init__(self, id: _Optional[int] = ..., state: _Optional[_Union[ConnectorState, str]] = ..., worker_id: _Optional[str] = ..., trace: _Optional[str] = ...) -> None: ...

class ConnectorStatus(_message.Message):
    __slots__ = ("state", "worker_id", "trace", "tasks", "read_time")
    STATE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    state: ConnectorState
    worker_id: str
    trace: str
    tasks: _containers.RepeatedCompositeFieldContainer[ConnectorTaskStatus]
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[ConnectorState, str]] = ..., worker_id: _Optional[str] = ..., trace: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[ConnectorTaskStatus, _Mapping]]] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListConnectorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "tenant_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class ListConnectorsResponse(_message.Message):
    __slots__ = ("connectors", "next_page_token")
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    connectors: _containers.RepeatedCompositeFieldContainer[Connector]
    next_page_token: str
    def __init__(self, connectors: _Optional[_Iterable[_Union[Connector, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetConnectorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetConnectorResponse(_message.Message):
    __slots__ = ("connector",)
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    connector: Connector
    def __init__(self, connector: _Optional[_Union[Connector, _Mapping]] = ...) -> None: ...

class CreateConnectorRequest(_message.Message):
    __slots__ = ("connector_id", "connector")
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    connector: Connector
    def __init__(self, connector_id: _Optional[str] = ..., connector: _Optional[_Union[Connector, _Mapping]] = ...) -> None: ...

class CreateConnectorResponse(_message.Message):
    __slots__ = ("connector",)
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    connector: Connector
    def __init__(self, connector: _Optional[_Union[Connector, _Mapping]] = ...) -> None: ...

class DeleteConnectorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteConnectorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConnectorStatusRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetConnectorStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ConnectorStatus
    def __init__(self, status: _Optional[_Union[ConnectorStatus, _Mapping]] = ...) -> None: ...

class RestartConnectorRequest(_message.Message):
    __slots__ = ("name", "include_tasks", "only_failed")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_TASKS_FIELD_NUMBER: _ClassVar[int]
    ONLY_FAILED_FIELD_NUMBER: _ClassVar[int]
    name: str
    include_tasks: bool
    only_failed: bool
    def __init__(self, name: _Optional[str] = ..., include_tasks: _Optional[bool] = ..., only_failed: _Optional[bool] = ...) -> None: ...

class RestartConnectorResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ConnectorStatus
    def __init__(self, status: _Optional[_Union[ConnectorStatus, _Mapping]] = ...) -> None: ...
