import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.api.v1 import devices_pb2 as _devices_pb2
from openframe.common.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceInventory(_message.Message):
    __slots__ = ("hostname", "os_type", "os_version", "serial_number", "manufacturer", "model", "device_type", "architecture", "ip_addresses", "mac_addresses", "agent_version")
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    OS_TYPE_FIELD_NUMBER: _ClassVar[int]
    OS_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    MANUFACTURER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    MAC_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    hostname: str
    os_type: _devices_pb2.OsType
    os_version: str
    serial_number: str
    manufacturer: str
    model: str
    device_type: _devices_pb2.DeviceType
    architecture: str
    ip_addresses: _containers.RepeatedScalarFieldContainer[str]
    mac_addresses: _containers.RepeatedScalarFieldContainer[str]
    agent_version: str
    def __init__(self, hostname: _Optional[str] = ..., os_type: _Optional[_Union[_devices_pb2.OsType, str]] = ..., os_version: _Optional[str] = ..., serial_number: _Optional[str] = ..., manufacturer: _Optional[str] = ..., model: _Optional[str] = ..., device_type: _Optional[_Union[_devices_pb2.DeviceType, str]] = ..., architecture: _Optional[str] = ..., ip_addresses: _Optional[_Iterable[str]] = ..., mac_addresses: _Optional[_Iterable[str]] = ..., agent_version: _Optional[str] = ...) -> None: ...

class RegisterAgentRequest(_message.Message):
    __slots__ = ("registration_secret", "inventory", "machine_fingerprint")
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    INVENTORY_FIELD_NUMBER: _ClassVar[int]
    MACHINE_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    registration_secret: str
    inventory: DeviceInventory
    machine_fingerprint: str
    def __init__(self, registration_secret: _Optional[str] = ..., inventory: _Optional[_Union[DeviceInventory, _Mapping]] = ..., machine_fingerprint: _Optional[str] = ...) -> None: ...

class RegisterAgentResponse(_message.Message):
    __slots__ = ("device", "machine_id", "tenant_id", "organization", "client_id", "client_secret", "issuer_uri", "token_endpoint", "nats_subject_prefix", "heartbeat_interval", "reregistered")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    ISSUER_URI_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    NATS_SUBJECT_PREFIX_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    REREGISTERED_FIELD_NUMBER: _ClassVar[int]
    device: str
    machine_id: str
    tenant_id: str
    organization: str
    client_id: str
    client_secret: str
    issuer_uri: str
    token_endpoint: str
    nats_subject_prefix: str
    heartbeat_interval: _duration_pb2.Duration
    reregistered: bool
    def __init__(self, device: _Optional[str] = ..., machine_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., organization: _Optional[str] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., issuer_uri: _Optional[str] = ..., token_endpoint: _Optional[str] = ..., nats_subject_prefix: _Optional[str] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., reregistered: _Optional[bool] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("device", "send_time", "sequence", "agent_version", "inventory", "uptime")
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    INVENTORY_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    device: str
    send_time: _timestamp_pb2.Timestamp
    sequence: int
    agent_version: str
    inventory: DeviceInventory
    uptime: _duration_pb2.Duration
    def __init__(self, device: _Optional[str] = ..., send_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sequence: _Optional[int] = ..., agent_version: _Optional[str] = ..., inventory: _Optional[_Union[DeviceInventory, _Mapping]] = ..., uptime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("status", "heartbeat_interval", "server_time", "desired_agent_version", "pending_command_count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    DESIRED_AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PENDING_COMMAND_COUNT_FIELD_NUMBER: _ClassVar[int]
    status: _devices_pb2.DeviceStatus
    heartbeat_interval: _duration_pb2.Duration
    server_time: _timestamp_pb2.Timestamp
    desired_agent_version: str
    pending_command_count: int
    def __init__(self, status: _Optional[_Union[_devices_pb2.DeviceStatus, str]] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., desired_agent_version: _Optional[str] = ..., pending_command_count: _Optional[int] = ...) -> None: ...
