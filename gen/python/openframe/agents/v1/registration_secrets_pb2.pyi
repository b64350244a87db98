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

class RegistrationSecretStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REGISTRATION_SECRET_STATUS_UNSPECIFIED: _ClassVar[RegistrationSecretStatus]
    REGISTRATION_SECRET_STATUS_ACTIVE: _ClassVar[RegistrationSecretStatus]
    REGISTRATION_SECRET_STATUS_EXPIRED: _ClassVar[RegistrationSecretStatus]
    REGISTRATION_SECRET_STATUS_REVOKED: _ClassVar[RegistrationSecretStatus]
REGISTRATION_SECRET_STATUS_UNSPECIFIED: RegistrationSecretStatus
REGISTRATION_SECRET_STATUS_ACTIVE: RegistrationSecretStatus
REGISTRATION_SECRET_STATUS_EXPIRED: RegistrationSecretStatus
REGISTRATION_SECRET_STATUS_REVOKED: RegistrationSecretStatus

class RegistrationSecret(_message.Message):
    __slots__ = ("name", "display_name", "organization", "status", "secret_hint", "expire_time", "max_uses", "use_count", "last_use_time", "previous_secret_expire_time", "creator", "create_time", "rotate_time", "revoke_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SECRET_HINT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_USES_FIELD_NUMBER: _ClassVar[int]
    USE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_USE_TIME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ROTATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    organization: str
    status: RegistrationSecretStatus
    secret_hint: str
    expire_time: _timestamp_pb2.Timestamp
    max_uses: int
    use_count: int
    last_use_time: _timestamp_pb2.Timestamp
    previous_secret_expire_time: _timestamp_pb2.Timestamp
    creator: _common_pb2.Actor
    create_time: _timestamp_pb2.Timestamp
    rotate_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., organization: _Optional[str] = ..., status: _Optional[_Union[RegistrationSecretStatus, str]] = ..., secret_hint: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_uses: _Optional[int] = ..., use_count: _Optional[int] = ..., last_use_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_secret_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., creator: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rotate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CreateRegistrationSecretRequest(_message.Message):
    __slots__ = ("registration_secret",)
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: RegistrationSecret
    def __init__(self, registration_secret: _Optional[_Union[RegistrationSecret, _Mapping]] = ...) -> None: ...

class CreateRegistrationSecretResponse(_message.Message):
    __slots__ = ("registration_secret", "secret")
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: RegistrationSecret
    secret: str
    def __init__(self, registration_secret: _Optional[_Union[RegistrationSecret, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class GetRegistrationSecretRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetRegistrationSecretResponse(_message.Message):
    __slots__ = ("registration_secret",)
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: RegistrationSecret
    def __init__(self, registration_secret: _Optional[_Union[RegistrationSecret, _Mapping]] = ...) -> None: ...

class ListRegistrationSecretsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: RegistrationSecretStatus
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[RegistrationSecretStatus, str]] = ...) -> None: ...

class ListRegistrationSecretsResponse(_message.Message):
    __slots__ = ("registration_secrets", "next_page_token")
    REGISTRATION_SECRETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    registration_secrets: _containers.RepeatedCompositeFieldContainer[RegistrationSecret]
    next_page_token: str
    def __init__(self, registration_secrets: _Optional[_Iterable[_Union[RegistrationSecret, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RotateRegistrationSecretRequest(_message.Message):
    __slots__ = ("name", "overlap", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    overlap: _duration_pb2.Duration
    etag: str
    def __init__(self, name: _Optional[str] = ..., overlap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RotateRegistrationSecretResponse(_message.Message):
    __slots__ = ("registration_secret", "secret")
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: RegistrationSecret
    secret: str
    def __init__(self, registration_secret: _Optional[_Union[RegistrationSecret, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class RevokeRegistrationSecretRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class RevokeRegistrationSecretResponse(_message.Message):
    __slots__ = ("registration_secret",)
    REGISTRATION_SECRET_FIELD_NUMBER: _ClassVar[int]
    registration_secret: RegistrationSecret
    def __init__(self, registration_secret: _Optional[_Union[RegistrationSecret, _Mapping]] = ...) -> None: ...
