import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ToolType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_TYPE_UNSPECIFIED: _ClassVar[ToolType]
    TOOL_TYPE_FLEET: _ClassVar[ToolType]
    TOOL_TYPE_MESHCENTRAL: _ClassVar[ToolType]
    TOOL_TYPE_TACTICAL_RMM: _ClassVar[ToolType]
    TOOL_TYPE_AUTHENTIK: _ClassVar[ToolType]
    TOOL_TYPE_GENERIC: _ClassVar[ToolType]

class ToolCredentialType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_CREDENTIAL_TYPE_UNSPECIFIED: _ClassVar[ToolCredentialType]
    TOOL_CREDENTIAL_TYPE_API_TOKEN: _ClassVar[ToolCredentialType]
    TOOL_CREDENTIAL_TYPE_BASIC: _ClassVar[ToolCredentialType]
    TOOL_CREDENTIAL_TYPE_OAUTH_CLIENT: _ClassVar[ToolCredentialType]
    TOOL_CREDENTIAL_TYPE_HEADER: _ClassVar[ToolCredentialType]

class ToolHealthStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_HEALTH_STATUS_UNSPECIFIED: _ClassVar[ToolHealthStatus]
    TOOL_HEALTH_STATUS_HEALTHY: _ClassVar[ToolHealthStatus]
    TOOL_HEALTH_STATUS_DEGRADED: _ClassVar[ToolHealthStatus]
    TOOL_HEALTH_STATUS_UNAUTHORIZED: _ClassVar[ToolHealthStatus]
    TOOL_HEALTH_STATUS_UNREACHABLE: _ClassVar[ToolHealthStatus]
TOOL_TYPE_UNSPECIFIED: ToolType
TOOL_TYPE_FLEET: ToolType
TOOL_TYPE_MESHCENTRAL: ToolType
TOOL_TYPE_TACTICAL_RMM: ToolType
TOOL_TYPE_AUTHENTIK: ToolType
TOOL_TYPE_GENERIC: ToolType
TOOL_CREDENTIAL_TYPE_UNSPECIFIED: ToolCredentialType
TOOL_CREDENTIAL_TYPE_API_TOKEN: ToolCredentialType
TOOL_CREDENTIAL_TYPE_BASIC: ToolCredentialType
TOOL_CREDENTIAL_TYPE_OAUTH_CLIENT: ToolCredentialType
TOOL_CREDENTIAL_TYPE_HEADER: ToolCredentialType
TOOL_HEALTH_STATUS_UNSPECIFIED: ToolHealthStatus
TOOL_HEALTH_STATUS_HEALTHY: ToolHealthStatus
TOOL_HEALTH_STATUS_DEGRADED: ToolHealthStatus
TOOL_HEALTH_STATUS_UNAUTHORIZED: ToolHealthStatus
TOOL_HEALTH_STATUS_UNREACHABLE: ToolHealthStatus

class IntegratedTool(_message.Message):
    __slots__ = ("name", "tool_type", "display_name", "base_url", "ui_url", "credentials", "credential_type", "enabled", "health", "create_time", "update_time", "etag", "health_path")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOOL_TYPE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    UI_URL_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    HEALTH_PATH_FIELD_NUMBER: _ClassVar[int]
    name: str
    tool_type: ToolType
    display_name: str
    base_url: str
    ui_url: str
    credentials: ToolCredentials
    credential_type: ToolCredentialType
    enabled: bool
    health: ToolHealth
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    health_path: str
    def __init__(self, name: _Optional[str] = ..., tool_type: _Optional[_Union[ToolType, str]] = ..., display_name: _Optional[str] = ..., base_url: _Optional[str] = ..., ui_url: _Optional[str] = ..., credentials: _Optional[_Union[ToolCredentials, _Mapping]] = ..., credential_type: _Optional[_Union[ToolCredentialType, str]] = ..., enabled: _Optional[bool] = ..., health: _Optional[_Union[ToolHealth, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., health_path: _Optional[str] = ...) -> None: ...

class ToolCredentials(_message.Message):
    __slots__ = ("api_token", "basic", "oauth_client", "header")
    API_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BASIC_FIELD_NUMBER: _ClassVar[int]
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    api_token: str
    basic: BasicCredentials
    oauth_client: OAuthClientCredentials
    header: HeaderCredentials
    def __init__(self, api_token: _Optional[str] = ..., basic: _Optional[_Union[BasicCredentials, _Mapping]] = ..., oauth_client: _Optional[_Union[OAuthClientCredentials, _Mapping]] = ..., header: _Optional[_Union[HeaderCredentials, _Mapping]] = ...) -> None: ...

class BasicCredentials(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class OAuthClientCredentials(_message.Message):
    __slots__ = ("token_url", "client_id", "client_secret", "scope")
    TOKEN_URL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    token_url: str
    client_id: str
    client_secret: str
    scope: str
    def __init__(self, token_url: _Optional[str] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., scope: _Optional[str] = ...) -> None: ...

class HeaderCredentials(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ToolHealth(_message.Message):
    __slots__ = ("status", "latency", "message", "tool_version", "check_time")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    status: ToolHealthStatus
    latency: _duration_pb2.Duration
    message: str
    tool_version: str
    check_time: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[ToolHealthStatus, str]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., message: _Optional[str] = ..., tool_version: _Optional[str] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateIntegratedToolRequest(_message.Message):
    __slots__ = ("integrated_tool",)
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: IntegratedTool
    def __init__(self, integrated_tool: _Optional[_Union[IntegratedTool, _Mapping]] = ...) -> None: ...

class CreateIntegratedToolResponse(_message.Message):
    __slots__ = ("integrated_tool",)
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: IntegratedTool
    def __init__(self, integrated_tool: _Optional[_Union[IntegratedTool, _Mapping]] = ...) -> None: ...

class GetIntegratedToolRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetIntegratedToolResponse(_message.Message):
    __slots__ = ("integrated_tool",)
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: IntegratedTool
    def __init__(self, integrated_tool: _Optional[_Union[IntegratedTool, _Mapping]] = ...) -> None: ...

class ListIntegratedToolsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "tool_type", "enabled_only")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOOL_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_ONLY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tool_type: ToolType
    enabled_only: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tool_type: _Optional[_Union[ToolType, str]] = ..., enabled_only: _Optional[bool] = ...) -> None: ...

class ListIntegratedToolsResponse(_message.Message):
    __slots__ = ("integrated_tools", "next_page_token")
    INTEGRATED_TOOLS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    integrated_tools: _containers.RepeatedCompositeFieldContainer[IntegratedTool]
    next_page_token: str
    def __init__(self, integrated_tools: _Optional[_Iterable[_Union[IntegratedTool, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateIntegratedToolRequest(_message.Message):
    __slots__ = ("integrated_tool", "update_mask")
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: IntegratedTool
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, integrated_tool: _Optional[_Union[IntegratedTool, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateIntegratedToolResponse(_message.Message):
    __slots__ = ("integrated_tool",)
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: IntegratedTool
    def __init__(self, integrated_tool: _Optional[_Union[IntegratedTool, _Mapping]] = ...) -> None: ...

class DeleteIntegratedToolRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteIntegratedToolResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CheckIntegratedToolHealthRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CheckIntegratedToolHealthResponse(_message.Message):
    __slots__ = ("health",)
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    health: ToolHealth
    def __init__(self, health: _Optional[_Union[ToolHealth, _Mapping]] = ...) -> None: ...
