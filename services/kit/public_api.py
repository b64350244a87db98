"""The public API (``openframe.external.v1`` ``Public*Service``), served by the service that owns
each resource: devices, organizations and events by the api service, log entries by the stream
service. The edge routes each public service to its owner (docs/external-api.md), so a public
call costs one Python hop, not two.

A public RPC is the owner's internal RPC under another name: its messages are named subsets of
the internal ones (``tests/contract/test_external_public.py``). :func:`delegate` checks the API
key's scope, converts the request field by field, validates it with the internal message's rules
(the fields keep their names, so an error names the same field), calls the owner's internal
servicer method in-process (same role checks, tenant scoping and errors as any other caller)
and converts the answer back, dropping any field the public contract does not have.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.protobuf.message import Message

from services.kit.errors import PermissionDenied
from services.kit.identity import current_identity
from services.kit.validation import validate

M = TypeVar("M", bound=Message)

PACKAGE = "openframe.external.v1"

#: ``Service/Method`` -> the scope an API key needs (the edge's key check reads this table too).
RPC_SCOPES: dict[str, str] = {
    "PublicDeviceService/ListDevices": "devices:read",
    "PublicDeviceService/GetDevice": "devices:read",
    "PublicDeviceService/UpdateDevice": "devices:write",
    "PublicDeviceService/SetDeviceNickname": "devices:write",
    "PublicOrganizationService/ListOrganizations": "organizations:read",
    "PublicOrganizationService/GetOrganization": "organizations:read",
    "PublicEventService/ListEvents": "events:read",
    "PublicEventService/GetEvent": "events:read",
    "PublicLogService/ListLogEntries": "logs:read",
    "PublicLogService/GetLogEntry": "logs:read",
    "IntegratedToolService/ListIntegratedTools": "tools:read",
    "IntegratedToolService/GetIntegratedTool": "tools:read",
}


def convert(message: Message, target: type[M]) -> M:
    """Copy ``message`` into a new ``target`` field by field, matched by name (the public messages
    are named subsets of the internal ones; field numbers may differ)."""
    out = target()
    fields = out.DESCRIPTOR.fields_by_name
    for field, value in message.ListFields():
        twin = fields.get(field.name)
        if twin is None:
            continue  # an internal field the public contract does not publish
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(out, field.name).update(value)
        elif field.is_repeated:
            getattr(out, field.name).extend(value)
        elif field.message_type is not None:
            getattr(out, field.name).CopyFrom(value)
        else:
            setattr(out, field.name, value)
    return out


def require_scope(rpc: str) -> None:
    """An API key must hold the scope of ``rpc`` (``Service/Method``); the edge checked it
    already, this holds for calls that do not pass the edge. Users and clients are checked by the
    owner's role rules instead."""
    identity = current_identity()
    scope = RPC_SCOPES[rpc]
    if identity.kind == "api_key" and scope not in identity.scopes:
        raise PermissionDenied(f"the API key lacks the scope {scope}")


async def delegate(
    rpc: str,
    internal: Callable[[Any, Any], Awaitable[Message]],
    request: Message,
    request_type: type[Message],
    response_type: type[M],
    context: Any,
) -> M:
    """Serve public ``rpc`` with the owner's internal servicer method ``internal``."""
    require_scope(rpc)
    upstream = convert(request, request_type)
    validate(upstream)
    return convert(await internal(upstream, context), response_type)
