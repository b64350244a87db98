import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.auth.v1 import users_pb2 as _users_pb2
from openframe.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClientType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLIENT_TYPE_UNSPECIFIED: _ClassVar[ClientType]
    CLIENT_TYPE_CONFIDENTIAL: _ClassVar[ClientType]
    CLIENT_TYPE_PUBLIC: _ClassVar[ClientType]

class ClientPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLIENT_PURPOSE_UNSPECIFIED: _ClassVar[ClientPurpose]
    CLIENT_PURPOSE_APPLICATION: _ClassVar[ClientPurpose]
    CLIENT_PURPOSE_INTEGRATION: _ClassVar[ClientPurpose]
    CLIENT_PURPOSE_AGENT: _ClassVar[ClientPurpose]

class GrantType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANT_TYPE_UNSPECIFIED: _ClassVar[GrantType]
    GRANT_TYPE_AUTHORIZATION_CODE: _ClassVar[GrantType]
    GRANT_TYPE_CLIENT_CREDENTIALS: _ClassVar[GrantType]
    GRANT_TYPE_REFRESH_TOKEN: _ClassVar[GrantType]
CLIENT_TYPE_UNSPECIFIED: ClientType
CLIENT_TYPE_CONFIDENTIAL: ClientType
CLIENT_TYPE_PUBLIC: ClientType
CLIENT_PURPOSE_UNSPECIFIED: ClientPurpose
CLIENT_PURPOSE_APPLICATION: ClientPurpose
CLIENT_PURPOSE_INTEGRATION: ClientPurpose
CLIENT_PURPOSE_AGENT: ClientPurpose
GRANT_TYPE_UNSPECIFIED: GrantType
GRANT_TYPE_AUTHORIZATION_CODE: GrantType
GRANT_TYPE_CLIENT_CREDENTIALS: GrantType
GRANT_TYPE_REFRESH_TOKEN: GrantType

class OAuthClient(_message.Message):
    __slots__ = ("name", "client_id", "display_name", "client_type", "purpose", "grant_types", "redirect_uris", "scopes", "audiences", "first_party", "access_token_ttl", "refresh_token_ttl", "device", "disabled", "secret_hint", "secret_rotate_time", "creator", "create_time", "update_time", "etag", "roles")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    GRANT_TYPES_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URIS_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    AUDIENCES_FIELD_NUMBER: _ClassVar[int]
    FIRST_PARTY_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_TTL_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_TTL_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    SECRET_HINT_FIELD_NUMBER: _ClassVar[int]
    SECRET_ROTATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    name: str
    client_id: str
    display_name: str
    client_type: ClientType
    purpose: ClientPurpose
    grant_types: _containers.RepeatedScalarFieldContainer[GrantType]
    redirect_uris: _containers.RepeatedScalarFieldContainer[str]
    scopes: _containers.RepeatedScalarFieldContainer[str]
    audiences: _containers.RepeatedScalarFieldContainer[str]
    first_party: bool
    access_token_ttl: _duration_pb2.Duration
    refresh_token_ttl: _duration_pb2.Duration
    device: str
    disabled: bool
    secret_hint: str
    secret_rotate_time: _timestamp_pb2.Timestamp
    creator: _common_pb2.Actor
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    roles: _containers.RepeatedScalarFieldContainer[_users_pb2.UserRole]
    def __init__(self, name: _Optional[str] = ..., client_id: _Optional[str] = ..., display_name: _Optional[str] = ..., client_type: _Optional[_Union[ClientType, str]] = ..., purpose: _Optional[_Union[ClientPurpose, str]] = ..., grant_types: _Optional[_Iterable[_Union[GrantType, str]]] = ..., redirect_uris: _Optional[_Iterable[str]] = ..., scopes: _Optional[_Iterable[str]] = ..., audiences: _Optional[_Iterable[str]] = ..., first_party: _Optional[bool] = ..., access_token_ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., refresh_token_ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., device: _Optional[str] = ..., disabled: _Optional[bool] = ..., secret_hint: _Optional[str] = ..., secret_rotate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., creator: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[_users_pb2.UserRole, str]]] = ...) -> None: ...

class CreateOAuthClientRequest(_message.Message):
    __slots__ = ("oauth_client",)
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    oauth_client: OAuthClient
    def __init__(self, oauth_client: _Optional[_Union[OAuthClient, _Mapping]] = ...) -> None: ...

class CreateOAuthClientResponse(_message.Message):
    __slots__ = ("oauth_client", "client_secret")
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    oauth_client: OAuthClient
    client_secret: str
    def __init__(self, oauth_client: _Optional[_Union[OAuthClient, _Mapping]] = ..., client_secret: _Optional[str] = ...) -> None: ...

class GetOAuthClientRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetOAuthClientResponse(_message.Message):
    __slots__ = ("oauth_client",)
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    oauth_client: OAuthClient
    def __init__(self, oauth_client: _Optional[_Union[OAuthClient, _Mapping]] = ...) -> None: ...

class ListOAuthClientsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "purpose", "search")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    purpose: ClientPurpose
    search: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., purpose: _Optional[_Union[ClientPurpose, str]] = ..., search: _Optional[str] = ...) -> None: ...

class ListOAuthClientsResponse(_message.Message):
    __slots__ = ("oauth_clients", "next_page_token")
    OAUTH_CLIENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    oauth_clients: _containers.RepeatedCompositeFieldContainer[OAuthClient]
    next_page_token: str
    def __init__(self, oauth_clients: _Optional[_Iterable[_Union[OAuthClient, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateOAuthClientRequest(_message.Message):
    __slots__ = ("oauth_client", "update_mask")
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    oauth_client: OAuthClient
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, oauth_client: _Optional[_Union[OAuthClient, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateOAuthClientResponse(_message.Message):
    __slots__ = ("oauth_client",)
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    oauth_client: OAuthClient
    def __init__(self, oauth_client: _Optional[_Union[OAuthClient, _Mapping]] = ...) -> None: ...

class DeleteOAuthClientRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteOAuthClientResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateOAuthClientSecretRequest(_message.Message):
    __slots__ = ("name", "overlap", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    overlap: _duration_pb2.Duration
    etag: str
    def __init__(self, name: _Optional[str] = ..., overlap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RotateOAuthClientSecretResponse(_message.Message):
    __slots__ = ("oauth_client", "client_secret")
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    oauth_client: OAuthClient
    client_secret: str
    def __init__(self, oauth_client: _Optional[_Union[OAuthClient, _Mapping]] = ..., client_secret: _Optional[str] = ...) -> None: ...

class CreateInitialAccessTokenRequest(_message.Message):
    __slots__ = ("ttl", "max_uses")
    TTL_FIELD_NUMBER: _ClassVar[int]
    MAX_USES_FIELD_NUMBER: _ClassVar[int]
    ttl: _duration_pb2.Duration
    max_uses: int
    def __init__(self, ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_uses: _Optional[int] = ...) -> None: ...

class CreateInitialAccessTokenResponse(_message.Message):
    __slots__ = ("token", "expire_time")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    token: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, token: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
