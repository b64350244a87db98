"""The edge's tenant budgets (RLQS, services/ratelimit/quota.py): the service in-process, asked
over a real stream what Envoy's rate limit quota filter asks, against the real Redis; and the
assessment itself with chosen counts and times."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import grpc
import pytest
import redis.asyncio as aioredis
from envoy.service.rate_limit_quota.v3 import rlqs_pb2, rlqs_pb2_grpc
from envoy.type.v3 import ratelimit_strategy_pb2

from services.kit.ratelimit.limits import Limits
from services.ratelimit.quota import Assignment, assess
from tests.integration.ratelimit.conftest import Running, set_limits

ALLOW_ALL = ratelimit_strategy_pb2.RateLimitStrategy.ALLOW_ALL
DENY_ALL = ratelimit_strategy_pb2.RateLimitStrategy.DENY_ALL
HOUR = 1_000_000 * 3600.0  # a UTC hour (and day) boundary
LIMITS = Limits(per_minute=100, per_hour=1_000, per_day=10_000)


def test_far_from_every_limit_the_tenant_is_allowed_everything() -> None:
    assert assess(LIMITS, [10, 10, 10], rate=1.0, now=HOUR + 5, near=20, report_s=5) == Assignment(
        "allow", 0.0
    )


def test_near_a_limit_it_is_granted_exactly_what_is_left_of_the_binding_window() -> None:
    # 15 left of the minute (the fewest), until the minute ends
    assert assess(LIMITS, [85, 100, 100], rate=1.0, now=HOUR + 5, near=20, report_s=5) == Assignment(
        "grant", HOUR + 60, 15
    )
    # 10 left of the hour: the hour binds, until the hour ends
    assert assess(LIMITS, [50, 990, 990], rate=1.0, now=HOUR + 5, near=20, report_s=5) == Assignment(
        "grant", HOUR + 3600, 10
    )


def test_a_fast_sender_is_granted_sooner_than_a_slow_one() -> None:
    """Allowed only while more is left than twice what it sends before the next report."""
    slow = assess(LIMITS, [0, 500, 500], rate=1.0, now=HOUR + 5, near=20, report_s=5)
    fast = assess(LIMITS, [0, 500, 500], rate=60.0, now=HOUR + 5, near=20, report_s=5)
    assert slow.kind == "allow"
    assert fast == Assignment("grant", HOUR + 60, 100)  # the minute binds: 100 left of it


def test_a_spent_window_denies_until_the_longest_spent_one_ends() -> None:
    assert assess(LIMITS, [100, 200, 200], rate=1.0, now=HOUR + 5, near=20, report_s=5) == Assignment(
        "deny", HOUR + 60
    )
    assert assess(LIMITS, [100, 1_000, 1_000], rate=1.0, now=HOUR + 5, near=20, report_s=5) == Assignment(
        "deny", HOUR + 3600
    )


class Edge:
    """One stream, as Envoy holds it: reports out, assignments in."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.outbox: asyncio.Queue[rlqs_pb2.RateLimitQuotaUsageReports] = asyncio.Queue()
        stub = rlqs_pb2_grpc.RateLimitQuotaServiceStub(channel)
        self.call = stub.StreamRateLimitQuotas(self._reports())

    async def _reports(self) -> AsyncIterator[rlqs_pb2.RateLimitQuotaUsageReports]:
        while True:
            yield await self.outbox.get()

    def report(self, tenant: str, allowed: int, denied: int = 0, elapsed_s: int = 5) -> None:
        usage = rlqs_pb2.RateLimitQuotaUsageReports.BucketQuotaUsage(
            num_requests_allowed=allowed, num_requests_denied=denied
        )
        usage.bucket_id.bucket["tenant_id"] = tenant
        usage.time_elapsed.seconds = elapsed_s
        self.outbox.put_nowait(
            rlqs_pb2.RateLimitQuotaUsageReports(domain="openframe", bucket_quota_usages=[usage])
        )

    async def assignment(self) -> list[rlqs_pb2.RateLimitQuotaResponse.BucketAction]:
        """The next assignment (pushed, or the answer to a report), within 3 s."""
        async with asyncio.timeout(3):
            response = await self.call.read()
        return list(response.bucket_action)


@pytest.fixture
async def edge(service: Running) -> AsyncIterator[Edge]:
    stream = Edge(service.channel)
    yield stream
    stream.call.cancel()


