"""Wiring of the rate-limit service: stores -> counters and policies -> checker -> servicers."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from envoy.service.ratelimit.v3 import rls_pb2, rls_pb2_grpc

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as policies_pb2
from openframe.ratelimit.v1 import rate_limit_policies_pb2_grpc as policies_pb2_grpc
from services.kit import mongo
from services.kit.lifecycle import Lifecycle
from services.kit.server import ServiceBinding, start_server
from services.ratelimit.checker import Checker
from services.ratelimit.counters import FailoverCounters, LocalCounters, RedisCounters
from services.ratelimit.limits import Defaults, Limits
from services.ratelimit.policies import PolicyCache, PolicyRepository
from services.ratelimit.rls import METHOD, RateLimitServicer
from services.ratelimit.servicer import RateLimitPolicyServicer
from services.ratelimit.settings import RateLimitSettings


@dataclass(frozen=True)
class RateLimitApp:
    """What ``build`` started (tests look inside: the counters, the checker)."""

    port: int
    checker: Checker
    counters: FailoverCounters


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def defaults_of(settings: RateLimitSettings) -> Defaults:
    return Defaults(
        tenant=Limits(settings.tenant_per_minute, settings.tenant_per_hour, settings.tenant_per_day),
        api_key=Limits(settings.api_key_per_minute, settings.api_key_per_hour, settings.api_key_per_day),
    )


async def build(settings: RateLimitSettings, lifecycle: Lifecycle) -> RateLimitApp:
    db = mongo.connect(settings, lifecycle)
    repository = PolicyRepository(db)
    indexes = asyncio.create_task(repository.init_in_background())
    lifecycle.on_shutdown("indexes", lambda: _cancel(indexes))
    cache = PolicyCache(repository, settings.policy_cache_seconds)
    shared = RedisCounters.connect(settings.redis_url, settings.redis_timeout_seconds)
    lifecycle.on_shutdown("redis", shared.close)
    counters = FailoverCounters(shared, LocalCounters(), retry_s=settings.redis_retry_seconds)
    defaults = defaults_of(settings)
    checker = Checker(cache, counters, defaults)
    rls = RateLimitServicer(checker, settings.domain)
    admin = RateLimitPolicyServicer(repository, cache, defaults)
    bindings = [
        ServiceBinding(
            rls_pb2.DESCRIPTOR.services_by_name["RateLimitService"].full_name,
            lambda server: rls_pb2_grpc.add_RateLimitServiceServicer_to_server(rls, server),
        ),
        ServiceBinding(
            policies_pb2.DESCRIPTOR.services_by_name["RateLimitPolicyService"].full_name,
            lambda server: policies_pb2_grpc.add_RateLimitPolicyServiceServicer_to_server(admin, server),
        ),
    ]
    _, port = await start_server(settings, bindings, lifecycle, public_methods=(METHOD,))
    return RateLimitApp(port, checker, counters)
