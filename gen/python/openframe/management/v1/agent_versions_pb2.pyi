import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.api.v1 import devices_pb2 as _devices_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReleaseChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELEASE_CHANNEL_UNSPECIFIED: _ClassVar[ReleaseChannel]
    RELEASE_CHANNEL_STABLE: _ClassVar[ReleaseChannel]
    RELEASE_CHANNEL_BETA: _ClassVar[ReleaseChannel]
RELEASE_CHANNEL_UNSPECIFIED: ReleaseChannel
RELEASE_CHANNEL_STABLE: ReleaseChannel
RELEASE_CHANNEL_BETA: ReleaseChannel

class AgentVersion(_message.Message):
    __slots__ = ("name", "component", "version", "channel", "release_notes", "artifacts", "withdrawn", "publish_time", "withdraw_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RELEASE_NOTES_FIELD_NUMBER: _ClassVar[int]
    ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    component: str
    version: str
    channel: ReleaseChannel
    release_notes: str
    artifacts: _containers.RepeatedCompositeFieldContainer[AgentArtifact]
    withdrawn: bool
    publish_time: _timestamp_pb2.Timestamp
    withdraw_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., component: _Optional[str] = ..., version: _Optional[str] = ..., channel: _Optional[_Union[ReleaseChannel, str]] = ..., release_notes: _Optional[str] = ..., artifacts: _Optional[_Iterable[_Union[AgentArtifact, _Mapping]]] = ..., withdrawn: _Optional[bool] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., withdraw_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AgentArtifact(_message.Message):
    __slots__ = ("os_type", "architecture", "download_uri", "sha256", "size_bytes")
    OS_TYPE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URI_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    os_type: _devices_pb2.OsType
    architecture: str
    download_uri: str
    sha256: str
    size_bytes: int
    def __init__(self, os_type: _Optional[_Union[_devices_pb2.OsType, str]] = ..., architecture: _Optional[str] = ..., download_uri: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class PublishAgentVersionRequest(_message.Message):
    __slots__ = ("agent_version",)
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    agent_version: AgentVersion
    def __init__(self, agent_version: _Optional[_Union[AgentVersion, _Mapping]] = ...) -> None: ...

class PublishAgentVersionResponse(_message.Message):
    __slots__ = ("agent_version",)
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    agent_version: AgentVersion
    def __init__(self, agent_version: _Optional[_Union[AgentVersion, _Mapping]] = ...) -> None: ...

class GetAgentVersionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetAgentVersionResponse(_message.Message):
    __slots__ = ("agent_version",)
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    agent_version: AgentVersion
    def __init__(self, agent_version: _Optional[_Union[AgentVersion, _Mapping]] = ...) -> None: ...

class ListAgentVersionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "component", "channel", "show_withdrawn")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SHOW_WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    component: str
    channel: ReleaseChannel
    show_withdrawn: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., component: _Optional[str] = ..., channel: _Optional[_Union[ReleaseChannel, str]] = ..., show_withdrawn: _Optional[bool] = ...) -> None: ...

class ListAgentVersionsResponse(_message.Message):
    __slots__ = ("agent_versions", "next_page_token")
    AGENT_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agent_versions: _containers.RepeatedCompositeFieldContainer[AgentVersion]
    next_page_token: str
    def __init__(self, agent_versions: _Optional[_Iterable[_Union[AgentVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WithdrawAgentVersionRequest(_message.Message):
    __slots__ = ("name", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class WithdrawAgentVersionResponse(_message.Message):
    __slots__ = ("agent_version",)
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    agent_version: AgentVersion
    def __init__(self, agent_version: _Optional[_Union[AgentVersion, _Mapping]] = ...) -> None: ...

class SetDefaultAgentVersionRequest(_message.Message):
    __slots__ = ("component", "tenant_id", "agent_version")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    component: str
    tenant_id: str
    agent_version: str
    def __init__(self, component: _Optional[str] = ..., tenant_id: _Optional[str] = ..., agent_version: _Optional[str] = ...) -> None: ...

class SetDefaultAgentVersionResponse(_message.Message):
    __slots__ = ("agent_version", "tenant_override")
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    agent_version: AgentVersion
    tenant_override: bool
    def __init__(self, agent_version: _Optional[_Union[AgentVersion, _Mapping]] = ..., tenant_override: _Optional[bool] = ...) -> None: ...

class GetDefaultAgentVersionRequest(_message.Message):
    __slots__ = ("component", "tenant_id")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    component: str
    tenant_id: str
    def __init__(self, component: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class GetDefaultAgentVersionResponse(_message.Message):
    __slots__ = ("agent_version", "tenant_override")
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    agent_version: AgentVersion
    tenant_override: bool
    def __init__(self, agent_version: _Optional[_Union[AgentVersion, _Mapping]] = ..., tenant_override: _Optional[bool] = ...) -> None: ...
