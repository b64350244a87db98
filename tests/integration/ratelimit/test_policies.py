"""The tenants' policy admin API over gRPC: defaults, updates (applied at once), etags,
validation naming the field, roles, tenant isolation and what is stored."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from pymongo import AsyncMongoClient

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as pb
from services.kit.config import Settings
from tests.integration.ratelimit.conftest import (
    DATABASE,
    OK,
    OVER_LIMIT,
    Running,
    as_tenant,
    ask,
    set_limits,
    tenant_descriptor,
)
from tests.rpc_status import field_violations, reason


async def get(service: Running, tenant: str, roles: str = "ADMIN") -> pb.RateLimitPolicy:
    reply = await service.policies.GetRateLimitPolicy(
        pb.GetRateLimitPolicyRequest(), metadata=as_tenant(tenant, roles)
    )
    return reply.rate_limit_policy


def update(limits: pb.WindowLimits, *paths: str, etag: str = "") -> pb.UpdateRateLimitPolicyRequest:
    policy = pb.RateLimitPolicy(tenant_limits=limits, api_key_limits=limits, etag=etag)
    return pb.UpdateRateLimitPolicyRequest(rate_limit_policy=policy, update_mask=FieldMask(paths=list(paths)))


async def test_a_tenant_that_never_set_one_has_the_defaults(service: Running, unique: str) -> None:
    policy = await get(service, unique)
    assert policy.name == "rateLimitPolicy"
    assert policy.tenant_limits == pb.WindowLimits() and policy.api_key_limits == pb.WindowLimits()
    assert policy.effective_api_key_limits == pb.WindowLimits(per_minute=100, per_hour=1_000, per_day=10_000)
    assert policy.effective_tenant_limits == pb.WindowLimits(
        per_minute=120_000, per_hour=2_000_000, per_day=20_000_000
    )
    assert policy.etag == "" and not policy.HasField("update_time")


async def test_update_is_stored_and_applies_at_once(
    service: Running, unique: str, settings: Settings
) -> None:
    assert (await ask(service, [tenant_descriptor(unique)])).overall_code == OK  # default policy cached
    stored = await set_limits(service, unique, tenant_limits=(1, 0, 7))
    assert stored.tenant_limits == pb.WindowLimits(per_minute=1, per_day=7)
    assert stored.effective_tenant_limits == pb.WindowLimits(per_minute=1, per_hour=2_000_000, per_day=7)
    assert stored.api_key_limits == pb.WindowLimits()  # not in the mask: untouched
    assert stored.etag and stored.update_time.seconds > 0
    assert await get(service, unique) == stored
    # the cached default was replaced: the next check uses the new limit (1 passed already)
    assert (await ask(service, [tenant_descriptor(unique)])).overall_code == OVER_LIMIT
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    try:
        doc = await client[DATABASE]["rate_limits"].find_one({"_id": unique})
    finally:
        await client.close()
    assert doc is not None and doc["tenant_id"] == unique
    assert doc["tenant_limits"] == {"per_minute": 1, "per_hour": 0, "per_day": 7}


async def test_stale_etag_is_aborted_and_changes_nothing(service: Running, unique: str) -> None:
    first = await set_limits(service, unique, tenant_limits=(10, 0, 0))
    await set_limits(service, unique, tenant_limits=(20, 0, 0))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await service.policies.UpdateRateLimitPolicy(
            update(pb.WindowLimits(per_minute=30), "tenant_limits", etag=first.etag),
            metadata=as_tenant(unique),
        )
    assert err.value.code() == grpc.StatusCode.ABORTED
    assert reason(err.value) == "ERROR_REASON_ETAG_MISMATCH"
    assert (await get(service, unique)).tenant_limits.per_minute == 20
    current = await get(service, unique)
    reply = await service.policies.UpdateRateLimitPolicy(
        update(pb.WindowLimits(per_minute=30), "tenant_limits", etag=current.etag), metadata=as_tenant(unique)
    )
    assert reply.rate_limit_policy.tenant_limits.per_minute == 30


async def test_bad_input_names_the_field(service: Running, unique: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await service.policies.UpdateRateLimitPolicy(
            update(pb.WindowLimits(per_minute=-1), "tenant_limits"), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert any(f.endswith("per_minute") for f in field_violations(err.value))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await service.policies.UpdateRateLimitPolicy(
            update(pb.WindowLimits(per_minute=5), "etag"), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask.paths" in field_violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await service.policies.UpdateRateLimitPolicy(
            update(pb.WindowLimits(per_minute=5)), metadata=as_tenant(unique)
        )
    assert "update_mask.paths" in field_violations(err.value)
    assert (await get(service, unique)).etag == ""  # nothing was written


async def test_only_admins_and_owners(service: Running, unique: str) -> None:
    for call in (
        service.policies.GetRateLimitPolicy(
            pb.GetRateLimitPolicyRequest(), metadata=as_tenant(unique, "VIEWER")
        ),
        service.policies.UpdateRateLimitPolicy(
            update(pb.WindowLimits(per_minute=1), "tenant_limits"), metadata=as_tenant(unique, "VIEWER")
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await get(service, unique, "OWNER")).etag == ""
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await service.policies.GetRateLimitPolicy(pb.GetRateLimitPolicyRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_tenant_sees_and_changes_only_its_own_policy(service: Running, unique: str) -> None:
    other = f"{unique}-b"
    await set_limits(service, unique, tenant_limits=(5, 0, 0))
    assert (await get(service, other)).tenant_limits == pb.WindowLimits()
    await set_limits(service, other, api_key_limits=(9, 0, 0))
    mine = await get(service, unique)
    assert mine.tenant_limits.per_minute == 5 and mine.api_key_limits == pb.WindowLimits()
    # the other tenant's limit does not limit this one
    assert (await ask(service, [tenant_descriptor(other)])).statuses[
        0
    ].current_limit.requests_per_unit == 120_000
