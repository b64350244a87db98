"""Rate limits at the shared edge: the real Envoy, the real rate-limit service and Redis, real
access tokens of the real auth service (tests/support/identity.py).

Limits of a test tenant are set low through the policy API, directly on the rate-limit service
with an internal token (so setting them spends nothing of the budget under test). Requests go
to the policy API's own REST/gRPC read (``GET /ratelimit/v1/rateLimitPolicy``), a route the
edge limits like every other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import grpc
import httpx
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from infra.layout import Layout
from openframe.ratelimit.v1 import rate_limit_policies_pb2 as pb
from openframe.ratelimit.v1.rate_limit_policies_pb2_grpc import RateLimitPolicyServiceStub
from tests.integration.ratelimit.conftest import assert_exactly_the_limit_passed
from tests.support.api_keys import create_api_key
from tests.support.identity import Tenants, TenantSession
from tests.support.internal import as_caller
from tests.support.windows import wait_for_a_fresh_minute

POLICY_PATH = "/ratelimit/v1/rateLimitPolicy"
HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@pytest.fixture(scope="module")
async def policies(infra_up: Layout) -> AsyncIterator[RateLimitPolicyServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{infra_up.port('ratelimit')}") as channel:
        yield RateLimitPolicyServiceStub(channel)


async def limit_tenant(
    policies: RateLimitPolicyServiceStub, layout: Layout, tenant: str, per_minute: int
) -> None:
    """Set ``tenant``'s limit on the service itself (an internal caller: not counted at the edge)."""
    request = pb.UpdateRateLimitPolicyRequest(
        rate_limit_policy=pb.RateLimitPolicy(tenant_limits=pb.WindowLimits(per_minute=per_minute)),
        update_mask=FieldMask(paths=["tenant_limits"]),
    )
    await policies.UpdateRateLimitPolicy(request, metadata=as_caller(layout, tenant))


async def burst(client: httpx.AsyncClient, session: TenantSession, count: int) -> list[httpx.Response]:
    return list(
        await asyncio.gather(*(client.get(POLICY_PATH, headers=session.bearer) for _ in range(count)))
    )


def statuses(responses: Sequence[httpx.Response]) -> list[int]:
    return [r.status_code for r in responses]


async def test_every_checked_response_carries_the_headers(rest: httpx.AsyncClient) -> None:
    first, second = await rest.get(POLICY_PATH), await rest.get(POLICY_PATH)
    assert first.status_code == second.status_code == 200
    # the tenant's default limit, as the draft-03 headers put it: "<limit>, <limit>;w=<window>..."
    assert first.headers["x-ratelimit-limit"] == '120000, 120000;w=60;name="tenant"'
    assert int(first.headers["x-ratelimit-remaining"]) - int(second.headers["x-ratelimit-remaining"]) >= 1
    assert 1 <= int(first.headers["x-ratelimit-reset"]) <= 60
    assert "retry-after" not in first.headers


async def test_five_times_the_limit_lets_exactly_the_limit_through_and_another_tenant_is_unaffected(
    tenants: Tenants, policies: RateLimitPolicyServiceStub, infra_up: Layout, edge_url: str
) -> None:
    """Must-show: a bounded burst at 5x the limit gets exactly the limit through, the rest 429
    with correct headers; another tenant, sending at the same time, is untouched."""
    limited, other = tenants.fresh(), tenants.fresh()
    limit = 10
    await limit_tenant(policies, infra_up, limited.id, limit)
    wait_for_a_fresh_minute()
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=edge_url, timeout=20, limits=limits) as client:
        # what is left of this minute: the sign-in helper's own requests may have counted already
        probe = await client.get(POLICY_PATH, headers=limited.bearer)
        assert probe.headers["x-ratelimit-limit"].startswith(f"{limit}, ")  # the new limit is in force
        left = int(probe.headers["x-ratelimit-remaining"])
        flood, calm = await asyncio.gather(burst(client, limited, 5 * limit), burst(client, other, 2 * limit))

    assert_exactly_the_limit_passed(flood, left)
    for refused in (r for r in flood if r.status_code == 429):
        assert refused.headers["x-ratelimit-limit"] == f'{limit}, {limit};w=60;name="tenant"'
        assert refused.headers["x-ratelimit-remaining"] == "0"
        reset = int(refused.headers["x-ratelimit-reset"])
        assert 1 <= reset <= 60
        assert refused.headers["retry-after"] == str(reset)
        assert refused.json() == {"code": 8, "message": "rate limit exceeded"}  # RESOURCE_EXHAUSTED
        assert refused.headers["x-content-type-options"] == "nosniff"  # an edge reply like the others
    assert statuses(calm) == [200] * (2 * limit)
    assert all(
        r.headers["x-ratelimit-limit"].startswith("120000, ")
        for r in calm
        if "x-ratelimit-limit" in r.headers
    )