def strategy(
    action: rlqs_pb2.RateLimitQuotaResponse.BucketAction,
) -> ratelimit_strategy_pb2.RateLimitStrategy:
    return action.quota_assignment_action.rate_limit_strategy


async def minute_count(redis: aioredis.Redis, tenant: str) -> int:
    return int(await redis.get(f"rl:{{{tenant}}}:t:m:{int(time.time()) // 60}") or 0)


def fresh_minute(at_least_s: float = 10) -> None:
    left = 60 - time.time() % 60
    if left < at_least_s:
        time.sleep(left + 0.1)


async def test_usage_is_counted_and_the_bucket_allowed_far_from_the_limit(
    edge: Edge, redis: aioredis.Redis, unique: str
) -> None:
    fresh_minute()
    edge.report(unique, allowed=3)
    (action,) = await edge.assignment()
    assert action.bucket_id.bucket["tenant_id"] == unique
    assert strategy(action).blanket_rule == ALLOW_ALL
    edge.report(unique, allowed=4, denied=0)
    await edge.assignment()
    assert await minute_count(redis, unique) == 7  # what the edge let through, in the shared window


async def test_near_the_limit_a_grant_of_what_is_left_then_deny_once_spent(
    service: Running, edge: Edge, redis: aioredis.Redis, unique: str
) -> None:
    await set_limits(service, unique, tenant_limits=(10, 0, 0))
    fresh_minute()
    edge.report(unique, allowed=3)
    reset, grant = await edge.assignment()
    # a fresh token bucket of exactly the 7 left, never refilled (ALLOW_ALL first: Envoy then starts it full)
    assert strategy(reset).blanket_rule == ALLOW_ALL
    bucket = strategy(grant).token_bucket
    assert bucket.max_tokens == 7 and bucket.tokens_per_fill.value == 1
    assert bucket.fill_interval.seconds > 86_400
    assert 1 <= grant.quota_assignment_action.assignment_time_to_live.seconds <= 61
    # the next report, within the same window: the same bucket, so the edge keeps what is left of it
    edge.report(unique, allowed=2, denied=0)
    (again,) = await edge.assignment()
    assert strategy(again).token_bucket == bucket
    # spent: every request refused until the minute ends
    edge.report(unique, allowed=5, denied=40)
    (denied,) = await edge.assignment()
    assert strategy(denied).blanket_rule == DENY_ALL
    assert 1 <= denied.quota_assignment_action.assignment_time_to_live.seconds <= 61
    assert await minute_count(redis, unique) == 10  # refused requests spend nothing


async def test_a_changed_policy_is_pushed_to_the_edge_without_waiting_for_a_report(
    service: Running, edge: Edge, unique: str
) -> None:
    fresh_minute()
    edge.report(unique, allowed=4)
    (action,) = await edge.assignment()
    assert strategy(action).blanket_rule == ALLOW_ALL
    await set_limits(service, unique, tenant_limits=(6, 0, 0))
    reset, grant = await edge.assignment()  # no report sent: pushed on the policy notice
    assert strategy(reset).blanket_rule == ALLOW_ALL
    assert strategy(grant).token_bucket.max_tokens == 2
    # a grant pushed between reports did not count what the edge let through meanwhile: the next
    # report replaces it (a fresh bucket), after which it holds
    edge.report(unique, allowed=1)
    reset, grant = await edge.assignment()
    assert strategy(reset).blanket_rule == ALLOW_ALL
    assert strategy(grant).token_bucket.max_tokens == 1
    edge.report(unique, allowed=0)
    (again,) = await edge.assignment()
    assert strategy(again).token_bucket.max_tokens == 1
    await set_limits(service, unique, tenant_limits=(5, 0, 0))
    (denied,) = await edge.assignment()
    assert strategy(denied).blanket_rule == DENY_ALL
    await set_limits(service, unique, tenant_limits=(0, 0, 0))  # back to the defaults
    (allowed,) = await edge.assignment()
    assert strategy(allowed).blanket_rule == ALLOW_ALL


async def test_buckets_of_no_tenant_and_other_domains_get_no_assignment(edge: Edge, unique: str) -> None:
    edge.report("Not A Tenant!", allowed=1)
    other = rlqs_pb2.RateLimitQuotaUsageReports(domain="elsewhere")
    other.bucket_quota_usages.add().bucket_id.bucket["tenant_id"] = unique
    edge.outbox.put_nowait(other)
    edge.report(unique, allowed=1)
    (action,) = await edge.assignment()  # only the last one is answered
    assert action.bucket_id.bucket["tenant_id"] == unique
