"""Who may speak for a machine: its agent's access token, checked per NATS message.

Every message an agent publishes carries ``Authorization: Bearer <access token>`` (a NATS
header). The token must verify (the tenant's signing key, its issuer, audience, expiry), name
the subject's tenant, belong to the subject's machine (client id == machine id, see
auth_clients.py) and carry the ``agent`` scope.

Cost at 2,000 messages/s: a verified token is remembered (by digest, until it expires) so only
the first message of a token pays the RS256 check; the rest is a hash and a dict lookup.
Trade-off: a token stays usable until it expires even if the client is deleted meanwhile (1 h by
default for agents). Per-agent NATS credentials would stop forged publishes at the server
instead; this check stops them at the consumer (docs/agents.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.api.agents.auth_clients import AGENT_SCOPE
from services.kit.config import Settings
from services.kit.errors import PermissionDenied
from services.kit.identity import Identity
from services.kit.jwt import JwksCache, JwtAuthenticator

AUTHORIZATION = "Authorization"


class AgentAuthenticator:
    def __init__(self, settings: Settings, *, cache_size: int = 250_000) -> None:
        jwks = JwksCache.from_url(
            settings.jwks_url,
            refresh_seconds=settings.jwks_refresh_seconds,
            min_refetch_seconds=settings.jwks_min_refetch_seconds,
        )
        self.tokens = JwtAuthenticator(
            jwks,
            public_url=settings.public_url,
            leeway_seconds=settings.jwt_leeway_seconds,
            verified_cache_size=cache_size,
            verified_cache_seconds=24 * 3600,  # bounded by each token's own expiry
            internal=None,  # agents never present the mesh's internal tokens
        )

    async def machine_identity(
        self, headers: Mapping[str, str] | None, tenant_id: str, machine_id: str
    ) -> Identity:
        """The agent of ``machine_id`` in ``tenant_id``, or UNAUTHENTICATED / PERMISSION_DENIED."""
        value = (headers or {}).get(AUTHORIZATION) or (headers or {}).get("authorization") or ""
        identity = await self.tokens.authenticate({"authorization": value})
        check_agent(identity, tenant_id, machine_id)
        return identity


def check_agent(identity: Identity, tenant_id: str, machine_id: str) -> None:
    """Only a machine's own agent may act for it (same check for gRPC and NATS)."""
    if AGENT_SCOPE not in identity.scopes or identity.client_id is None:
        raise PermissionDenied("agent credentials required")
    if identity.tenant_id != tenant_id or identity.client_id != machine_id:
        raise PermissionDenied(f"the agent may only act for its own machine (devices/{identity.client_id})")
