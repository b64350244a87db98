import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.auth.v1 import users_pb2 as _users_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SsoProviderPreset(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SSO_PROVIDER_PRESET_UNSPECIFIED: _ClassVar[SsoProviderPreset]
    SSO_PROVIDER_PRESET_GOOGLE: _ClassVar[SsoProviderPreset]
    SSO_PROVIDER_PRESET_MICROSOFT: _ClassVar[SsoProviderPreset]
    SSO_PROVIDER_PRESET_GENERIC_OIDC: _ClassVar[SsoProviderPreset]
SSO_PROVIDER_PRESET_UNSPECIFIED: SsoProviderPreset
SSO_PROVIDER_PRESET_GOOGLE: SsoProviderPreset
SSO_PROVIDER_PRESET_MICROSOFT: SsoProviderPreset
SSO_PROVIDER_PRESET_GENERIC_OIDC: SsoProviderPreset

class SsoProvider(_message.Message):
    __slots__ = ("name", "display_name", "preset", "issuer_uri", "microsoft_tenant", "client_id", "client_secret", "client_secret_set", "scopes", "enabled", "allowed_email_domains", "auto_provision", "auto_provision_role", "redirect_uri", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PRESET_FIELD_NUMBER: _ClassVar[int]
    ISSUER_URI_FIELD_NUMBER: _ClassVar[int]
    MICROSOFT_TENANT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_SET_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_EMAIL_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    AUTO_PROVISION_FIELD_NUMBER: _ClassVar[int]
    AUTO_PROVISION_ROLE_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    preset: SsoProviderPreset
    issuer_uri: str
    microsoft_tenant: str
    client_id: str
    client_secret: str
    client_secret_set: bool
    scopes: _containers.RepeatedScalarFieldContainer[str]
    enabled: bool
    allowed_email_domains: _containers.RepeatedScalarFieldContainer[str]
    auto_provision: bool
    auto_provision_role: _users_pb2.UserRole
    redirect_uri: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., preset: _Optional[_Union[SsoProviderPreset, str]] = ..., issuer_uri: _Optional[str] = ..., microsoft_tenant: _Optional[str] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., client_secret_set: _Optional[bool] = ..., scopes: _Optional[_Iterable[str]] = ..., enabled: _Optional[bool] = ..., allowed_email_domains: _Optional[_Iterable[str]] = ..., auto_provision: _Optional[bool] = ..., auto_provision_role: _Optional[_Union[_users_pb2.UserRole, str]] = ..., redirect_uri: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CreateSsoProviderRequest(_message.Message):
    __slots__ = ("sso_provider",)
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    sso_provider: SsoProvider
    def __init__(self, sso_provider: _Optional[_Union[SsoProvider, _Mapping]] = ...) -> None: ...

class CreateSsoProviderResponse(_message.Message):
    __slots__ = ("sso_provider",)
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    sso_provider: SsoProvider
    def __init__(self, sso_provider: _Optional[_Union[SsoProvider, _Mapping]] = ...) -> None: ...

class GetSsoProviderRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSsoProviderResponse(_message.Message):
    __slots__ = ("sso_provider",)
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    sso_provider: SsoProvider
    def __init__(self, sso_provider: _Optional[_Union[SsoProvider, _Mapping]] = ...) -> None: ...

class ListSsoProvidersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "enabled_only")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENABLED_ONLY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    enabled_only: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., enabled_only: _Optional[bool] = ...) -> None: ...

class ListSsoProvidersResponse(_message.Message):
    __slots__ = ("sso_providers", "next_page_token")
    SSO_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sso_providers: _containers.RepeatedCompositeFieldContainer[SsoProvider]
    next_page_token: str
    def __init__(self, sso_providers: _Optional[_Iterable[_Union[SsoProvider, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSsoProviderRequest(_message.Message):
    __slots__ = ("sso_provider", "update_mask")
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    sso_provider: SsoProvider
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, sso_provider: _Optional[_Union[SsoProvider, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateSsoProviderResponse(_message.Message):
    __slots__ = ("sso_provider",)
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    sso_provider: SsoProvider
    def __init__(self, sso_provider: _Optional[_Union[SsoProvider, _Mapping]] = ...) -> None: ...

class DeleteSsoProviderRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteSsoProviderResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetSsoProviderEnabledRequest(_message.Message):
    __slots__ = ("name", "enabled", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    etag: str
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., etag: _Optional[str] = ...) -> None: ...

class SetSsoProviderEnabledResponse(_message.Message):
    __slots__ = ("sso_provider",)
    SSO_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    sso_provider: SsoProvider
    def __init__(self, sso_provider: _Optional[_Union[SsoProvider, _Mapping]] = ...) -> None: ...
