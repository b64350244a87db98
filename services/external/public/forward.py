"""Calling the owning service for the public API's caller.

The caller (an API key's identity, or a user with a bearer token) travels on as an internal
token (services/kit/internal.py): the owning service applies its own tenant scoping and role
checks exactly as for any other caller. Its errors come back to the public caller unchanged
(status, message and ``google.rpc`` details), so a NOT_FOUND stays a NOT_FOUND. The caller's
``If-Match`` travels on too, so a stale one is the owning service's 412 (with the HTTP status
signal of services/kit/preconditions.py), not a 409.

An owning service that cannot be reached (down for a moment, restarting) is UNAVAILABLE with
``RetryInfo`` and a message of ours (the channel's own says which address it tried): a 503 the
caller may retry, never a 501.

The public request and response messages are named subsets of the internal ones (same field names
and types, not always the same numbers; ``tests/contract/test_external_public.py`` checks it), so
converting copies field by field by name and never drops a field the public contract has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from google.rpc import code_pb2, status_pb2

from services.kit import preconditions
from services.kit.errors import DomainError, PermissionDenied, Unavailable
from services.kit.identity import current_identity
from services.kit.internal import InternalTokens

M = TypeVar("M", bound=Message)
TIMEOUT_SECONDS = 10.0


class NotImplementedYet(DomainError):
    """UNIMPLEMENTED (HTTP 501): a part of the public API whose owning service is not deployed."""

    code = grpc.StatusCode.UNIMPLEMENTED
    reason = "ERROR_REASON_DEPENDENCY_UNAVAILABLE"

    def to_status(self) -> status_pb2.Status:
        # the kit's code table has no UNIMPLEMENTED (no domain error of its own needs it)
        return status_pb2.Status(code=code_pb2.UNIMPLEMENTED, message=self.message, details=self.details())


def convert(message: Message, target: type[M]) -> M:
    """Copy ``message`` into a new ``target`` field by field, matched by name (the public messages
    are named subsets of the internal ones; field numbers may differ)."""
    out = target()
    fields = out.DESCRIPTOR.fields_by_name
    for field, value in message.ListFields():
        twin = fields.get(field.name)
        if twin is None:
            raise TypeError(f"{target.DESCRIPTOR.full_name} has no field {field.name}")
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(out, field.name).update(value)
        elif field.is_repeated:
            getattr(out, field.name).extend(value)
        elif field.message_type is not None:
            getattr(out, field.name).CopyFrom(value)
        else:
            setattr(out, field.name, value)
    return out


def require_scope(scope: str) -> None:
    """An API key must hold ``scope`` (the edge checked it already; this holds for calls that do
    not pass the edge). Users are checked by the owning service's role rules instead."""
    identity = current_identity()
    if identity.kind == "api_key" and scope not in identity.scopes:
        raise PermissionDenied(f"the API key lacks the scope {scope}")


class Forwarder:
    def __init__(self, tokens: InternalTokens) -> None:
        self.tokens = tokens

    async def call(
        self,
        rpc: Callable[..., Awaitable[Any]],
        request: Message,
        response_type: type[M],
        context: Any,
    ) -> M:
        """The callee's answer as ``response_type``; its error is answered to our caller as is."""
        metadata = self.tokens.metadata(current_identity())
        metadata += tuple(_forwarded(context))
        try:
            response = await rpc(request, metadata=metadata, timeout=TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNAVAILABLE and not _has_details(exc):
                raise Unavailable("the service behind this API is unavailable for a moment; retry") from None
            await pass_error(context, exc)
            raise  # unreachable: abort raises
        return convert(response, response_type)


#: What the caller sent that the callee needs too: the request id, the HTTP precondition.
FORWARDED = ("x-request-id", preconditions.IF_MATCH)
#: What the callee answered that the caller must get: rich details, the HTTP status (a 412).
PASSED_BACK = ("grpc-status-details-bin", preconditions.HTTP_STATUS)


async def pass_error(context: Any, exc: grpc.aio.AioRpcError) -> None:
    """Abort with the callee's status, message and rich details."""
    trailing = tuple((k, v) for k, v in (exc.trailing_metadata() or ()) if k in PASSED_BACK)
    await context.abort(exc.code(), exc.details() or "", trailing_metadata=trailing)


def _has_details(exc: grpc.aio.AioRpcError) -> bool:
    """The callee answered with rich details: its own status, not the channel's."""
    return any(k == "grpc-status-details-bin" for k, _ in exc.trailing_metadata() or ())


def _forwarded(context: Any) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, value in context.invocation_metadata() or ()
        if key in FORWARDED and isinstance(value, str) and value
    ]
