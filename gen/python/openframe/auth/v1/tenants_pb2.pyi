import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.auth.v1 import users_pb2 as _users_pb2
from openframe.common.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TenantStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TENANT_STATUS_UNSPECIFIED: _ClassVar[TenantStatus]
    TENANT_STATUS_ACTIVE: _ClassVar[TenantStatus]
    TENANT_STATUS_SUSPENDED: _ClassVar[TenantStatus]
    TENANT_STATUS_DELETED: _ClassVar[TenantStatus]
TENANT_STATUS_UNSPECIFIED: TenantStatus
TENANT_STATUS_ACTIVE: TenantStatus
TENANT_STATUS_SUSPENDED: TenantStatus
TENANT_STATUS_DELETED: TenantStatus

class Tenant(_message.Message):
    __slots__ = ("name", "display_name", "email_domains", "status", "status_reason", "owner", "issuer_uri", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    ISSUER_URI_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    email_domains: _containers.RepeatedScalarFieldContainer[str]
    status: TenantStatus
    status_reason: str
    owner: str
    issuer_uri: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., email_domains: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[TenantStatus, str]] = ..., status_reason: _Optional[str] = ..., owner: _Optional[str] = ..., issuer_uri: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class TenantSummary(_message.Message):
    __slots__ = ("name", "display_name", "issuer_uri", "sso_enabled")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_URI_FIELD_NUMBER: _ClassVar[int]
    SSO_ENABLED_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    issuer_uri: str
    sso_enabled: bool
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., issuer_uri: _Optional[str] = ..., sso_enabled: _Optional[bool] = ...) -> None: ...

class RegisterTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "display_name", "owner_email", "owner_password", "owner_display_name")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    OWNER_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    OWNER_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    display_name: str
    owner_email: str
    owner_password: str
    owner_display_name: str
    def __init__(self, tenant_id: _Optional[str] = ..., display_name: _Optional[str] = ..., owner_email: _Optional[str] = ..., owner_password: _Optional[str] = ..., owner_display_name: _Optional[str] = ...) -> None: ...

class RegisterTenantResponse(_message.Message):
    __slots__ = ("tenant", "owner")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    owner: _users_pb2.User
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ..., owner: _Optional[_Union[_users_pb2.User, _Mapping]] = ...) -> None: ...

class DiscoverTenantsRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class DiscoverTenantsResponse(_message.Message):
    __slots__ = ("tenants", "email_domain_claimed")
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    EMAIL_DOMAIN_CLAIMED_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[TenantSummary]
    email_domain_claimed: bool
    def __init__(self, tenants: _Optional[_Iterable[_Union[TenantSummary, _Mapping]]] = ..., email_domain_claimed: _Optional[bool] = ...) -> None: ...

class CheckTenantAvailabilityRequest(_message.Message):
    __slots__ = ("tenant_id", "email_domain")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    email_domain: str
    def __init__(self, tenant_id: _Optional[str] = ..., email_domain: _Optional[str] = ...) -> None: ...

class CheckTenantAvailabilityResponse(_message.Message):
    __slots__ = ("tenant_id_available", "email_domain_available")
    TENANT_ID_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_DOMAIN_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    tenant_id_available: bool
    email_domain_available: bool
    def __init__(self, tenant_id_available: _Optional[bool] = ..., email_domain_available: _Optional[bool] = ...) -> None: ...

class GetTenantRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetTenantResponse(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "search")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: TenantStatus
    search: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[TenantStatus, str]] = ..., search: _Optional[str] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ("tenants", "next_page_token")
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[Tenant]
    next_page_token: str
    def __init__(self, tenants: _Optional[_Iterable[_Union[Tenant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTenantRequest(_message.Message):
    __slots__ = ("tenant", "update_mask")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateTenantResponse(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class SetTenantStatusRequest(_message.Message):
    __slots__ = ("name", "status", "reason", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: TenantStatus
    reason: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[TenantStatus, str]] = ..., reason: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class SetTenantStatusResponse(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...
