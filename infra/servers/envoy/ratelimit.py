"""Rate limits at the edge: Envoy's global rate limit filter asking our rate-limit service.

``envoy.filters.http.ratelimit`` (after jwt_authn, RBAC and ext_authz, so it sees who is
calling) sends one ``ShouldRateLimit`` call per request to ``services/ratelimit``
(``envoy.service.ratelimit.v3``) with the tenant of the verified token: ``tenant_id`` =
``jwt_payload.tid`` from jwt_authn's metadata, followed by ``destination_cluster`` (the route
group), and answers 429 when it is over its limit. See docs/rate-limits.md.

API-key requests are not counted here: the public API's API-key routes switch this filter off,
because their check (ext_authz, extauthz.py) counts the key and its tenant in the same call that
verifies the key, with the same counters (services/kit/ratelimit). A request without a token
generates no descriptor and costs no call.

Headers: ``X-RateLimit-Limit/-Remaining/-Reset`` (``DRAFT_VERSION_03``, from the descriptor
status with the fewest requests left) on every checked response; the 429 also carries
``Retry-After`` (sent by the service) and, for gRPC callers, RESOURCE_EXHAUSTED. If the service
is down or slow (``timeout_s``) the request passes (``failure_mode_deny: false``): the edge
must not fail closed because of a limiter; the service itself falls back to local counting
when Redis is down.
"""

from __future__ import annotations

from typing import Any

from infra.servers.envoy.filters import typed
from infra.servers.envoy.options import EdgeOptions, RateLimits

Json = dict[str, Any]

FILTER = "envoy.filters.http.ratelimit"
JWT_METADATA = "envoy.filters.http.jwt_authn"
TENANT_ENTRY = "tenant_id"


def _from_metadata(entry: str, namespace: str, *path: str) -> Json:
    action: Json = {
        "descriptor_key": entry,
        "metadata_key": {"key": namespace, "path": [{"key": p} for p in path]},
        "source": "DYNAMIC",
    }
    return {"metadata": action}


def _route_group() -> Json:
    return {"destination_cluster": {}}


def descriptors() -> list[Json]:
    """The filter-level ``rate_limits``: the token's tenant (see the module's doc)."""
    return [{"actions": [_from_metadata(TENANT_ENTRY, JWT_METADATA, "jwt_payload", "tid"), _route_group()]}]


def rate_limit_filter(limits: RateLimits) -> Json:
    return {
        "name": FILTER,
        "typed_config": typed(
            "envoy.extensions.filters.http.ratelimit.v3.RateLimit",
            domain=limits.domain,
            request_type="both",  # the edge is the only entry: internal and external alike
            timeout=f"{limits.timeout_s:g}s",
            failure_mode_deny=False,
            # gRPC callers: RESOURCE_EXHAUSTED (8) rather than UNAVAILABLE, which clients retry
            rate_limited_as_resource_exhausted=True,
            enable_x_ratelimit_headers="DRAFT_VERSION_03",
            rate_limit_service={
                "grpc_service": {"envoy_grpc": {"cluster_name": limits.cluster}},
                "transport_api_version": "V3",
            },
            rate_limits=descriptors(),
            stat_prefix="openframe",
        ),
    }


def http_filters(options: EdgeOptions) -> list[Json]:
    """The rate limit filter (empty when the edge does not limit)."""
    if options.rate_limits is None:
        return []
    return [rate_limit_filter(options.rate_limits)]


def local_reply_mappers(options: EdgeOptions, rest: Json) -> list[Json]:
    """The 429 of the filter has an empty body: REST callers get the edge's JSON error shape
    with a message (``rest`` recognises them; gRPC callers get RESOURCE_EXHAUSTED)."""
    if options.rate_limits is None:
        return []
    limited = {"status_code_filter": {"comparison": {"op": "EQ", "value": {
        "default_value": 429, "runtime_key": "edge.local_reply.rate_limited"}}}}  # fmt: skip
    body = {"json_format": {"code": 8, "message": "rate limit exceeded"}}
    return [{"filter": {"and_filter": {"filters": [limited, rest]}}, "body_format_override": body}]
