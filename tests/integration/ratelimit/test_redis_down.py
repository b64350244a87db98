"""Redis down: the service fails open with a local limit. An in-process instance of the service
is pointed at a Redis address where nothing listens (the shared Redis keeps running): the
limits still hold, counted in this process, and every other request passes.

Its default limits are set low (5/min per tenant, 2/min per key) so a fresh tenant needs no
stored policy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.kit.config import Settings
from tests.integration.ratelimit.conftest import (
    OK,
    OVER_LIMIT,
    Running,
    ask,
    free_port,
    headers_of,
    key_descriptors,
    service_settings,
    start,
    tenant_descriptor,
)


@pytest.fixture(scope="module")
async def without_redis(settings: Settings) -> AsyncIterator[Running]:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    running, lifecycle = await start(
        service_settings(redis_url=dead, redis_retry_seconds=60, tenant_per_minute=5, api_key_per_minute=2)
    )
    yield running
    await lifecycle.shutdown()


async def test_limits_still_hold_counted_in_this_process(without_redis: Running, unique: str) -> None:
    replies = [await ask(without_redis, [tenant_descriptor(unique)]) for _ in range(7)]
    assert [r.overall_code for r in replies] == [OK] * 5 + [OVER_LIMIT] * 2
    assert [r.statuses[0].limit_remaining for r in replies[:5]] == [4, 3, 2, 1, 0]
    assert 1 <= int(headers_of(replies[5])["retry-after"]) <= 60
    assert without_redis.app.counters.redis_down  # it did try Redis, and fell back


async def test_everything_else_passes(without_redis: Running, unique: str) -> None:
    for _ in range(6):  # this tenant is over its limit...
        await ask(without_redis, [tenant_descriptor(unique)])
    others = [
        await ask(without_redis, [tenant_descriptor(f"{unique}-{n}")]) for n in range(10) for _ in range(3)
    ]
    assert all(r.overall_code == OK for r in others)  # ...the others are not


async def test_a_refused_check_does_not_spend_the_local_budget_either(
    without_redis: Running, unique: str
) -> None:
    codes = [(await ask(without_redis, key_descriptors(unique, "k"))).overall_code for _ in range(3)]
    assert codes == [OK, OK, OVER_LIMIT]  # the key's 2 per minute
    other_key = await ask(without_redis, key_descriptors(unique, "other"))
    assert other_key.overall_code == OK
    assert other_key.statuses[0].limit_remaining == 5 - 3  # the tenant counted k twice, other once
