from google.protobuf import field_mask_pb2 as _field_mask_pb2
from openframe.api.v1 import organizations_pb2 as _organizations_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrganizationCreated(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: _organizations_pb2.Organization
    def __init__(self, organization: _Optional[_Union[_organizations_pb2.Organization, _Mapping]] = ...) -> None: ...

class OrganizationUpdated(_message.Message):
    __slots__ = ("organization", "update_mask")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    organization: _organizations_pb2.Organization
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, organization: _Optional[_Union[_organizations_pb2.Organization, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class OrganizationArchived(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: _organizations_pb2.Organization
    def __init__(self, organization: _Optional[_Union[_organizations_pb2.Organization, _Mapping]] = ...) -> None: ...

class OrganizationUnarchived(_message.Message):
    __slots__ = ("organization",)
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    organization: _organizations_pb2.Organization
    def __init__(self, organization: _Optional[_Union[_organizations_pb2.Organization, _Mapping]] = ...) -> None: ...
