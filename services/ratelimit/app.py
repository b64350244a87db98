"""Wiring of the rate-limit service: stores -> policies -> the kit's checker -> servicers."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import redis.asyncio as aioredis
from envoy.service.rate_limit_quota.v3 import rlqs_pb2, rlqs_pb2_grpc
from envoy.service.ratelimit.v3 import rls_pb2, rls_pb2_grpc

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as policies_pb2
from openframe.ratelimit.v1 import rate_limit_policies_pb2_grpc as policies_pb2_grpc
from services.kit import mongo
from services.kit.lifecycle import Lifecycle
from services.kit.notices import ChangeNotices
from services.kit.ratelimit import defaults_of, start_checker
from services.kit.ratelimit.checker import Checker
from services.kit.ratelimit.counters import FailoverCounters, RedisCounters
from services.kit.ratelimit.policies import CHANNEL
from services.kit.server import ServiceBinding, start_server
from services.ratelimit import quota
from services.ratelimit.policies import PolicyRepository
from services.ratelimit.rls import METHOD, RateLimitServicer
from services.ratelimit.servicer import RateLimitPolicyServicer
from services.ratelimit.settings import RateLimitSettings


@dataclass(frozen=True)
class RateLimitApp:
    """What ``build`` started (tests look inside: the counters, the checker, the quota servicer)."""

    port: int
    checker: Checker
    quotas: quota.QuotaServicer

    @property
    def counters(self) -> FailoverCounters:
        counters = self.checker.counters
        assert isinstance(counters, FailoverCounters)
        return counters


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def start_quotas(settings: RateLimitSettings, checker: Checker, lifecycle: Lifecycle) -> quota.QuotaServicer:
    """The edge's tenant budgets (RLQS), assessed again at once when a tenant's policy changes."""
    redis = RedisCounters.connect(settings.redis_url, settings.redis_timeout_seconds)
    lifecycle.on_shutdown("quota-redis", redis.close)
    quotas = quota.QuotaServicer(
        checker,
        quota.TenantCounters(redis),
        settings.domain,
        near=settings.quota_near,
        report_s=settings.quota_report_seconds,
    )
    subscriber = aioredis.from_url(settings.redis_url, socket_connect_timeout=2)
    lifecycle.on_shutdown("quota-notices", subscriber.aclose)
    ChangeNotices(CHANNEL, redis.client, [quotas.policy_changed], subscriber=subscriber).start(lifecycle)
    return quotas


async def build(settings: RateLimitSettings, lifecycle: Lifecycle) -> RateLimitApp:
    db = mongo.connect(settings, lifecycle)
    repository = PolicyRepository(db)
    indexes = asyncio.create_task(repository.init_in_background())
    lifecycle.on_shutdown("indexes", lambda: _cancel(indexes))
    checker, notices = start_checker(settings, repository, lifecycle)
    rls = RateLimitServicer(checker, settings.domain)
    quotas = start_quotas(settings, checker, lifecycle)
    admin = RateLimitPolicyServicer(repository, checker.policies, notices, defaults_of(settings))
    bindings = [
        ServiceBinding(
            rls_pb2.DESCRIPTOR.services_by_name["RateLimitService"].full_name,
            lambda server: rls_pb2_grpc.add_RateLimitServiceServicer_to_server(rls, server),
        ),
        ServiceBinding(
            rlqs_pb2.DESCRIPTOR.services_by_name["RateLimitQuotaService"].full_name,
            lambda server: rlqs_pb2_grpc.add_RateLimitQuotaServiceServicer_to_server(quotas, server),
        ),
        ServiceBinding(
            policies_pb2.DESCRIPTOR.services_by_name["RateLimitPolicyService"].full_name,
            lambda server: policies_pb2_grpc.add_RateLimitPolicyServiceServicer_to_server(admin, server),
        ),
    ]
    _, port = await start_server(settings, bindings, lifecycle, edge_methods=(METHOD, quota.METHOD))
    return RateLimitApp(port, checker, quotas)
