from google.protobuf import field_mask_pb2 as _field_mask_pb2
from openframe.api.v1 import events_pb2 as _events_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventRecordCreated(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.Event
    def __init__(self, event: _Optional[_Union[_events_pb2.Event, _Mapping]] = ...) -> None: ...

class EventRecordUpdated(_message.Message):
    __slots__ = ("event", "update_mask", "previous_status")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.Event
    update_mask: _field_mask_pb2.FieldMask
    previous_status: _events_pb2.EventStatus
    def __init__(self, event: _Optional[_Union[_events_pb2.Event, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., previous_status: _Optional[_Union[_events_pb2.EventStatus, str]] = ...) -> None: ...
