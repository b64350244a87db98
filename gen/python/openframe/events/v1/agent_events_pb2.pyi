from openframe.agents.v1 import commands_pb2 as _commands_pb2
from openframe.agents.v1 import registration_secrets_pb2 as _registration_secrets_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegistrationSecretCreated(_message.Message):
    __slots__ = ("registration_secret",)
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: _registration_secrets_pb2.RegistrationSecret
    def __init__(self, registration_secret: _Optional[_Union[_registration_secrets_pb2.RegistrationSecret, _Mapping]] = ...) -> None: ...

class RegistrationSecretRotated(_message.Message):
    __slots__ = ("registration_secret",)
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: _registration_secrets_pb2.RegistrationSecret
    def __init__(self, registration_secret: _Optional[_Union[_registration_secrets_pb2.RegistrationSecret, _Mapping]] = ...) -> None: ...

class RegistrationSecretRevoked(_message.Message):
    __slots__ = ("registration_secret",)
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: _registration_secrets_pb2.RegistrationSecret
    def __init__(self, registration_secret: _Optional[_Union[_registration_secrets_pb2.RegistrationSecret, _Mapping]] = ...) -> None: ...

class CommandDispatched(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: _commands_pb2.Command
    def __init__(self, command: _Optional[_Union[_commands_pb2.Command, _Mapping]] = ...) -> None: ...

class CommandCompleted(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: _commands_pb2.Command
    def __init__(self, command: _Optional[_Union[_commands_pb2.Command, _Mapping]] = ...) -> None: ...