async def test_grpc_callers_get_resource_exhausted(
    tenants: Tenants, policies: RateLimitPolicyServiceStub, infra_up: Layout, edge_grpc_target: str
) -> None:
    session = tenants.fresh()
    await limit_tenant(policies, infra_up, session.id, 2)
    wait_for_a_fresh_minute(5)
    passed: list[dict[str, str]] = []
    refusal: grpc.aio.AioRpcError | None = None
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        stub = RateLimitPolicyServiceStub(channel)
        for _ in range(4):  # 2 per minute (the sign-in helper may have spent some already)
            call = stub.GetRateLimitPolicy(pb.GetRateLimitPolicyRequest(), metadata=session.metadata)
            try:
                await call
            except grpc.aio.AioRpcError as exc:
                refusal = exc
                break
            passed.append(dict(await call.initial_metadata()))
    assert refusal is not None and len(passed) <= 2
    assert all(m["x-ratelimit-limit"].startswith("2, ") for m in passed)
    assert refusal.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # not UNAVAILABLE: clients retry that
    # a trailers-only answer: Envoy's headers may arrive as initial or as trailing metadata
    metadata = {**dict(refusal.initial_metadata() or ()), **dict(refusal.trailing_metadata() or ())}
    assert int(metadata["retry-after"]) >= 1
    assert metadata["x-ratelimit-remaining"] == "0"


async def test_requests_without_an_identity_are_not_counted(edge_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_url, timeout=10) as client:
        public = await client.get("/auth/v1/tenants:checkAvailability", params={"tenantId": "nobody-here"})
        refused = await client.get(POLICY_PATH)  # no token: jwt_authn answers before any count
    assert public.status_code == 200 and refused.status_code == 401
    for response in (public, refused):
        assert not any(h in response.headers for h in HEADERS)


