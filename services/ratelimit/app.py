"""Wiring of the rate-limit service: stores -> policies -> the kit's checker -> servicers."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from envoy.service.ratelimit.v3 import rls_pb2, rls_pb2_grpc

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as policies_pb2
from openframe.ratelimit.v1 import rate_limit_policies_pb2_grpc as policies_pb2_grpc
from services.kit import mongo
from services.kit.lifecycle import Lifecycle
from services.kit.ratelimit import defaults_of, start_checker
from services.kit.ratelimit.checker import Checker
from services.kit.ratelimit.counters import FailoverCounters
from services.kit.server import ServiceBinding, start_server
from services.ratelimit.policies import PolicyRepository
from services.ratelimit.rls import METHOD, RateLimitServicer
from services.ratelimit.servicer import RateLimitPolicyServicer
from services.ratelimit.settings import RateLimitSettings


@dataclass(frozen=True)
class RateLimitApp:
    """What ``build`` started (tests look inside: the counters, the checker)."""

    port: int
    checker: Checker

    @property
    def counters(self) -> FailoverCounters:
        counters = self.checker.counters
        assert isinstance(counters, FailoverCounters)
        return counters


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def build(settings: RateLimitSettings, lifecycle: Lifecycle) -> RateLimitApp:
    db = mongo.connect(settings, lifecycle)
    repository = PolicyRepository(db)
    indexes = asyncio.create_task(repository.init_in_background())
    lifecycle.on_shutdown("indexes", lambda: _cancel(indexes))
    checker, notices = start_checker(settings, repository, lifecycle)
    rls = RateLimitServicer(checker, settings.domain)
    admin = RateLimitPolicyServicer(repository, checker.policies, notices, defaults_of(settings))
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
    _, port = await start_server(settings, bindings, lifecycle, edge_methods=(METHOD,))
    return RateLimitApp(port, checker)
