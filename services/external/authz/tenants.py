"""Whether a tenant's API keys may be used: only while the tenant is ACTIVE in the auth service.

A suspended or deleted tenant's tokens stop working at the edge (its signing keys leave the
JWKS); its API keys must stop too, and they never pass through the JWKS. The key check asks the
auth service (``GetTenant``, as the tenant's system caller) and caches the answer per process
for ``ttl_s`` (``OPENFRAME_TENANT_STATUS_CACHE_SECONDS``, 10 s): a suspension reaches the check
within that time, and a reinstated tenant's keys work again as soon.

If the auth service cannot answer, the last known status stays in use; a tenant never read
counts as active, so the public API does not go down with the auth service (a warning is logged).
"""

from __future__ import annotations

import grpc

from openframe.auth.v1 import tenants_pb2 as pb
from openframe.auth.v1 import tenants_pb2_grpc as pb_grpc
from services.kit.caching import RefreshingCache
from services.kit.internal import InternalTokens

#: What a key of a tenant in this state is told (401, like its tokens).
REFUSALS: dict[int, str] = {
    pb.TENANT_STATUS_SUSPENDED: "the API key's tenant is suspended",
    pb.TENANT_STATUS_DELETED: "the API key's tenant has been deleted",
}


class TenantStatuses:
    def __init__(
        self, channel: grpc.aio.Channel, tokens: InternalTokens, ttl_s: float, *, read_timeout_s: float = 1.0
    ) -> None:
        self.stub = pb_grpc.TenantServiceStub(channel)
        self.tokens = tokens
        self.cache: RefreshingCache[int] = RefreshingCache(
            self._read,
            lambda _: pb.TENANT_STATUS_ACTIVE,
            ttl_s,
            what="tenant status",
            read_timeout_s=read_timeout_s,
        )

    async def refusal(self, tenant_id: str) -> str | None:
        """Why the tenant's keys are refused now, or None while it is active."""
        return REFUSALS.get(await self.cache.get(tenant_id))

    async def _read(self, tenant_id: str) -> int:
        reply = await self.stub.GetTenant(
            pb.GetTenantRequest(name=f"tenants/{tenant_id}"),
            metadata=self.tokens.system_metadata(tenant_id),
        )
        return int(reply.tenant.status)
