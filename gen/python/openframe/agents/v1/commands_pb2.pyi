import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CommandType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMAND_TYPE_UNSPECIFIED: _ClassVar[CommandType]
    COMMAND_TYPE_SCRIPT: _ClassVar[CommandType]
    COMMAND_TYPE_AGENT_RESTART: _ClassVar[CommandType]
    COMMAND_TYPE_AGENT_UPDATE: _ClassVar[CommandType]
    COMMAND_TYPE_REBOOT: _ClassVar[CommandType]
    COMMAND_TYPE_REFRESH_INVENTORY: _ClassVar[CommandType]

class ScriptInterpreter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCRIPT_INTERPRETER_UNSPECIFIED: _ClassVar[ScriptInterpreter]
    SCRIPT_INTERPRETER_SH: _ClassVar[ScriptInterpreter]
    SCRIPT_INTERPRETER_BASH: _ClassVar[ScriptInterpreter]
    SCRIPT_INTERPRETER_POWERSHELL: _ClassVar[ScriptInterpreter]
    SCRIPT_INTERPRETER_CMD: _ClassVar[ScriptInterpreter]
    SCRIPT_INTERPRETER_PYTHON: _ClassVar[ScriptInterpreter]

class CommandStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMAND_STATUS_UNSPECIFIED: _ClassVar[CommandStatus]
    COMMAND_STATUS_PENDING: _ClassVar[CommandStatus]
    COMMAND_STATUS_DISPATCHED: _ClassVar[CommandStatus]
    COMMAND_STATUS_RUNNING: _ClassVar[CommandStatus]
    COMMAND_STATUS_SUCCEEDED: _ClassVar[CommandStatus]
    COMMAND_STATUS_FAILED: _ClassVar[CommandStatus]
    COMMAND_STATUS_TIMED_OUT: _ClassVar[CommandStatus]
    COMMAND_STATUS_CANCELLED: _ClassVar[CommandStatus]
    COMMAND_STATUS_EXPIRED: _ClassVar[CommandStatus]
COMMAND_TYPE_UNSPECIFIED: CommandType
COMMAND_TYPE_SCRIPT: CommandType
COMMAND_TYPE_AGENT_RESTART: CommandType
COMMAND_TYPE_AGENT_UPDATE: CommandType
COMMAND_TYPE_REBOOT: CommandType
COMMAND_TYPE_REFRESH_INVENTORY: CommandType
SCRIPT_INTERPRETER_UNSPECIFIED: ScriptInterpreter
SCRIPT_INTERPRETER_SH: ScriptInterpreter
SCRIPT_INTERPRETER_BASH: ScriptInterpreter
SCRIPT_INTERPRETER_POWERSHELL: ScriptInterpreter
SCRIPT_INTERPRETER_CMD: ScriptInterpreter
SCRIPT_INTERPRETER_PYTHON: ScriptInterpreter
COMMAND_STATUS_UNSPECIFIED: CommandStatus
COMMAND_STATUS_PENDING: CommandStatus
COMMAND_STATUS_DISPATCHED: CommandStatus
COMMAND_STATUS_RUNNING: CommandStatus
COMMAND_STATUS_SUCCEEDED: CommandStatus
COMMAND_STATUS_FAILED: CommandStatus
COMMAND_STATUS_TIMED_OUT: CommandStatus
COMMAND_STATUS_CANCELLED: CommandStatus
COMMAND_STATUS_EXPIRED: CommandStatus

class Command(_message.Message):
    __slots__ = ("name", "type", "interpreter", "script", "script_body", "args", "agent_version", "timeout", "expire_time", "status", "result", "creator", "create_time", "dispatch_time", "start_time", "finish_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INTERPRETER_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_BODY_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: CommandType
    interpreter: ScriptInterpreter
    script: str
    script_body: str
    args: _containers.RepeatedScalarFieldContainer[str]
    agent_version: str
    timeout: _duration_pb2.Duration
    expire_time: _timestamp_pb2.Timestamp
    status: CommandStatus
    result: CommandResult
    creator: _common_pb2.Actor
    create_time: _timestamp_pb2.Timestamp
    dispatch_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[CommandType, str]] = ..., interpreter: _Optional[_Union[ScriptInterpreter, str]] = ..., script: _Optional[str] = ..., script_body: _Optional[str] = ..., args: _Optional[_Iterable[str]] = ..., agent_version: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[CommandStatus, str]] = ..., result: _Optional[_Union[CommandResult, _Mapping]] = ..., creator: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dispatch_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CommandResult(_message.Message):
    __slots__ = ("exit_code", "stdout", "stderr", "stdout_truncated", "stderr_truncated", "error_message")
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    STDOUT_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    STDERR_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    exit_code: int
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    error_message: str
    def __init__(self, exit_code: _Optional[int] = ..., stdout: _Optional[str] = ..., stderr: _Optional[str] = ..., stdout_truncated: _Optional[bool] = ..., stderr_truncated: _Optional[bool] = ..., error_message: _Optional[str] = ...) -> None: ...

class DispatchCommandRequest(_message.Message):
    __slots__ = ("parent", "command", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    command: Command
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., command: _Optional[_Union[Command, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DispatchCommandResponse(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: Command
    def __init__(self, command: _Optional[_Union[Command, _Mapping]] = ...) -> None: ...

class GetCommandRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetCommandResponse(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: Command
    def __init__(self, command: _Optional[_Union[Command, _Mapping]] = ...) -> None: ...

class ListCommandsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "statuses")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[CommandStatus]
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[CommandStatus, str]]] = ...) -> None: ...

class ListCommandsResponse(_message.Message):
    __slots__ = ("commands", "next_page_token")
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    commands: _containers.RepeatedCompositeFieldContainer[Command]
    next_page_token: str
    def __init__(self, commands: _Optional[_Iterable[_Union[Command, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelCommandRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CancelCommandResponse(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: Command
    def __init__(self, command: _Optional[_Union[Command, _Mapping]] = ...) -> None: ...

class ReportCommandResultRequest(_message.Message):
    __slots__ = ("name", "status", "result", "start_time", "finish_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: CommandStatus
    result: CommandResult
    start_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[CommandStatus, str]] = ..., result: _Optional[_Union[CommandResult, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReportCommandResultResponse(_message.Message):
    __slots__ = ("accepted",)
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    def __init__(self, accepted: _Optional[bool] = ...) -> None: ...
