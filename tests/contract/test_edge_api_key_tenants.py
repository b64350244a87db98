"""A suspended tenant's API keys stop working at the edge, as its tokens do, and work again once
the tenant is reinstated: the key check reads the tenant's status from the auth service (cached
10 s). Real tenants registered through the edge, a real key, the real auth service."""

from __future__ import annotations

import asyncio
import time

import grpc
import httpx

from infra.layout import Layout
from openframe.auth.v1 import tenants_pb2 as tpb
from openframe.auth.v1.tenants_pb2_grpc import TenantServiceStub
from tests.support.api_keys import create_api_key
from tests.support.identity import Tenants
from tests.support.internal import as_caller

ORGS = "/external-api/v1/organizations"
#: the check's tenant status cache (10 s) plus the edge's and the services' own latency
WITHIN_S = 15.0


async def set_status(layout: Layout, tenant: str, status: int) -> None:
    operator = as_caller(layout, "platform", roles=("PLATFORM_OPERATOR",))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('auth')}") as channel:
        await TenantServiceStub(channel).SetTenantStatus(
            tpb.SetTenantStatusRequest(name=f"tenants/{tenant}", status=status), metadata=operator
        )


async def until(client: httpx.AsyncClient, key: str, status: int) -> httpx.Response:
    deadline = time.monotonic() + WITHIN_S
    while True:
        response = await client.get(ORGS, headers={"x-api-key": key})
        if response.status_code == status or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.25)


async def test_a_suspended_tenants_keys_are_refused_until_it_is_reinstated(
    tenants: Tenants, infra_up: Layout, edge_url: str
) -> None:
    suspended, bystander = tenants.fresh(), tenants.fresh()
    key = await create_api_key(infra_up, suspended.id, "soon suspended")
    other = await create_api_key(infra_up, bystander.id, "unaffected")
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        assert (await client.get(ORGS, headers={"x-api-key": key})).status_code == 200
        await set_status(infra_up, suspended.id, tpb.TENANT_STATUS_SUSPENDED)
        try:
            refused = await until(client, key, 401)
            assert refused.status_code == 401, refused.text
            assert refused.json() == {"code": 16, "message": "the API key's tenant is suspended"}
            assert (await client.get(ORGS, headers={"x-api-key": other})).status_code == 200
        finally:
            await set_status(infra_up, suspended.id, tpb.TENANT_STATUS_ACTIVE)
        assert (await until(client, key, 200)).status_code == 200
