"""The agents' OAuth clients, issued by the auth service (OAuthClientService over gRPC).

The api service acts for the tenant with an internal token (services/kit/internal.py): an agent
registering with a tenant secret has no bearer token of its own. Each agent gets one
confidential client-credentials client, purpose AGENT, scope ``agent`` and no roles; its
client id *is* the machine id, so a verified access token names its machine by itself and the
heartbeat path needs no lookup (see docs/agents.md).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import grpc
from google.protobuf.duration_pb2 import Duration

from openframe.auth.v1 import oauth_clients_pb2 as pb
from openframe.auth.v1 import oauth_clients_pb2_grpc as pb_grpc
from services.kit.config import Settings
from services.kit.errors import Unavailable
from services.kit.internal import InternalTokens, channel_to

#: The scope every agent token carries; agent-only endpoints require it.
AGENT_SCOPE = "agent"


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str


class AgentClients:
    def __init__(self, settings: Settings) -> None:
        tokens = InternalTokens.from_settings(settings)
        if tokens is None:
            raise RuntimeError("OPENFRAME_INTERNAL_TOKEN_KEY is needed to create agents' OAuth clients")
        self.tokens = tokens
        self.channel = channel_to(settings, "auth")
        self.stub = pb_grpc.OAuthClientServiceStub(self.channel)

    def _metadata(self, tenant_id: str) -> tuple[tuple[str, str], ...]:
        return self.tokens.system_metadata(tenant_id)

    async def create(self, tenant_id: str, hostname: str) -> Credentials:
        client = pb.OAuthClient(
            display_name=f"agent {hostname}"[:200],
            client_type=pb.CLIENT_TYPE_CONFIDENTIAL,
            purpose=pb.CLIENT_PURPOSE_AGENT,
            grant_types=[pb.GRANT_TYPE_CLIENT_CREDENTIALS],
            scopes=[AGENT_SCOPE],
            access_token_ttl=Duration(seconds=3600),
        )
        try:
            reply = await self.stub.CreateOAuthClient(
                pb.CreateOAuthClientRequest(oauth_client=client),
                metadata=self._metadata(tenant_id),
                timeout=10,
            )
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"could not issue agent credentials ({exc.code().name}); retry") from None
        return Credentials(reply.oauth_client.client_id, reply.client_secret)

    async def rotate(self, tenant_id: str, client_id: str) -> Credentials:
        """A new secret for a re-registering agent; the old one stops working at once."""
        try:
            reply = await self.stub.RotateOAuthClientSecret(
                pb.RotateOAuthClientSecretRequest(
                    name=f"oauthClients/{client_id}", overlap=Duration(seconds=0)
                ),
                metadata=self._metadata(tenant_id),
                timeout=10,
            )
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"could not issue agent credentials ({exc.code().name}); retry") from None
        return Credentials(reply.oauth_client.client_id, reply.client_secret)

    async def delete(self, tenant_id: str, client_id: str) -> None:
        """Best effort: remove a client whose registration could not complete."""
        with contextlib.suppress(grpc.aio.AioRpcError):
            await self.stub.DeleteOAuthClient(
                pb.DeleteOAuthClientRequest(name=f"oauthClients/{client_id}"),
                metadata=self._metadata(tenant_id),
                timeout=10,
            )

    async def close(self) -> None:
        await self.channel.close()
