"""API keys at the edge: Envoy's ext_authz filter calling the external service, and the gRPC
access log stream usage analytics are counted from (issue #6; docs/external-api.md).

* ``envoy.filters.http.ext_authz`` (gRPC, ``envoy.service.auth.v3``), after jwt_authn + rbac and
  before the rate limiter. **Off by default** (``disabled``) and switched on per route for the
  public API's routes (access ``jwt_optional``, services.py) that carry an ``X-API-Key``
  header (``routes._by_credential``), so no other request pays for the call, bearer-token calls
  of the public API included. The check (services/external/authz/server.py) accepts an
  ``X-API-Key`` (an empty one counts as none: then a bearer token jwt_authn already verified,
  read from jwt_authn's metadata sent along via ``metadata_context_namespaces``), answers
  401/403 itself, counts the request against the key's and its tenant's rate limits (429 when
  over: the rate limit filter is off on these routes, so a key's request costs one call), and
  on success replaces the
  upstream ``authorization`` with an internal token of the key's identity and sets dynamic
  metadata ``tenant_id`` / ``api_key_id`` in this filter's namespace (the rate limiter's
  descriptors read them). Only ``x-api-key`` is sent to the check. If the check cannot be
  reached the request fails closed (503), never open.
* ``envoy.access_loggers.http_grpc``: the finished API-key requests (a metadata filter on
  ``api_key_id``), with their status and grpc-status, streamed in batches to the external
  service's ``AccessLogService``.
"""

from __future__ import annotations

from typing import Any

from infra.servers.envoy.filters import disabled, other_host, typed
from infra.servers.envoy.options import EdgeOptions
from infra.servers.envoy.ratelimit import FILTER as RATE_LIMIT_FILTER
from infra.servers.envoy.services import Access

Json = dict[str, Any]

EXT_AUTHZ = "envoy.filters.http.ext_authz"
#: The external service serves both edge APIs on its gRPC port.
CLUSTER = "external"
JWT_NAMESPACE = "envoy.filters.http.jwt_authn"
API_KEY_HEADER = "x-api-key"
#: A slow check fails the request (503) rather than letting it through unchecked.
CHECK_TIMEOUT = "0.5s"
USAGE_LOG = "openframe-usage"
#: A check that could not reach a replica, or lost it mid-call, asks another one (within the
#: check's timeout): a replica's death is not a 503 for API-key callers. A check lost mid-call may
#: have counted the request already; a retried one counts it twice, erring towards the limit.
CHECK_RETRY: Json = {
    "retry_on": "connect-failure,refused-stream,reset,unavailable",
    "num_retries": 2,
    "retry_back_off": {"base_interval": "0.01s", "max_interval": "0.05s"},
    "retry_host_predicate": other_host(),
    "host_selection_retry_max_attempts": 3,
}


def enabled(options: EdgeOptions) -> bool:
    """ext_authz trusts jwt_authn's metadata for bearer tokens: only with token validation on."""
    return options.jwt is not None


def ext_authz() -> Json:
    return {
        "name": EXT_AUTHZ,
        "disabled": True,  # on only where route_config() switches it on
        "typed_config": typed(
            "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
            grpc_service={
                "envoy_grpc": {"cluster_name": CLUSTER},
                "timeout": CHECK_TIMEOUT,
                "retry_policy": CHECK_RETRY,
            },
            transport_api_version="V3",
            failure_mode_allow=False,
            status_on_error={"code": "ServiceUnavailable"},
            metadata_context_namespaces=[JWT_NAMESPACE],
            allowed_headers={"patterns": [{"exact": API_KEY_HEADER}]},
            include_peer_certificate=False,
            stat_prefix="openframe",
        ),
    }


def key_present() -> Json:
    """Route match on the header: the public API's routes for API keys (routes.py)."""
    return {"name": API_KEY_HEADER, "present_match": True}


def http_filters(options: EdgeOptions) -> list[Json]:
    return [ext_authz()] if enabled(options) else []


def route_config(access: Access, options: EdgeOptions) -> Json:
    """Per-route entries of the public API's API-key routes: the check on, and the rate limit
    filter off, because the check counts the key's requests itself (one call per request)."""
    if access != "jwt_optional" or not enabled(options):
        return {}
    per_route = typed("envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute", check_settings={})
    entries = {EXT_AUTHZ: typed("envoy.config.route.v3.FilterConfig", config=per_route)}
    if options.rate_limits is not None:
        entries[RATE_LIMIT_FILTER] = disabled()
    return entries


def access_logs(options: EdgeOptions) -> list[Json]:
    """The usage stream: API-key requests only, batched every second."""
    if not enabled(options):
        return []
    has_key = {
        "metadata_filter": {
            "matcher": {
                "filter": EXT_AUTHZ,
                "path": [{"key": "api_key_id"}],
                "value": {"present_match": True},
            },
            "match_if_key_not_found": False,
        }
    }
    return [
        {
            "name": "envoy.access_loggers.http_grpc",
            "filter": has_key,
            "typed_config": typed(
                "envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig",
                common_config={
                    "log_name": USAGE_LOG,
                    "grpc_service": {"envoy_grpc": {"cluster_name": CLUSTER}},
                    "transport_api_version": "V3",
                    "buffer_flush_interval": "1s",
                    "buffer_size_bytes": 16384,
                },
                additional_response_headers_to_log=["grpc-status"],
                additional_response_trailers_to_log=["grpc-status"],
            ),
        }
    ]
