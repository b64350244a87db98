import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.auth.v1 import oauth_clients_pb2 as _oauth_clients_pb2
from openframe.auth.v1 import signing_keys_pb2 as _signing_keys_pb2
from openframe.auth.v1 import sso_providers_pb2 as _sso_providers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoginMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOGIN_METHOD_UNSPECIFIED: _ClassVar[LoginMethod]
    LOGIN_METHOD_PASSWORD: _ClassVar[LoginMethod]
    LOGIN_METHOD_SSO: _ClassVar[LoginMethod]

class LoginFailureReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOGIN_FAILURE_REASON_UNSPECIFIED: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_INVALID_CREDENTIALS: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_ACCOUNT_DISABLED: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_ACCOUNT_LOCKED: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_TENANT_INACTIVE: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_RATE_LIMITED: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_SSO_ERROR: _ClassVar[LoginFailureReason]
    LOGIN_FAILURE_REASON_EMAIL_NOT_VERIFIED: _ClassVar[LoginFailureReason]

class TokenRevocationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOKEN_REVOCATION_REASON_UNSPECIFIED: _ClassVar[TokenRevocationReason]
    TOKEN_REVOCATION_REASON_CLIENT_REQUEST: _ClassVar[TokenRevocationReason]
    TOKEN_REVOCATION_REASON_REFRESH_TOKEN_REUSE: _ClassVar[TokenRevocationReason]
    TOKEN_REVOCATION_REASON_LOGOUT: _ClassVar[TokenRevocationReason]
    TOKEN_REVOCATION_REASON_USER_CHANGED: _ClassVar[TokenRevocationReason]
    TOKEN_REVOCATION_REASON_CLIENT_CHANGED: _ClassVar[TokenRevocationReason]
LOGIN_METHOD_UNSPECIFIED: LoginMethod
LOGIN_METHOD_PASSWORD: LoginMethod
LOGIN_METHOD_SSO: LoginMethod
LOGIN_FAILURE_REASON_UNSPECIFIED: LoginFailureReason
LOGIN_FAILURE_REASON_INVALID_CREDENTIALS: LoginFailureReason
LOGIN_FAILURE_REASON_ACCOUNT_DISABLED: LoginFailureReason
LOGIN_FAILURE_REASON_ACCOUNT_LOCKED: LoginFailureReason
LOGIN_FAILURE_REASON_TENANT_INACTIVE: LoginFailureReason
LOGIN_FAILURE_REASON_RATE_LIMITED: LoginFailureReason
LOGIN_FAILURE_REASON_SSO_ERROR: LoginFailureReason
LOGIN_FAILURE_REASON_EMAIL_NOT_VERIFIED: LoginFailureReason
TOKEN_REVOCATION_REASON_UNSPECIFIED: TokenRevocationReason
TOKEN_REVOCATION_REASON_CLIENT_REQUEST: TokenRevocationReason
TOKEN_REVOCATION_REASON_REFRESH_TOKEN_REUSE: TokenRevocationReason
TOKEN_REVOCATION_REASON_LOGOUT: TokenRevocationReason
TOKEN_REVOCATION_REASON_USER_CHANGED: TokenRevocationReason
TOKEN_REVOCATION_REASON_CLIENT_CHANGED: TokenRevocationReason

