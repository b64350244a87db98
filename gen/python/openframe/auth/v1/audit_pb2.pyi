import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openframe.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuditEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_EVENT_TYPE_UNSPECIFIED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_LOGIN: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_LOGOUT: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_TOKEN_ISSUED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_TOKEN_REVOKED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_REFRESH_TOKEN_REUSED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_USER_CREATED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_USER_UPDATED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_USER_ROLE_CHANGED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_USER_STATUS_CHANGED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_USER_DELETED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_OWNERSHIP_TRANSFERRED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_INVITATION_SENT: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_INVITATION_ACCEPTED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_INVITATION_REVOKED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_PASSWORD_RESET_REQUESTED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_PASSWORD_RESET_COMPLETED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_PASSWORD_CHANGED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_EMAIL_VERIFIED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_OAUTH_CLIENT_SECRET_ROTATED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_SSO_PROVIDER_CHANGED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_TENANT_CHANGED: _ClassVar[AuditEventType]
    AUDIT_EVENT_TYPE_ACCOUNT_LOCKED: _ClassVar[AuditEventType]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_SUCCESS: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILURE: _ClassVar[AuditOutcome]
AUDIT_EVENT_TYPE_UNSPECIFIED: AuditEventType
AUDIT_EVENT_TYPE_LOGIN: AuditEventType
AUDIT_EVENT_TYPE_LOGOUT: AuditEventType
AUDIT_EVENT_TYPE_TOKEN_ISSUED: AuditEventType
AUDIT_EVENT_TYPE_TOKEN_REVOKED: AuditEventType
AUDIT_EVENT_TYPE_REFRESH_TOKEN_REUSED: AuditEventType
AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED: AuditEventType
AUDIT_EVENT_TYPE_USER_CREATED: AuditEventType
AUDIT_EVENT_TYPE_USER_UPDATED: AuditEventType
AUDIT_EVENT_TYPE_USER_ROLE_CHANGED: AuditEventType
AUDIT_EVENT_TYPE_USER_STATUS_CHANGED: AuditEventType
AUDIT_EVENT_TYPE_USER_DELETED: AuditEventType
AUDIT_EVENT_TYPE_OWNERSHIP_TRANSFERRED: AuditEventType
AUDIT_EVENT_TYPE_INVITATION_SENT: AuditEventType
AUDIT_EVENT_TYPE_INVITATION_ACCEPTED: AuditEventType
AUDIT_EVENT_TYPE_INVITATION_REVOKED: AuditEventType
AUDIT_EVENT_TYPE_PASSWORD_RESET_REQUESTED: AuditEventType
AUDIT_EVENT_TYPE_PASSWORD_RESET_COMPLETED: AuditEventType
AUDIT_EVENT_TYPE_PASSWORD_CHANGED: AuditEventType
AUDIT_EVENT_TYPE_EMAIL_VERIFIED: AuditEventType
AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED: AuditEventType
AUDIT_EVENT_TYPE_OAUTH_CLIENT_SECRET_ROTATED: AuditEventType
AUDIT_EVENT_TYPE_SSO_PROVIDER_CHANGED: AuditEventType
AUDIT_EVENT_TYPE_TENANT_CHANGED: AuditEventType
AUDIT_EVENT_TYPE_ACCOUNT_LOCKED: AuditEventType
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_SUCCESS: AuditOutcome
AUDIT_OUTCOME_FAILURE: AuditOutcome

class AuditEvent(_message.Message):
    __slots__ = ("name", "type", "outcome", "actor", "target", "client_id", "ip_address", "user_agent", "failure_reason", "details", "request_id", "event_time")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: AuditEventType
    outcome: AuditOutcome
    actor: _common_pb2.Actor
    target: str
    client_id: str
    ip_address: str
    user_agent: str
    failure_reason: str
    details: _containers.ScalarMap[str, str]
    request_id: str
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[AuditEventType, str]] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., target: _Optional[str] = ..., client_id: _Optional[str] = ..., ip_address: _Optional[str] = ..., user_agent: _Optional[str] = ..., failure_reason: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "types", "outcome", "actor_id", "target", "ip_address", "start_time", "end_time")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    types: _containers.RepeatedScalarFieldContainer[AuditEventType]
    outcome: AuditOutcome
    actor_id: str
    target: str
    ip_address: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., types: _Optional[_Iterable[_Union[AuditEventType, str]]] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., actor_id: _Optional[str] = ..., target: _Optional[str] = ..., ip_address: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditEventsResponse(_message.Message):
    __slots__ = ("audit_events", "next_page_token")
    AUDIT_EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    audit_events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    next_page_token: str
    def __init__(self, audit_events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAuditEventRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetAuditEventResponse(_message.Message):
    __slots__ = ("audit_event",)
    AUDIT_EVENT_FIELD_NUMBER: _ClassVar[int]
    audit_event: AuditEvent
    def __init__(self, audit_event: _Optional[_Union[AuditEvent, _Mapping]] = ...) -> None: ...
