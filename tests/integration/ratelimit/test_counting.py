"""Counting against the real Redis, through the service's gRPC ShouldRateLimit (what Envoy
calls): exact windows, all-or-nothing counting, per-key and per-tenant budgets, the statuses
Envoy turns into X-RateLimit-* headers, and Retry-After."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from envoy.service.ratelimit.v3 import rls_pb2

from tests.integration.ratelimit.conftest import (
    OK,
    OVER_LIMIT,
    Running,
    ask,
    descriptor,
    headers_of,
    hour_start,
    key_descriptors,
    set_limits,
    tenant_descriptor,
)

Unit = rls_pb2.RateLimitResponse.RateLimit.Unit
MINUTE, HOUR = Unit.MINUTE, Unit.HOUR


async def test_exactly_the_limit_passes_a_window_then_over_limit(
    service: Running, unique: str, frozen_clock: list[float], redis: aioredis.Redis
) -> None:
    await set_limits(service, unique, tenant_limits=(5, 0, 0))
    frozen_clock[0] = t0 = hour_start() + 10  # 50 s left in the minute
    codes, remaining = [], []
    for _ in range(8):
        reply = await ask(service, [tenant_descriptor(unique)])
        codes.append(reply.overall_code)
        remaining.append(reply.statuses[0].limit_remaining)
    assert codes == [OK] * 5 + [OVER_LIMIT] * 3
    assert remaining == [4, 3, 2, 1, 0, 0, 0, 0]
    # the stored counter: the 5 that passed, nothing for the 3 refused, expiring after its window
    key = f"rl:{{{unique}}}:t:m:{int(t0) // 60}"
    assert int(await redis.get(key)) == 5
    assert 0 < await redis.ttl(key) <= 50 + 60


async def test_statuses_carry_what_envoy_makes_the_headers_of(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    await set_limits(service, unique, tenant_limits=(2, 0, 0))
    frozen_clock[0] = hour_start() + 15.5  # 44.5 s left in the minute
    ok = await ask(service, [tenant_descriptor(unique)])
    status = ok.statuses[0]
    assert status.code == OK
    assert (status.current_limit.requests_per_unit, status.current_limit.unit) == (2, MINUTE)
    assert status.current_limit.name == "tenant"
    assert status.limit_remaining == 1
    assert status.duration_until_reset.seconds == 45  # rounded up: never "0 s" before the reset
    assert headers_of(ok) == {}  # no Retry-After while allowed
    await ask(service, [tenant_descriptor(unique)])
    refused = await ask(service, [tenant_descriptor(unique)])
    assert refused.overall_code == OVER_LIMIT
    assert refused.statuses[0].code == OVER_LIMIT
    assert refused.statuses[0].limit_remaining == 0
    assert headers_of(refused) == {"retry-after": "45"}


async def test_concurrent_burst_at_five_times_the_limit_lets_exactly_the_limit_through(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    await set_limits(service, unique, tenant_limits=(20, 0, 0))
    frozen_clock[0] = hour_start() + 1
    replies = await asyncio.gather(*(ask(service, [tenant_descriptor(unique)]) for _ in range(100)))
    codes = [r.overall_code for r in replies]
    assert codes.count(OK) == 20
    assert codes.count(OVER_LIMIT) == 80
    # every remaining value from 19 down to 0 was handed out exactly once
    assert sorted(r.statuses[0].limit_remaining for r in replies if r.overall_code == OK) == list(range(20))


async def test_a_new_minute_resets_the_minute_but_not_the_hour(
    service: Running, unique: str, frozen_clock: list[float], redis: aioredis.Redis
) -> None:
    await set_limits(service, unique, tenant_limits=(3, 5, 0))
    frozen_clock[0] = start = hour_start() + 30
    assert [(await ask(service, [tenant_descriptor(unique)])).overall_code for _ in range(4)] == [OK] * 3 + [
        OVER_LIMIT
    ]
    frozen_clock[0] = start + 60  # the next minute of the same hour
    replies = [await ask(service, [tenant_descriptor(unique)]) for _ in range(3)]
    assert [r.overall_code for r in replies] == [OK, OK, OVER_LIMIT]
    # refused by the hour: the status names the hour, Retry-After runs to the end of the hour
    hour_status = replies[2].statuses[0]
    assert (hour_status.current_limit.requests_per_unit, hour_status.current_limit.unit) == (5, HOUR)
    assert headers_of(replies[2])["retry-after"] == str(3600 - 90)
    # the refused requests spent nothing: the hour holds exactly the 5 that passed
    assert int(await redis.get(f"rl:{{{unique}}}:t:h:{int(start) // 3600}")) == 5


async def test_the_binding_window_is_reported_the_one_with_fewest_left(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    await set_limits(service, unique, tenant_limits=(100, 4, 0))
    frozen_clock[0] = hour_start() + 5
    status = (await ask(service, [tenant_descriptor(unique)])).statuses[0]
    assert (status.current_limit.requests_per_unit, status.current_limit.unit, status.limit_remaining) == (
        4,
        HOUR,
        3,
    )


async def test_api_keys_have_their_own_budgets_inside_the_tenants(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    await set_limits(service, unique, tenant_limits=(5, 0, 0), api_key_limits=(3, 0, 0))
    frozen_clock[0] = hour_start() + 2
    key_a = [(await ask(service, key_descriptors(unique, "keyA"))).overall_code for _ in range(4)]
    assert key_a == [OK, OK, OK, OVER_LIMIT]  # the key's 3 per minute
    key_b = [await ask(service, key_descriptors(unique, "keyB")) for _ in range(3)]
    # key B has its own 3, but the tenant's 5 are spent after 2 more (3 of A + 2 of B)
    assert [r.overall_code for r in key_b] == [OK, OK, OVER_LIMIT]
    tenant_status, key_status = key_b[2].statuses
    assert (tenant_status.code, key_status.code) == (OVER_LIMIT, OK)
    assert (tenant_status.current_limit.name, key_status.current_limit.name) == ("tenant", "api_key")
    assert key_status.limit_remaining == 1  # refused by the tenant: B's counter did not move


async def test_another_tenant_is_unaffected(service: Running, unique: str, frozen_clock: list[float]) -> None:
    other = f"{unique}-other"
    await set_limits(service, unique, tenant_limits=(1, 0, 0))
    frozen_clock[0] = hour_start() + 3
    await ask(service, [tenant_descriptor(unique)])
    assert (await ask(service, [tenant_descriptor(unique)])).overall_code == OVER_LIMIT
    reply = await ask(service, key_descriptors(other, "keyA"))
    assert reply.overall_code == OK
    assert [s.limit_remaining for s in reply.statuses] == [120_000 - 1, 100 - 1]  # the defaults


async def test_a_keys_own_limits_from_the_edge_win_over_the_tenants_key_limits(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    await set_limits(service, unique, api_key_limits=(50, 0, 0))
    frozen_clock[0] = hour_start() + 4
    codes = [
        (await ask(service, key_descriptors(unique, "small", api_key_limits="2/0/0"))).overall_code
        for _ in range(3)
    ]
    assert codes == [OK, OK, OVER_LIMIT]
    malformed = await ask(service, key_descriptors(unique, "odd", api_key_limits="lots"))
    assert malformed.statuses[1].current_limit.requests_per_unit == 50  # ignored: the tenant's key limit


async def test_the_same_tenant_twice_in_one_request_counts_once(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    """A request with a token and a key of one tenant yields two tenant descriptors."""
    await set_limits(service, unique, tenant_limits=(2, 0, 0))
    frozen_clock[0] = hour_start() + 6
    both = [tenant_descriptor(unique), tenant_descriptor(unique, route="external")]
    first = await ask(service, both)
    assert first.overall_code == OK
    # reported once: Envoy's X-RateLimit-Limit lists each budget once
    assert [s.HasField("current_limit") for s in first.statuses] == [True, False]
    assert first.statuses[0].limit_remaining == 1
    assert (await ask(service, both)).overall_code == OK
    assert (await ask(service, both)).overall_code == OVER_LIMIT


async def test_what_nobody_limits_passes_without_a_limit(service: Running, unique: str) -> None:
    other_domain = await ask(service, [tenant_descriptor(unique)], domain="somebody-else")
    assert other_domain.overall_code == OK and not other_domain.statuses
    no_tenant = await ask(
        service, [descriptor(destination_cluster="api"), descriptor(tenant_id="Not A Tenant")]
    )
    assert no_tenant.overall_code == OK
    assert [s.HasField("current_limit") for s in no_tenant.statuses] == [False, False]


async def test_hits_addend_counts_several_at_once(
    service: Running, unique: str, frozen_clock: list[float]
) -> None:
    await set_limits(service, unique, tenant_limits=(10, 0, 0))
    frozen_clock[0] = hour_start() + 7
    request = rls_pb2.RateLimitRequest(
        domain="openframe", descriptors=[tenant_descriptor(unique)], hits_addend=4
    )
    assert [(await service.rls.ShouldRateLimit(request)).overall_code for _ in range(3)] == [
        OK,
        OK,
        OVER_LIMIT,
    ]