class LoginSucceeded(_message.Message):
    __slots__ = ("user", "method", "sso_provider", "client_id", "ip_address", "user_agent")
    USER_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    user: str
    method: LoginMethod
    sso_provider: str
    client_id: str
    ip_address: str
    user_agent: str
    def __init__(self, user: _Optional[str] = ..., method: _Optional[_Union[LoginMethod, str]] = ..., sso_provider: _Optional[str] = ..., client_id: _Optional[str] = ..., ip_address: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class LoginFailed(_message.Message):
    __slots__ = ("email", "user", "reason", "method", "ip_address", "user_agent", "consecutive_failures")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    email: str
    user: str
    reason: LoginFailureReason
    method: LoginMethod
    ip_address: str
    user_agent: str
    consecutive_failures: int
    def __init__(self, email: _Optional[str] = ..., user: _Optional[str] = ..., reason: _Optional[_Union[LoginFailureReason, str]] = ..., method: _Optional[_Union[LoginMethod, str]] = ..., ip_address: _Optional[str] = ..., user_agent: _Optional[str] = ..., consecutive_failures: _Optional[int] = ...) -> None: ...

class TokenIssued(_message.Message):
    __slots__ = ("client_id", "subject", "grant_type", "scopes", "audiences", "jti", "kid", "expire_time", "refresh_token_issued")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    GRANT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    AUDIENCES_FIELD_NUMBER: _ClassVar[int]
    JTI_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_ISSUED_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    subject: str
    grant_type: _oauth_clients_pb2.GrantType
    scopes: _containers.RepeatedScalarFieldContainer[str]
    audiences: _containers.RepeatedScalarFieldContainer[str]
    jti: str
    kid: str
    expire_time: _timestamp_pb2.Timestamp
    refresh_token_issued: bool
    def __init__(self, client_id: _Optional[str] = ..., subject: _Optional[str] = ..., grant_type: _Optional[_Union[_oauth_clients_pb2.GrantType, str]] = ..., scopes: _Optional[_Iterable[str]] = ..., audiences: _Optional[_Iterable[str]] = ..., jti: _Optional[str] = ..., kid: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token_issued: _Optional[bool] = ...) -> None: ...

class TokenRevoked(_message.Message):
    __slots__ = ("client_id", "subject", "reason", "family_id", "revoked_count")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FAMILY_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    subject: str
    reason: TokenRevocationReason
    family_id: str
    revoked_count: int
    def __init__(self, client_id: _Optional[str] = ..., subject: _Optional[str] = ..., reason: _Optional[_Union[TokenRevocationReason, str]] = ..., family_id: _Optional[str] = ..., revoked_count: _Optional[int] = ...) -> None: ...

class SigningKeyRotated(_message.Message):
    __slots__ = ("signing_key", "previous_signing_key")
    SIGNING_KEY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SIGNING_KEY_FIELD_NUMBER: _ClassVar[int]
    signing_key: _signing_keys_pb2.SigningKey
    previous_signing_key: _signing_keys_pb2.SigningKey
    def __init__(self, signing_key: _Optional[_Union[_signing_keys_pb2.SigningKey, _Mapping]] = ..., previous_signing_key: _Optional[_Union[_signing_keys_pb2.SigningKey, _Mapping]] = ...) -> None: ...

class OAuthClientCreated(_message.Message):
    __slots__ = ("oauth_client",)
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    oauth_client: _oauth_clients_pb2.OAuthClient
    def __init__(self, oauth_client: _Optional[_Union[_oauth_clients_pb2.OAuthClient, _Mapping]] = ...) -> None: ...

class OAuthClientUpdated(_message.Message):
    __slots__ = ("oauth_client", "update_mask")
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    oauth_client: _oauth_clients_pb2.OAuthClient
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, oauth_client: _Optional[_Union[_oauth_clients_pb2.OAuthClient, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class OAuthClientDeleted(_message.Message):
    __slots__ = ("oauth_client", "client_id")
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    oauth_client: str
    client_id: str
    def __init__(self, oauth_client: _Optional[str] = ..., client_id: _Optional[str] = ...) -> None: ...

class OAuthClientSecretRotated(_message.Message):
    __slots__ = ("oauth_client", "previous_secret_expire_time")
    OAUTH_CLIENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    oauth_client: _oauth_clients_pb2.OAuthClient
    previous_secret_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, oauth_client: _Optional[_Union[_oauth_clients_pb2.OAuthClient, _Mapping]] = ..., previous_secret_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SsoProviderCreated(_message.Message):
    __slots__ = ("sso_provider",)
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    sso_provider: _sso_providers_pb2.SsoProvider
    def __init__(self, sso_provider: _Optional[_Union[_sso_providers_pb2.SsoProvider, _Mapping]] = ...) -> None: ...

class SsoProviderUpdated(_message.Message):
    __slots__ = ("sso_provider", "update_mask")
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    sso_provider: _sso_providers_pb2.SsoProvider
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, sso_provider: _Optional[_Union[_sso_providers_pb2.SsoProvider, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class SsoProviderDeleted(_message.Message):
    __slots__ = ("sso_provider", "unlinked_identity_count")
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    UNLINKED_IDENTITY_COUNT_FIELD_NUMBER: _ClassVar[int]
    sso_provider: str
    unlinked_identity_count: int
    def __init__(self, sso_provider: _Optional[str] = ..., unlinked_identity_count: _Optional[int] = ...) -> None: ...
