import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TagEntityType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAG_ENTITY_TYPE_UNSPECIFIED: _ClassVar[TagEntityType]
    TAG_ENTITY_TYPE_DEVICE: _ClassVar[TagEntityType]
    TAG_ENTITY_TYPE_ORGANIZATION: _ClassVar[TagEntityType]
    TAG_ENTITY_TYPE_EVENT: _ClassVar[TagEntityType]
TAG_ENTITY_TYPE_UNSPECIFIED: TagEntityType
TAG_ENTITY_TYPE_DEVICE: TagEntityType
TAG_ENTITY_TYPE_ORGANIZATION: TagEntityType
TAG_ENTITY_TYPE_EVENT: TagEntityType

class Tag(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class TagValue(_message.Message):
    __slots__ = ("value", "color", "description")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    value: str
    color: str
    description: str
    def __init__(self, value: _Optional[str] = ..., color: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class TagKey(_message.Message):
    __slots__ = ("name", "key", "entity_type", "description", "color", "allowed_values", "restrict_values", "usage_count", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    RESTRICT_VALUES_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    key: str
    entity_type: TagEntityType
    description: str
    color: str
    allowed_values: _containers.RepeatedCompositeFieldContainer[TagValue]
    restrict_values: bool
    usage_count: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., key: _Optional[str] = ..., entity_type: _Optional[_Union[TagEntityType, str]] = ..., description: _Optional[str] = ..., color: _Optional[str] = ..., allowed_values: _Optional[_Iterable[_Union[TagValue, _Mapping]]] = ..., restrict_values: _Optional[bool] = ..., usage_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class TagFilter(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateTagKeyRequest(_message.Message):
    __slots__ = ("tag_key",)
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    tag_key: TagKey
    def __init__(self, tag_key: _Optional[_Union[TagKey, _Mapping]] = ...) -> None: ...

class CreateTagKeyResponse(_message.Message):
    __slots__ = ("tag_key",)
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    tag_key: TagKey
    def __init__(self, tag_key: _Optional[_Union[TagKey, _Mapping]] = ...) -> None: ...

class GetTagKeyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetTagKeyResponse(_message.Message):
    __slots__ = ("tag_key",)
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    tag_key: TagKey
    def __init__(self, tag_key: _Optional[_Union[TagKey, _Mapping]] = ...) -> None: ...

class ListTagKeysRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "entity_type", "search")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    entity_type: TagEntityType
    search: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., entity_type: _Optional[_Union[TagEntityType, str]] = ..., search: _Optional[str] = ...) -> None: ...

class ListTagKeysResponse(_message.Message):
    __slots__ = ("tag_keys", "next_page_token")
    TAG_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tag_keys: _containers.RepeatedCompositeFieldContainer[TagKey]
    next_page_token: str
    def __init__(self, tag_keys: _Optional[_Iterable[_Union[TagKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTagKeyRequest(_message.Message):
    __slots__ = ("tag_key", "update_mask")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    tag_key: TagKey
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, tag_key: _Optional[_Union[TagKey, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateTagKeyResponse(_message.Message):
    __slots__ = ("tag_key",)
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    tag_key: TagKey
    def __init__(self, tag_key: _Optional[_Union[TagKey, _Mapping]] = ...) -> None: ...

class DeleteTagKeyRequest(_message.Message):
    __slots__ = ("name", "etag", "force")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    force: bool
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class DeleteTagKeyResponse(_message.Message):
    __slots__ = ("unassigned_count",)
    UNASSIGNED_COUNT_FIELD_NUMBER: _ClassVar[int]
    unassigned_count: int
    def __init__(self, unassigned_count: _Optional[int] = ...) -> None: ...

class AssignTagsRequest(_message.Message):
    __slots__ = ("entity", "tags", "etag")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    entity: str
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    etag: str
    def __init__(self, entity: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., etag: _Optional[str] = ...) -> None: ...

class AssignTagsResponse(_message.Message):
    __slots__ = ("tags", "etag")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    etag: str
    def __init__(self, tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., etag: _Optional[str] = ...) -> None: ...

class UnassignTagsRequest(_message.Message):
    __slots__ = ("entity", "keys", "etag")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    entity: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    etag: str
    def __init__(self, entity: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ..., etag: _Optional[str] = ...) -> None: ...

class UnassignTagsResponse(_message.Message):
    __slots__ = ("tags", "etag")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[Tag]
    etag: str
    def __init__(self, tags: _Optional[_Iterable[_Union[Tag, _Mapping]]] = ..., etag: _Optional[str] = ...) -> None: ...

class SuggestTagKeysRequest(_message.Message):
    __slots__ = ("entity_type", "prefix", "limit")
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    entity_type: TagEntityType
    prefix: str
    limit: int
    def __init__(self, entity_type: _Optional[_Union[TagEntityType, str]] = ..., prefix: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class TagKeySuggestion(_message.Message):
    __slots__ = ("key", "tag_key", "color", "usage_count")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    tag_key: str
    color: str
    usage_count: int
    def __init__(self, key: _Optional[str] = ..., tag_key: _Optional[str] = ..., color: _Optional[str] = ..., usage_count: _Optional[int] = ...) -> None: ...

class SuggestTagKeysResponse(_message.Message):
    __slots__ = ("suggestions",)
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[TagKeySuggestion]
    def __init__(self, suggestions: _Optional[_Iterable[_Union[TagKeySuggestion, _Mapping]]] = ...) -> None: ...

class SuggestTagValuesRequest(_message.Message):
    __slots__ = ("entity_type", "key", "prefix", "limit")
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    entity_type: TagEntityType
    key: str
    prefix: str
    limit: int
    def __init__(self, entity_type: _Optional[_Union[TagEntityType, str]] = ..., key: _Optional[str] = ..., prefix: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class TagValueSuggestion(_message.Message):
    __slots__ = ("value", "color", "allowed", "usage_count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    color: str
    allowed: bool
    usage_count: int
    def __init__(self, value: _Optional[str] = ..., color: _Optional[str] = ..., allowed: _Optional[bool] = ..., usage_count: _Optional[int] = ...) -> None: ...

class SuggestTagValuesResponse(_message.Message):
    __slots__ = ("suggestions",)
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[TagValueSuggestion]
    def __init__(self, suggestions: _Optional[_Iterable[_Union[TagValueSuggestion, _Mapping]]] = ...) -> None: ...
