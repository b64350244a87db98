"""MongoDB (the policies) unreachable: the service still starts and still limits, with the
defaults (a policy read gives up after 0.25 s, well inside Envoy's 0.5 s). An in-process instance
is pointed at a MongoDB address where nothing listens (the shared FerretDB keeps running)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as pb
from services.kit.config import Settings
from tests.integration.ratelimit.conftest import (
    OK,
    OVER_LIMIT,
    Running,
    as_tenant,
    ask,
    free_port,
    key_descriptors,
    service_settings,
    start,
)


@pytest.fixture(scope="module")
async def without_mongo(settings: Settings) -> AsyncIterator[Running]:
    dead = f"mongodb://127.0.0.1:{free_port()}/"
    running, lifecycle = await start(service_settings(mongo_url=dead))  # starts: indexes come later
    yield running
    await lifecycle.shutdown()


async def test_checks_use_the_defaults_without_waiting_on_the_store(
    without_mongo: Running, unique: str
) -> None:
    replies = [await ask(without_mongo, key_descriptors(unique, "key")) for _ in range(101)]
    assert [r.overall_code for r in replies] == [OK] * 100 + [OVER_LIMIT]  # the default 100/min per key
    assert replies[0].statuses[0].current_limit.requests_per_unit == 120_000


async def test_the_policy_api_says_unavailable(without_mongo: Running, unique: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await without_mongo.policies.GetRateLimitPolicy(
            pb.GetRateLimitPolicyRequest(), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
