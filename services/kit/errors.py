"""Domain errors and their gRPC form.

Services raise these; the kit's interceptor turns them into a status code plus
``google.rpc`` details (BadRequest field violations, ErrorInfo with a stable reason,
RetryInfo), which Envoy's transcoder renders as the HTTP status and a JSON body.
Messages are written for the caller: no internals, no stack traces, no secrets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

ERROR_DOMAIN = "openframe.dev"


@dataclass(frozen=True)
class FieldViolation:
    field: str  # proto path of the offending field, e.g. "organization.contact_email"
    description: str


class DomainError(Exception):
    """Base of every error a caller may see. Subclasses fix the code and the reason."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    reason: str = "ERROR_REASON_UNSPECIFIED"  # an openframe.common.v1.ErrorReason name
    #: the HTTP status REST callers get when the transcoder's mapping of ``code`` is not it
    #: (gRPC has no 412): sent in ``x-openframe-http-status``, applied by the edge
    http_status: int | None = None

    def __init__(self, message: str, *, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata or {}

    def details(self) -> list[any_pb2.Any]:
        info = error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata)
        return [_pack(info)]

    def to_status(self) -> status_pb2.Status:
        return status_pb2.Status(code=_RPC_CODES[self.code], message=self.message, details=self.details())


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "ERROR_REASON_FIELD_INVALID"

    def __init__(self, violations: Iterable[FieldViolation], message: str | None = None) -> None:
        self.violations = list(violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(message or f"invalid request: {summary}")

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgument:
        return cls([FieldViolation(field, description)])

    def details(self) -> list[any_pb2.Any]:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in self.violations
            ]
        )
        return [_pack(bad), *super().details()]


class NotFound(DomainError):
    """Also what another tenant's resource looks like: the caller learns nothing more."""

    code = grpc.StatusCode.NOT_FOUND
    reason = "ERROR_REASON_RESOURCE_NOT_FOUND"

    def __init__(self, resource_name: str) -> None:
        super().__init__(f"{resource_name} not found", metadata={"resource": resource_name})


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS
    reason = "ERROR_REASON_RESOURCE_EXISTS"


class EtagMismatch(DomainError):
    code = grpc.StatusCode.ABORTED
    reason = "ERROR_REASON_ETAG_MISMATCH"

    def __init__(self, resource_name: str) -> None:
        super().__init__(
            f"{resource_name} was changed by someone else; re-read it and retry with the new etag",
            metadata={"resource": resource_name},
        )


class IfMatchFailed(DomainError):
    """An ``If-Match`` header that does not hold (services/kit/preconditions.py): nothing changed.
    REST 412; gRPC FAILED_PRECONDITION with the etag mismatch reason."""

    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "ERROR_REASON_ETAG_MISMATCH"
    http_status = 412


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "ERROR_REASON_FAILED_PRECONDITION"


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED
    reason = "ERROR_REASON_PERMISSION_DENIED"


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED
    reason = "ERROR_REASON_UNAUTHENTICATED"


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE
    reason = "ERROR_REASON_DEPENDENCY_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    def details(self) -> list[any_pb2.Any]:
        retry = error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(seconds=self.retry_after_seconds)
        )
        return [_pack(retry), *super().details()]


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


_RPC_CODES: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: code_pb2.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND: code_pb2.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS: code_pb2.ALREADY_EXISTS,
    grpc.StatusCode.ABORTED: code_pb2.ABORTED,
    grpc.StatusCode.FAILED_PRECONDITION: code_pb2.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED: code_pb2.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED: code_pb2.UNAUTHENTICATED,
    grpc.StatusCode.UNAVAILABLE: code_pb2.UNAVAILABLE,
    grpc.StatusCode.UNKNOWN: code_pb2.UNKNOWN,
    grpc.StatusCode.INTERNAL: code_pb2.INTERNAL,
}
