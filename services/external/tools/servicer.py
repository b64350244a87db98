"""gRPC transport for integrated tools: proto ↔ domain and role checks, nothing else. Input is
already validated by the kit's interceptor against the contract's protovalidate rules.
Credentials go in, never out: responses only say which kind is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from openframe.external.v1 import tools_pb2 as pb
from openframe.external.v1 import tools_pb2_grpc as pb_grpc
from services.external.tools.model import (
    CredentialKind,
    Credentials,
    Health,
    HealthStatus,
    IntegratedTool,
    ToolType,
    id_from_name,
)
from services.external.tools.service import ToolService
from services.kit.errors import InvalidArgument
from services.kit.identity import current_identity

WRITERS = ("OWNER", "ADMIN")
#: Headers a HEADER credential may not name: the proxy owns them.
RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "te", "upgrade"})
PLAIN_FIELDS = ("display_name", "base_url", "ui_url", "enabled", "health_path")

_TYPE_TO_PB = {
    ToolType.FLEET: pb.TOOL_TYPE_FLEET,
    ToolType.MESHCENTRAL: pb.TOOL_TYPE_MESHCENTRAL,
    ToolType.TACTICAL_RMM: pb.TOOL_TYPE_TACTICAL_RMM,
    ToolType.AUTHENTIK: pb.TOOL_TYPE_AUTHENTIK,
    ToolType.GENERIC: pb.TOOL_TYPE_GENERIC,
}
_TYPE_FROM_PB = {v: k for k, v in _TYPE_TO_PB.items()}
_KIND_TO_PB = {
    CredentialKind.API_TOKEN: pb.TOOL_CREDENTIAL_TYPE_API_TOKEN,
    CredentialKind.BASIC: pb.TOOL_CREDENTIAL_TYPE_BASIC,
    CredentialKind.OAUTH_CLIENT: pb.TOOL_CREDENTIAL_TYPE_OAUTH_CLIENT,
    CredentialKind.HEADER: pb.TOOL_CREDENTIAL_TYPE_HEADER,
}
_STATUS_TO_PB = {
    HealthStatus.UNSPECIFIED: pb.TOOL_HEALTH_STATUS_UNSPECIFIED,
    HealthStatus.HEALTHY: pb.TOOL_HEALTH_STATUS_HEALTHY,
    HealthStatus.DEGRADED: pb.TOOL_HEALTH_STATUS_DEGRADED,
    HealthStatus.UNAUTHORIZED: pb.TOOL_HEALTH_STATUS_UNAUTHORIZED,
    HealthStatus.UNREACHABLE: pb.TOOL_HEALTH_STATUS_UNREACHABLE,
}


class IntegratedToolServicer(pb_grpc.IntegratedToolServiceServicer):
    def __init__(self, service: ToolService) -> None:
        self.service = service

    async def CreateIntegratedTool(
        self, request: pb.CreateIntegratedToolRequest, context: Any
    ) -> pb.CreateIntegratedToolResponse:
        tenant = _writer()
        message = request.integrated_tool
        # A new tool is always enabled: proto3 cannot tell an omitted ``enabled`` from false, and
        # a tool registered disabled by omission would only confuse (docs/tools.md).
        fields = {**{f: getattr(message, f) for f in PLAIN_FIELDS}, "enabled": True}
        tool = await self.service.create(
            tenant, _TYPE_FROM_PB[message.tool_type], fields, credentials_from_pb(message)
        )
        return pb.CreateIntegratedToolResponse(integrated_tool=to_pb(tool))

    async def GetIntegratedTool(
        self, request: pb.GetIntegratedToolRequest, context: Any
    ) -> pb.GetIntegratedToolResponse:
        tool = await self.service.get(current_identity().tenant_id, id_from_name(request.name))
        return pb.GetIntegratedToolResponse(integrated_tool=to_pb(tool))

    async def ListIntegratedTools(
        self, request: pb.ListIntegratedToolsRequest, context: Any
    ) -> pb.ListIntegratedToolsResponse:
        page = await self.service.find_page(
            current_identity().tenant_id,
            tool_type=_TYPE_FROM_PB.get(request.tool_type),
            enabled_only=request.enabled_only,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListIntegratedToolsResponse(
            integrated_tools=[to_pb(t) for t in page.items], next_page_token=page.next_page_token
        )

    async def UpdateIntegratedTool(
        self, request: pb.UpdateIntegratedToolRequest, context: Any
    ) -> pb.UpdateIntegratedToolResponse:
        tenant = _writer()
        message = request.integrated_tool
        mask = list(request.update_mask.paths)
        credentials = credentials_from_pb(message) if "credentials" in mask else None
        tool = await self.service.update(
            tenant,
            id_from_name(message.name),
            {f: getattr(message, f) for f in PLAIN_FIELDS},
            credentials,
            mask,
            message.etag,
        )
        return pb.UpdateIntegratedToolResponse(integrated_tool=to_pb(tool))

    async def DeleteIntegratedTool(
        self, request: pb.DeleteIntegratedToolRequest, context: Any
    ) -> pb.DeleteIntegratedToolResponse:
        await self.service.delete(_writer(), id_from_name(request.name), request.etag)
        return pb.DeleteIntegratedToolResponse()

    async def CheckIntegratedToolHealth(
        self, request: pb.CheckIntegratedToolHealthRequest, context: Any
    ) -> pb.CheckIntegratedToolHealthResponse:
        # probing makes the service call out: a change of state (stored health), so writers only
        health = await self.service.check_health(_writer(), id_from_name(request.name))
        return pb.CheckIntegratedToolHealthResponse(health=health_to_pb(health))


def _writer() -> str:
    identity = current_identity()
    identity.require_any_role(*WRITERS)
    return identity.tenant_id


def credentials_from_pb(message: pb.IntegratedTool) -> Credentials | None:
    """The one kind of credentials set on the message (None when none is)."""
    creds = message.credentials
    kind = creds.WhichOneof("kind") if message.HasField("credentials") else None
    if kind is None:
        return None
    if kind == "api_token":
        return Credentials(CredentialKind.API_TOKEN, {"api_token": creds.api_token})
    if kind == "basic":
        return Credentials(
            CredentialKind.BASIC, {"username": creds.basic.username, "password": creds.basic.password}
        )
    if kind == "header":
        if creds.header.name.lower() in RESERVED_HEADERS:
            raise InvalidArgument.field(
                "integrated_tool.credentials.header.name", f"{creds.header.name!r} is managed by the proxy"
            )
        return Credentials(CredentialKind.HEADER, {"name": creds.header.name, "value": creds.header.value})
    oauth = creds.oauth_client
    if not oauth.token_url.startswith(("http://", "https://")):
        raise InvalidArgument.field(
            "integrated_tool.credentials.oauth_client.token_url", "must be an http:// or https:// URL"
        )
    return Credentials(
        CredentialKind.OAUTH_CLIENT,
        {
            "token_url": oauth.token_url,
            "client_id": oauth.client_id,
            "client_secret": oauth.client_secret,
            "scope": oauth.scope,
        },
    )


def to_pb(tool: IntegratedTool) -> pb.IntegratedTool:
    return pb.IntegratedTool(
        name=tool.name,
        tool_type=_TYPE_TO_PB[tool.tool_type],
        display_name=tool.display_name,
        base_url=tool.base_url,
        ui_url=tool.ui_url,
        health_path=tool.health_path,
        credential_type=_KIND_TO_PB[tool.credential_kind]
        if tool.credential_kind
        else pb.TOOL_CREDENTIAL_TYPE_UNSPECIFIED,
        enabled=tool.enabled,
        health=health_to_pb(tool.health),
        create_time=_ts(tool.create_time),
        update_time=_ts(tool.update_time),
        etag=tool.etag,
    )


def health_to_pb(health: Health) -> pb.ToolHealth:
    latency = Duration()
    latency.FromNanoseconds(int(health.latency_ms * 1_000_000))
    return pb.ToolHealth(
        status=_STATUS_TO_PB[health.status],
        latency=latency,
        message=health.message,
        tool_version=health.tool_version,
        check_time=_ts(health.check_time),
    )


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