async def test_policy_api_over_rest_is_the_callers_tenant_only(
    tenants: Tenants, policies: RateLimitPolicyServiceStub, infra_up: Layout, edge_url: str
) -> None:
    mine, theirs = tenants.fresh(), tenants.fresh()
    async with httpx.AsyncClient(base_url=edge_url, timeout=10) as client:
        changed = await client.patch(
            POLICY_PATH,
            params={"updateMask": "apiKeyLimits"},
            json={"apiKeyLimits": {"perMinute": 7}},
            headers=mine.bearer,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["rateLimitPolicy"]["effectiveApiKeyLimits"]["perMinute"] == 7
        theirs_now = await client.get(POLICY_PATH, headers=theirs.bearer)
        assert theirs_now.json()["rateLimitPolicy"]["apiKeyLimits"]["perMinute"] == 0
        bad = await client.patch(
            POLICY_PATH,
            params={"updateMask": "tenantLimits"},
            json={"tenantLimits": {"perMinute": -5}},
            headers=mine.bearer,
        )
    assert bad.status_code == 400
    violations = bad.json()["details"][0]["fieldViolations"]
    assert any(v["field"].endswith("per_minute") for v in violations)


async def test_api_keys_have_their_own_budget_at_the_edge(
    tenants: Tenants, policies: RateLimitPolicyServiceStub, infra_up: Layout, edge_url: str
) -> None:
    """Through ext_authz: a key's requests count against the key (3/min here) and its tenant;
    another key of the same tenant keeps its own budget."""
    session = tenants.fresh()
    first = await create_api_key(infra_up, session.id, "first")
    second = await create_api_key(infra_up, session.id, "second")
    request = pb.UpdateRateLimitPolicyRequest(
        rate_limit_policy=pb.RateLimitPolicy(api_key_limits=pb.WindowLimits(per_minute=3)),
        update_mask=FieldMask(paths=["api_key_limits"]),
    )
    await policies.UpdateRateLimitPolicy(request, metadata=as_caller(infra_up, session.id))
    wait_for_a_fresh_minute(10)
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        with_first = [
            await client.get("/external-api/v1/organizations", headers={"x-api-key": first}) for _ in range(5)
        ]
        with_second = await client.get("/external-api/v1/organizations", headers={"x-api-key": second})
    assert [r.status_code == 429 for r in with_first] == [False, False, False, True, True], [
        (r.status_code, r.text[:100]) for r in with_first
    ]
    assert with_first[0].status_code not in (401, 403), with_first[0].text  # the key was accepted
    refused = with_first[3]
    assert refused.headers["x-ratelimit-limit"] == '3, 120000;w=60;name="tenant", 3;w=60;name="api_key"'
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["retry-after"] == refused.headers["x-ratelimit-reset"]
    assert with_second.status_code != 429
    assert with_second.headers["x-ratelimit-remaining"] == "2"


async def test_api_key_limits_are_counted_by_the_key_check_per_tenant(
    tenants: Tenants,
    policies: RateLimitPolicyServiceStub,
    infra_up: Layout,
    edge_url: str,
    edge_grpc_target: str,
) -> None:
    """API-key requests are counted by ext_authz (one check per request): tenant A's keys
    at 2/min are refused with the usual 429 and headers, while tenant B's key (the default 100/min)
    at the same time is untouched; a gRPC caller gets RESOURCE_EXHAUSTED, as from the filter."""
    from openframe.external.v1 import public_api_pb2
    from openframe.external.v1.public_api_pb2_grpc import PublicOrganizationServiceStub

    a, b = tenants.fresh(), tenants.fresh()
    key_a, key_b = await create_api_key(infra_up, a.id, "a"), await create_api_key(infra_up, b.id, "b")
    request = pb.UpdateRateLimitPolicyRequest(
        rate_limit_policy=pb.RateLimitPolicy(api_key_limits=pb.WindowLimits(per_minute=2)),
        update_mask=FieldMask(paths=["api_key_limits"]),
    )
    await policies.UpdateRateLimitPolicy(request, metadata=as_caller(infra_up, a.id))
    wait_for_a_fresh_minute(10)
    path = "/external-api/v1/organizations"
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        with_a = [await client.get(path, headers={"x-api-key": key_a}) for _ in range(4)]
        with_b = [await client.get(path, headers={"x-api-key": key_b}) for _ in range(3)]
    assert [r.status_code for r in with_a] == [200, 200, 429, 429], [r.text[:80] for r in with_a]
    assert with_a[2].json() == {"code": 8, "message": "rate limit exceeded"}
    assert with_a[2].headers["x-ratelimit-remaining"] == "0"
    assert int(with_a[2].headers["retry-after"]) >= 1
    assert [r.status_code for r in with_b] == [200, 200, 200]
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in with_b]
    # B's own budget (100/min), untouched by A's: each request counted once, or twice when the
    # edge retried a check whose answer it lost (it errs towards the limit: docs/replicas.md)
    assert remaining == sorted(remaining, reverse=True) and len(set(remaining)) == 3, remaining
    assert 94 <= remaining[-1] <= 97, remaining
    assert with_b[0].headers["x-ratelimit-limit"].startswith("100, ")
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await PublicOrganizationServiceStub(channel).ListOrganizations(
                public_api_pb2.ListOrganizationsRequest(), metadata=(("x-api-key", key_a),)
            )
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
