from google.protobuf import field_mask_pb2 as _field_mask_pb2
from openframe.api.v1 import tags_pb2 as _tags_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TagKeyCreated(_message.Message):
    __slots__ = ("tag_key",)
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    tag_key: _tags_pb2.TagKey
    def __init__(self, tag_key: _Optional[_Union[_tags_pb2.TagKey, _Mapping]] = ...) -> None: ...

class TagKeyUpdated(_message.Message):
    __slots__ = ("tag_key", "update_mask")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    tag_key: _tags_pb2.TagKey
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, tag_key: _Optional[_Union[_tags_pb2.TagKey, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class TagKeyDeleted(_message.Message):
    __slots__ = ("tag_key", "unassigned_count")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_COUNT_FIELD_NUMBER: _ClassVar[int]
    tag_key: _tags_pb2.TagKey
    unassigned_count: int
    def __init__(self, tag_key: _Optional[_Union[_tags_pb2.TagKey, _Mapping]] = ..., unassigned_count: _Optional[int] = ...) -> None: ...
