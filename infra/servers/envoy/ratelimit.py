"""Per-tenant budgets at the edge without a call per request: Envoy's rate limit quota filter
(RLQS) with our rate-limit service as its quota server (decision 0019; docs/rate-limits.md).

``envoy.filters.http.rate_limit_quota`` (after jwt_authn, RBAC and ext_authz) puts every request
carrying a verified token into its tenant's bucket (``tenant_id`` = the token's ``tid``, which
jwt_authn copies into :data:`TENANT_HEADER`; a client's own copy of that header is removed first
in the chain, ``filters.header_mutation``) and decides it **in Envoy**, from the assignment the
service last sent for that bucket: allow all, a token bucket of what is left of the window, or
deny all. Usage goes back on one stream (``StreamRateLimitQuotas``), every 5 s and at once for a
new bucket; the service counts it in the tenant's Redis windows and answers, and it pushes a new
assignment when a window ends or the tenant's policy changes (services/ratelimit/quota.py).

A refusal is a 429 ``{"code": 8, "message": "rate limit exceeded"}`` (gRPC: RESOURCE_EXHAUSTED)
with ``X-RateLimit-Remaining: 0`` and ``Retry-After`` / ``X-RateLimit-Reset`` until the current
minute ends. A bucket with no assignment yet (the tenant's first request here), or whose
assignment expired (the service unreachable), is allowed: the edge fails open.

API-key requests are not counted here: the public API's API-key routes switch this filter off,
because their check (ext_authz, extauthz.py) counts the key and its tenant exactly, in the same
call that verifies the key. A request without a token has no bucket and is not counted.
"""

from __future__ import annotations

from typing import Any

from infra.servers.envoy.filters import RATE_TENANT_HEADER, cel_filter, typed
from infra.servers.envoy.options import EdgeOptions, RateLimits

Json = dict[str, Any]

FILTER = "envoy.filters.http.rate_limit_quota"
#: The verified token's tenant, as jwt_authn copies it (``claim_to_headers``); never a client's.
TENANT_HEADER = RATE_TENANT_HEADER
#: The bucket id entry the quota service reads (services/ratelimit/quota.py ``BUCKET_KEY``).
BUCKET_KEY = "tenant_id"
#: Tenant ids (auth.TENANT_REGEX): anything else gets no bucket.
TENANT_REGEX = "^[a-z0-9][a-z0-9-]+$"
#: The response code details of the filter's refusals.
DENIED = "rate_limited_by_quota"
#: Seconds until the current minute ends (the earliest a refusal can end), for the 429's headers.
UNTIL_NEXT_MINUTE = "%CEL(60 - request.time.getSeconds())%"


def _tenant_input() -> Json:
    return {
        "name": "tenant",
        "typed_config": typed("envoy.type.matcher.v3.HttpRequestHeaderMatchInput", header_name=TENANT_HEADER),
    }


def bucket_settings() -> Json:
    return typed(
        "envoy.extensions.filters.http.rate_limit_quota.v3.RateLimitQuotaBucketSettings",
        bucket_id_builder={"bucket_id_builder": {BUCKET_KEY: {"custom_value": _tenant_input()}}},
        # Envoy 1.40 reports every 5 s whatever this says (the service assumes 5 s)
        reporting_interval="5s",
        deny_response_settings={
            "grpc_status": {"code": 8, "message": "rate limit exceeded"},  # RESOURCE_EXHAUSTED
            "response_headers_to_add": [{"header": {"key": "x-ratelimit-remaining", "value": "0"}}],
        },
        # a new bucket (no assignment yet) and an expired assignment: allow (fail open)
        no_assignment_behavior={"fallback_rate_limit": {"blanket_rule": "ALLOW_ALL"}},
    )


def quota_filter(limits: RateLimits) -> Json:
    tenant = {
        "single_predicate": {
            "input": _tenant_input(),
            "value_match": {"safe_regex": {"google_re2": {}, "regex": TENANT_REGEX}},
        }
    }
    return {
        "name": FILTER,
        "typed_config": typed(
            "envoy.extensions.filters.http.rate_limit_quota.v3.RateLimitQuotaFilterConfig",
            rlqs_server={"envoy_grpc": {"cluster_name": limits.cluster}},
            domain=limits.domain,
            bucket_matchers={
                "matcher_list": {
                    "matchers": [
                        {
                            "predicate": tenant,
                            "on_match": {
                                "action": {"name": "tenant-budget", "typed_config": bucket_settings()}
                            },
                        }
                    ]
                }
            },
        ),
    }


def http_filters(options: EdgeOptions) -> list[Json]:
    """The quota filter (empty when the edge does not limit, or validates no tokens)."""
    if options.rate_limits is None or options.jwt is None:
        return []
    return [quota_filter(options.rate_limits)]


def claim_to_headers(options: EdgeOptions) -> list[Json]:
    """jwt_authn's copy of the verified tenant for the quota filter's buckets."""
    if options.rate_limits is None:
        return []
    return [{"header_name": TENANT_HEADER, "claim_name": "tid"}]


def local_reply_mappers(options: EdgeOptions, rest: Json) -> list[Json]:
    """A 429 says why: REST callers get the edge's JSON error shape (``rest`` recognises them; gRPC
    callers get RESOURCE_EXHAUSTED), whichever check refused. The quota filter's own refusals
    also get Retry-After and X-RateLimit-Reset (the API-key check sends exact ones itself)."""
    if options.rate_limits is None:
        return []
    body = {"json_format": {"code": 8, "message": "rate limit exceeded"}}
    limited = {"status_code_filter": {"comparison": {"op": "EQ", "value": {
        "default_value": 429, "runtime_key": "edge.local_reply.rate_limited"}}}}  # fmt: skip
    mappers = [{"filter": {"and_filter": {"filters": [limited, rest]}}, "body_format_override": body}]
    if not http_filters(options):
        return mappers
    denied = cel_filter(f"response.code_details == '{DENIED}'")
    headers = [
        {"header": {"key": key, "value": UNTIL_NEXT_MINUTE}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
        for key in ("retry-after", "x-ratelimit-reset")
    ]
    return [
        {
            "filter": {"and_filter": {"filters": [denied, rest]}},
            "headers_to_add": headers,
            "body_format_override": body,
        },
        {"filter": denied, "headers_to_add": headers},
        *mappers,
    ]
