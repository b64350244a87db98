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

class FeatureFlagTenantState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEATURE_FLAG_TENANT_STATE_UNSPECIFIED: _ClassVar[FeatureFlagTenantState]
    FEATURE_FLAG_TENANT_STATE_INHERIT: _ClassVar[FeatureFlagTenantState]
    FEATURE_FLAG_TENANT_STATE_ENABLED: _ClassVar[FeatureFlagTenantState]
    FEATURE_FLAG_TENANT_STATE_DISABLED: _ClassVar[FeatureFlagTenantState]
FEATURE_FLAG_TENANT_STATE_UNSPECIFIED: FeatureFlagTenantState
FEATURE_FLAG_TENANT_STATE_INHERIT: FeatureFlagTenantState
FEATURE_FLAG_TENANT_STATE_ENABLED: FeatureFlagTenantState
FEATURE_FLAG_TENANT_STATE_DISABLED: FeatureFlagTenantState

class FeatureFlag(_message.Message):
    __slots__ = ("name", "description", "default_enabled", "enabled_tenant_count", "disabled_tenant_count", "revision", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_ENABLED_FIELD_NUMBER: _ClassVar[int]
    ENABLED_TENANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DISABLED_TENANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    default_enabled: bool
    enabled_tenant_count: int
    disabled_tenant_count: int
    revision: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., default_enabled: _Optional[bool] = ..., enabled_tenant_count: _Optional[int] = ..., disabled_tenant_count: _Optional[int] = ..., revision: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class FeatureFlagTenantEntry(_message.Message):
    __slots__ = ("tenant_id", "state", "update_time")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    state: FeatureFlagTenantState
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, tenant_id: _Optional[str] = ..., state: _Optional[_Union[FeatureFlagTenantState, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeatureFlagEvaluation(_message.Message):
    __slots__ = ("flag", "enabled", "tenant_override")
    FLAG_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    TENANT_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    flag: str
    enabled: bool
    tenant_override: bool
    def __init__(self, flag: _Optional[str] = ..., enabled: _Optional[bool] = ..., tenant_override: _Optional[bool] = ...) -> None: ...

class CreateFeatureFlagRequest(_message.Message):
    __slots__ = ("flag_key", "feature_flag")
    FLAG_KEY_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FLAG_FIELD_NUMBER: _ClassVar[int]
    flag_key: str
    feature_flag: FeatureFlag
    def __init__(self, flag_key: _Optional[str] = ..., feature_flag: _Optional[_Union[FeatureFlag, _Mapping]] = ...) -> None: ...

class CreateFeatureFlagResponse(_message.Message):
    __slots__ = ("feature_flag",)
    FEATURE_FLAG_FIELD_NUMBER: _ClassVar[int]
    feature_flag: FeatureFlag
    def __init__(self, feature_flag: _Optional[_Union[FeatureFlag, _Mapping]] = ...) -> None: ...

class GetFeatureFlagRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetFeatureFlagResponse(_message.Message):
    __slots__ = ("feature_flag",)
    FEATURE_FLAG_FIELD_NUMBER: _ClassVar[int]
    feature_flag: FeatureFlag
    def __init__(self, feature_flag: _Optional[_Union[FeatureFlag, _Mapping]] = ...) -> None: ...

class ListFeatureFlagsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "key_prefix")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    key_prefix: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class ListFeatureFlagsResponse(_message.Message):
    __slots__ = ("feature_flags", "next_page_token")
    FEATURE_FLAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    feature_flags: _containers.RepeatedCompositeFieldContainer[FeatureFlag]
    next_page_token: str
    def __init__(self, feature_flags: _Optional[_Iterable[_Union[FeatureFlag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateFeatureFlagRequest(_message.Message):
    __slots__ = ("feature_flag", "update_mask")
    FEATURE_FLAG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    feature_flag: FeatureFlag
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, feature_flag: _Optional[_Union[FeatureFlag, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateFeatureFlagResponse(_message.Message):
    __slots__ = ("feature_flag",)
    FEATURE_FLAG_FIELD_NUMBER: _ClassVar[int]
    feature_flag: FeatureFlag
    def __init__(self, feature_flag: _Optional[_Union[FeatureFlag, _Mapping]] = ...) -> None: ...

class DeleteFeatureFlagRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteFeatureFlagResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetFeatureFlagTenantStateRequest(_message.Message):
    __slots__ = ("name", "tenant_id", "state")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    tenant_id: str
    state: FeatureFlagTenantState
    def __init__(self, name: _Optional[str] = ..., tenant_id: _Optional[str] = ..., state: _Optional[_Union[FeatureFlagTenantState, str]] = ...) -> None: ...

class SetFeatureFlagTenantStateResponse(_message.Message):
    __slots__ = ("evaluation",)
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    evaluation: FeatureFlagEvaluation
    def __init__(self, evaluation: _Optional[_Union[FeatureFlagEvaluation, _Mapping]] = ...) -> None: ...

class ListFeatureFlagTenantStatesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFeatureFlagTenantStatesResponse(_message.Message):
    __slots__ = ("tenant_states", "next_page_token")
    TENANT_STATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_states: _containers.RepeatedCompositeFieldContainer[FeatureFlagTenantEntry]
    next_page_token: str
    def __init__(self, tenant_states: _Optional[_Iterable[_Union[FeatureFlagTenantEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EvaluateFeatureFlagsRequest(_message.Message):
    __slots__ = ("tenant_id", "flags")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant_id: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ...) -> None: ...

class EvaluateFeatureFlagsResponse(_message.Message):
    __slots__ = ("evaluations", "revision")
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    evaluations: _containers.RepeatedCompositeFieldContainer[FeatureFlagEvaluation]
    revision: int
    def __init__(self, evaluations: _Optional[_Iterable[_Union[FeatureFlagEvaluation, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...
