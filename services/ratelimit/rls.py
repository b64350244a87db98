"""Envoy's side: ``envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit``.

Maps the request to the checker and its decision back to what Envoy turns into headers:
one status per descriptor (``current_limit``, ``limit_remaining``, ``duration_until_reset``:
Envoy's ``X-RateLimit-Limit/-Remaining/-Reset`` with ``enable_x_ratelimit_headers:
DRAFT_VERSION_03`` come from the status with the fewest requests left), and ``Retry-After`` on
an OVER_LIMIT answer (Envoy adds ``response_headers_to_add`` to its 429).

Called by Envoy without credentials (a public method of this server): the port is reachable
inside the mesh only, and the edge never routes this path.
"""

from __future__ import annotations

from typing import Any

from envoy.config.core.v3 import base_pb2
from envoy.service.ratelimit.v3 import rls_pb2, rls_pb2_grpc

from services.kit.logging import get_logger
from services.kit.ratelimit.checker import Checker, Decision
from services.kit.ratelimit.limits import Window

log = get_logger(__name__)

METHOD = "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit"
Code = rls_pb2.RateLimitResponse.Code
Unit = rls_pb2.RateLimitResponse.RateLimit.Unit
_UNITS = {Window.MINUTE: Unit.MINUTE, Window.HOUR: Unit.HOUR, Window.DAY: Unit.DAY}


class RateLimitServicer(rls_pb2_grpc.RateLimitServiceServicer):  # type: ignore[misc]  # untyped stubs
    def __init__(self, checker: Checker, domain: str) -> None:
        self.checker = checker
        self.domain = domain

    async def ShouldRateLimit(
        self, request: rls_pb2.RateLimitRequest, context: Any
    ) -> rls_pb2.RateLimitResponse:
        if request.domain != self.domain or not request.descriptors:
            return rls_pb2.RateLimitResponse(overall_code=Code.OK)
        # a descriptor's own hits_addend (a wrapper) wins over the request's; unset means 1
        default_hits = request.hits_addend or 1
        hits = [
            max(1, d.hits_addend.value) if d.HasField("hits_addend") else default_hits
            for d in request.descriptors
        ]
        entries = [{e.key: e.value for e in d.entries} for d in request.descriptors]
        decision = await self.checker.check(entries, hits)
        if not decision.allowed:
            log.info(
                "over limit",
                tenants=sorted({r.subject.tenant_id for r in decision.results if r.subject}),
                retry_after_s=decision.retry_after_s,
                backend=decision.backend,
            )
        return to_response(decision)


def to_response(decision: Decision) -> rls_pb2.RateLimitResponse:
    statuses = []
    for result in decision.results:
        status = rls_pb2.RateLimitResponse.DescriptorStatus(
            code=Code.OVER_LIMIT if result.over_limit else Code.OK
        )
        if result.status is not None and result.subject is not None:
            status.current_limit.requests_per_unit = result.status.limit
            status.current_limit.unit = _UNITS[result.status.window]
            status.current_limit.name = result.subject.kind
            status.limit_remaining = result.status.remaining
            status.duration_until_reset.seconds = result.status.reset_s
        statuses.append(status)
    response = rls_pb2.RateLimitResponse(
        overall_code=Code.OK if decision.allowed else Code.OVER_LIMIT, statuses=statuses
    )
    if not decision.allowed:
        response.response_headers_to_add.append(
            base_pb2.HeaderValue(key="retry-after", value=str(decision.retry_after_s))
        )
    return response
