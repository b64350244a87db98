import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobRunTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_RUN_TRIGGER_UNSPECIFIED: _ClassVar[JobRunTrigger]
    JOB_RUN_TRIGGER_SCHEDULE: _ClassVar[JobRunTrigger]
    JOB_RUN_TRIGGER_MANUAL: _ClassVar[JobRunTrigger]

class JobRunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_RUN_STATUS_UNSPECIFIED: _ClassVar[JobRunStatus]
    JOB_RUN_STATUS_RUNNING: _ClassVar[JobRunStatus]
    JOB_RUN_STATUS_SUCCEEDED: _ClassVar[JobRunStatus]
    JOB_RUN_STATUS_FAILED: _ClassVar[JobRunStatus]
    JOB_RUN_STATUS_ABANDONED: _ClassVar[JobRunStatus]
JOB_RUN_TRIGGER_UNSPECIFIED: JobRunTrigger
JOB_RUN_TRIGGER_SCHEDULE: JobRunTrigger
JOB_RUN_TRIGGER_MANUAL: JobRunTrigger
JOB_RUN_STATUS_UNSPECIFIED: JobRunStatus
JOB_RUN_STATUS_RUNNING: JobRunStatus
JOB_RUN_STATUS_SUCCEEDED: JobRunStatus
JOB_RUN_STATUS_FAILED: JobRunStatus
JOB_RUN_STATUS_ABANDONED: JobRunStatus

class ScheduledJob(_message.Message):
    __slots__ = ("name", "description", "service", "interval", "cron", "lock_ttl", "paused", "lock", "last_run", "last_success_time", "next_run_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    CRON_FIELD_NUMBER: _ClassVar[int]
    LOCK_TTL_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    LOCK_FIELD_NUMBER: _ClassVar[int]
    LAST_RUN_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    service: str
    interval: _duration_pb2.Duration
    cron: str
    lock_ttl: _duration_pb2.Duration
    paused: bool
    lock: JobLock
    last_run: JobRun
    last_success_time: _timestamp_pb2.Timestamp
    next_run_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., service: _Optional[str] = ..., interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cron: _Optional[str] = ..., lock_ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., paused: _Optional[bool] = ..., lock: _Optional[_Union[JobLock, _Mapping]] = ..., last_run: _Optional[_Union[JobRun, _Mapping]] = ..., last_success_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_run_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class JobLock(_message.Message):
    __slots__ = ("holder", "acquire_time", "expire_time")
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    ACQUIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    holder: str
    acquire_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, holder: _Optional[str] = ..., acquire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JobRun(_message.Message):
    __slots__ = ("name", "trigger", "status", "instance", "start_time", "end_time", "processed_count", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    trigger: JobRunTrigger
    status: JobRunStatus
    instance: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    processed_count: int
    message: str
    def __init__(self, name: _Optional[str] = ..., trigger: _Optional[_Union[JobRunTrigger, str]] = ..., status: _Optional[_Union[JobRunStatus, str]] = ..., instance: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., processed_count: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ListScheduledJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "service")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    service: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., service: _Optional[str] = ...) -> None: ...

class ListScheduledJobsResponse(_message.Message):
    __slots__ = ("scheduled_jobs", "next_page_token")
    SCHEDULED_JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scheduled_jobs: _containers.RepeatedCompositeFieldContainer[ScheduledJob]
    next_page_token: str
    def __init__(self, scheduled_jobs: _Optional[_Iterable[_Union[ScheduledJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetScheduledJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetScheduledJobResponse(_message.Message):
    __slots__ = ("scheduled_job",)
    SCHEDULED_JOB_FIELD_NUMBER: _ClassVar[int]
    scheduled_job: ScheduledJob
    def __init__(self, scheduled_job: _Optional[_Union[ScheduledJob, _Mapping]] = ...) -> None: ...

class TriggerScheduledJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class TriggerScheduledJobResponse(_message.Message):
    __slots__ = ("accepted", "running")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    running: JobRun
    def __init__(self, accepted: _Optional[bool] = ..., running: _Optional[_Union[JobRun, _Mapping]] = ...) -> None: ...

class PauseScheduledJobRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class PauseScheduledJobResponse(_message.Message):
    __slots__ = ("scheduled_job",)
    SCHEDULED_JOB_FIELD_NUMBER: _ClassVar[int]
    scheduled_job: ScheduledJob
    def __init__(self, scheduled_job: _Optional[_Union[ScheduledJob, _Mapping]] = ...) -> None: ...

class ResumeScheduledJobRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ResumeScheduledJobResponse(_message.Message):
    __slots__ = ("scheduled_job",)
    SCHEDULED_JOB_FIELD_NUMBER: _ClassVar[int]
    scheduled_job: ScheduledJob
    def __init__(self, scheduled_job: _Optional[_Union[ScheduledJob, _Mapping]] = ...) -> None: ...

class ListJobRunsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "status")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    status: JobRunStatus
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[JobRunStatus, str]] = ...) -> None: ...

class ListJobRunsResponse(_message.Message):
    __slots__ = ("job_runs", "next_page_token")
    JOB_RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    job_runs: _containers.RepeatedCompositeFieldContainer[JobRun]
    next_page_token: str
    def __init__(self, job_runs: _Optional[_Iterable[_Union[JobRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
