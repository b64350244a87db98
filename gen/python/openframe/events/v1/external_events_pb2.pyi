from google.protobuf import field_mask_pb2 as _field_mask_pb2
from openframe.external.v1 import api_keys_pb2 as _api_keys_pb2
from openframe.external.v1 import tools_pb2 as _tools_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApiKeyCreated(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_keys_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_api_keys_pb2.ApiKey, _Mapping]] = ...) -> None: ...

class ApiKeyUpdated(_message.Message):
    __slots__ = ("api_key", "update_mask")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_keys_pb2.ApiKey
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, api_key: _Optional[_Union[_api_keys_pb2.ApiKey, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ApiKeyRegenerated(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_keys_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_api_keys_pb2.ApiKey, _Mapping]] = ...) -> None: ...

class ApiKeyRevoked(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _api_keys_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_api_keys_pb2.ApiKey, _Mapping]] = ...) -> None: ...

class ApiKeyDeleted(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    def __init__(self, api_key: _Optional[str] = ...) -> None: ...

class IntegratedToolCreated(_message.Message):
    __slots__ = ("integrated_tool",)
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: _tools_pb2.IntegratedTool
    def __init__(self, integrated_tool: _Optional[_Union[_tools_pb2.IntegratedTool, _Mapping]] = ...) -> None: ...

class IntegratedToolUpdated(_message.Message):
    __slots__ = ("integrated_tool", "update_mask")
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: _tools_pb2.IntegratedTool
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, integrated_tool: _Optional[_Union[_tools_pb2.IntegratedTool, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class IntegratedToolDeleted(_message.Message):
    __slots__ = ("integrated_tool", "tool_type")
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    TOOL_TYPE_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: str
    tool_type: _tools_pb2.ToolType
    def __init__(self, integrated_tool: _Optional[str] = ..., tool_type: _Optional[_Union[_tools_pb2.ToolType, str]] = ...) -> None: ...

class IntegratedToolHealthChanged(_message.Message):
    __slots__ = ("integrated_tool", "previous_status", "health")
    INTEGRATED_TOOL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    integrated_tool: str
    previous_status: _tools_pb2.ToolHealthStatus
    health: _tools_pb2.ToolHealth
    def __init__(self, integrated_tool: _Optional[str] = ..., previous_status: _Optional[_Union[_tools_pb2.ToolHealthStatus, str]] = ..., health: _Optional[_Union[_tools_pb2.ToolHealth, _Mapping]] = ...) -> None: ...
