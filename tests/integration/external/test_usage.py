"""Usage analytics: requests made with a key through the edge are counted per key and per tenant
(from Envoy's access log stream), with 4xx and 5xx apart, and read back over gRPC and REST."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import grpc
import httpx
import pytest

from openframe.external.v1 import api_keys_pb2 as pb
from openframe.external.v1 import usage_pb2
from openframe.external.v1.usage_pb2_grpc import UsageServiceStub
from tests.integration.external.conftest import eventually

Admin = Callable[..., tuple[tuple[str, str], ...]]
CreateKey = Callable[..., Awaitable[pb.CreateApiKeyResponse]]


async def test_requests_and_errors_are_counted_per_key_and_per_tenant(
    edge: httpx.AsyncClient, usage: UsageServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    busy = await create_key(unique, ["organizations:read"], display_name="busy")
    quiet = await create_key(unique, ["organizations:read"], display_name="quiet")
    for _ in range(5):
        assert (
            await edge.get("/external-api/v1/organizations", headers={"x-api-key": busy.key})
        ).status_code == 200
    for _ in range(2):  # a 404 from the service is a client error of the key
        response = await edge.get("/external-api/v1/organizations/nosuchorg", headers={"x-api-key": busy.key})
        assert response.status_code == 404
    assert (
        await edge.get("/external-api/v1/organizations", headers={"x-api-key": quiet.key})
    ).status_code == 200

    request = usage_pb2.GetApiKeyUsageRequest(
        name=busy.api_key.name, granularity=usage_pb2.USAGE_GRANULARITY_MINUTE
    )

    async def counted() -> bool:
        reply = await usage.GetApiKeyUsage(request, metadata=admin(unique))
        return bool(reply.totals.request_count >= 7)

    await eventually(counted, within=10.0, step=0.5)
    reply = await usage.GetApiKeyUsage(request, metadata=admin(unique))
    assert reply.totals.request_count == 7
    assert reply.totals.client_error_count == 2
    assert reply.totals.server_error_count == 0
    assert sum(b.request_count for b in reply.buckets) == 7
    assert len(reply.buckets) >= 24 * 60  # the default range, every minute present

    async def tenant_counted() -> bool:
        r = await usage.GetTenantUsage(usage_pb2.GetTenantUsageRequest(), metadata=admin(unique))
        return bool(r.totals.request_count >= 8)

    await eventually(tenant_counted, within=10.0, step=0.5)
    tenant = await usage.GetTenantUsage(usage_pb2.GetTenantUsageRequest(), metadata=admin(unique))
    assert tenant.totals.request_count == 8
    assert [(k.api_key, k.display_name, k.totals.request_count) for k in tenant.api_keys] == [
        (busy.api_key.name, "busy", 7),
        (quiet.api_key.name, "quiet", 1),
    ]
    # another tenant sees none of it
    other = await usage.GetTenantUsage(usage_pb2.GetTenantUsageRequest(), metadata=admin(f"{unique}-b"))
    assert other.totals.request_count == 0 and list(other.api_keys) == []
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await usage.GetApiKeyUsage(request, metadata=admin(f"{unique}-b"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_usage_needs_admin_and_a_sane_range(usage: UsageServiceStub, admin: Admin, unique: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await usage.GetTenantUsage(usage_pb2.GetTenantUsageRequest(), metadata=admin(unique, ("VIEWER",)))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    too_many = usage_pb2.GetTenantUsageRequest(granularity=usage_pb2.USAGE_GRANULARITY_MINUTE)
    too_many.start_time.FromSeconds(0)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await usage.GetTenantUsage(too_many, metadata=admin(unique))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_rate_limited_requests_are_counted_apart(
    edge: httpx.AsyncClient, usage: UsageServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["organizations:read"], rate_limits=pb.RateLimits(per_minute=2))
    if 60 - time.time() % 60 < 5:  # the four requests must fall in one minute
        await asyncio.sleep(60 - time.time() % 60 + 0.2)
    statuses = [
        (await edge.get("/external-api/v1/organizations", headers={"x-api-key": created.key})).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 429, 429]
    # the live windows, as the edge's check counts them: the key's own minute limit, the
    # defaults for the hour and the day; nothing counted by asking
    now = time.time()
    for _ in range(2):
        windows = (
            await usage.GetApiKeyUsage(usage_pb2.GetApiKeyUsageRequest(name=created.api_key.name),
                                       metadata=admin(unique))
        ).rate_limit_windows  # fmt: skip
        assert [(w.window, w.limit, w.remaining) for w in windows] == [
            (usage_pb2.USAGE_GRANULARITY_MINUTE, 2, 0),
            (usage_pb2.USAGE_GRANULARITY_HOUR, 1_000, 998),
            (usage_pb2.USAGE_GRANULARITY_DAY, 10_000, 9_998),
        ]
    assert now < windows[0].reset_time.seconds <= now + 60
    assert windows[0].reset_time.seconds % 60 == 0 and windows[1].reset_time.seconds % 3600 == 0
    request = usage_pb2.GetApiKeyUsageRequest(name=created.api_key.name)

    async def counted() -> bool:
        reply = await usage.GetApiKeyUsage(request, metadata=admin(unique))
        return bool(reply.totals.request_count >= 4)

    await eventually(counted, within=10.0, step=0.5)
    totals = (await usage.GetApiKeyUsage(request, metadata=admin(unique))).totals
    assert (totals.request_count, totals.rate_limited_count, totals.client_error_count) == (4, 2, 0)
