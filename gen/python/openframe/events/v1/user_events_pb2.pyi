import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.auth.v1 import invitations_pb2 as _invitations_pb2
from openframe.auth.v1 import tenants_pb2 as _tenants_pb2
from openframe.auth.v1 import users_pb2 as _users_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserCreationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_CREATION_METHOD_UNSPECIFIED: _ClassVar[UserCreationMethod]
    USER_CREATION_METHOD_TENANT_REGISTRATION: _ClassVar[UserCreationMethod]
    USER_CREATION_METHOD_DIRECT: _ClassVar[UserCreationMethod]
    USER_CREATION_METHOD_INVITATION: _ClassVar[UserCreationMethod]
    USER_CREATION_METHOD_SSO: _ClassVar[UserCreationMethod]
USER_CREATION_METHOD_UNSPECIFIED: UserCreationMethod
USER_CREATION_METHOD_TENANT_REGISTRATION: UserCreationMethod
USER_CREATION_METHOD_DIRECT: UserCreationMethod
USER_CREATION_METHOD_INVITATION: UserCreationMethod
USER_CREATION_METHOD_SSO: UserCreationMethod

class TenantCreated(_message.Message):
    __slots__ = ("tenant", "owner")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    tenant: _tenants_pb2.Tenant
    owner: _users_pb2.User
    def __init__(self, tenant: _Optional[_Union[_tenants_pb2.Tenant, _Mapping]] = ..., owner: _Optional[_Union[_users_pb2.User, _Mapping]] = ...) -> None: ...

class TenantUpdated(_message.Message):
    __slots__ = ("tenant", "update_mask")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    tenant: _tenants_pb2.Tenant
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, tenant: _Optional[_Union[_tenants_pb2.Tenant, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class TenantStatusChanged(_message.Message):
    __slots__ = ("tenant", "previous_status", "status", "reason")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tenant: _tenants_pb2.Tenant
    previous_status: _tenants_pb2.TenantStatus
    status: _tenants_pb2.TenantStatus
    reason: str
    def __init__(self, tenant: _Optional[_Union[_tenants_pb2.Tenant, _Mapping]] = ..., previous_status: _Optional[_Union[_tenants_pb2.TenantStatus, str]] = ..., status: _Optional[_Union[_tenants_pb2.TenantStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class UserCreated(_message.Message):
    __slots__ = ("user", "method")
    USER_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    user: _users_pb2.User
    method: UserCreationMethod
    def __init__(self, user: _Optional[_Union[_users_pb2.User, _Mapping]] = ..., method: _Optional[_Union[UserCreationMethod, str]] = ...) -> None: ...

class UserUpdated(_message.Message):
    __slots__ = ("user", "update_mask")
    USER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    user: _users_pb2.User
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, user: _Optional[_Union[_users_pb2.User, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UserRoleChanged(_message.Message):
    __slots__ = ("user", "previous_role", "role")
    USER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ROLE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    user: _users_pb2.User
    previous_role: _users_pb2.UserRole
    role: _users_pb2.UserRole
    def __init__(self, user: _Optional[_Union[_users_pb2.User, _Mapping]] = ..., previous_role: _Optional[_Union[_users_pb2.UserRole, str]] = ..., role: _Optional[_Union[_users_pb2.UserRole, str]] = ...) -> None: ...

class UserStatusChanged(_message.Message):
    __slots__ = ("user", "previous_status", "status")
    USER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    user: _users_pb2.User
    previous_status: _users_pb2.UserStatus
    status: _users_pb2.UserStatus
    def __init__(self, user: _Optional[_Union[_users_pb2.User, _Mapping]] = ..., previous_status: _Optional[_Union[_users_pb2.UserStatus, str]] = ..., status: _Optional[_Union[_users_pb2.UserStatus, str]] = ...) -> None: ...

class UserDeleted(_message.Message):
    __slots__ = ("user", "email")
    USER_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    user: str
    email: str
    def __init__(self, user: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class OwnershipTransferred(_message.Message):
    __slots__ = ("previous_owner", "new_owner")
    PREVIOUS_OWNER_FIELD_NUMBER: _ClassVar[int]
    NEW_OWNER_FIELD_NUMBER: _ClassVar[int]
    previous_owner: str
    new_owner: str
    def __init__(self, previous_owner: _Optional[str] = ..., new_owner: _Optional[str] = ...) -> None: ...

class InvitationSent(_message.Message):
    __slots__ = ("invitation", "resend")
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    RESEND_FIELD_NUMBER: _ClassVar[int]
    invitation: _invitations_pb2.Invitation
    resend: bool
    def __init__(self, invitation: _Optional[_Union[_invitations_pb2.Invitation, _Mapping]] = ..., resend: _Optional[bool] = ...) -> None: ...

class InvitationAccepted(_message.Message):
    __slots__ = ("invitation", "user")
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    invitation: _invitations_pb2.Invitation
    user: str
    def __init__(self, invitation: _Optional[_Union[_invitations_pb2.Invitation, _Mapping]] = ..., user: _Optional[str] = ...) -> None: ...

class InvitationRevoked(_message.Message):
    __slots__ = ("invitation",)
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    invitation: _invitations_pb2.Invitation
    def __init__(self, invitation: _Optional[_Union[_invitations_pb2.Invitation, _Mapping]] = ...) -> None: ...

class PasswordResetRequested(_message.Message):
    __slots__ = ("user", "expire_time", "ip_address")
    USER_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    user: str
    expire_time: _timestamp_pb2.Timestamp
    ip_address: str
    def __init__(self, user: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ip_address: _Optional[str] = ...) -> None: ...

class PasswordResetCompleted(_message.Message):
    __slots__ = ("user", "ip_address")
    USER_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    user: str
    ip_address: str
    def __init__(self, user: _Optional[str] = ..., ip_address: _Optional[str] = ...) -> None: ...

class PasswordChanged(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: str
    def __init__(self, user: _Optional[str] = ...) -> None: ...

class EmailVerified(_message.Message):
    __slots__ = ("user", "email")
    USER_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    user: str
    email: str
    def __init__(self, user: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...
