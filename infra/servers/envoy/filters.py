"""The HTTP filter chain of the edge listener, and the pieces of config each filter needs.

Order matters: on the way in filters run top to bottom, on the way out bottom to top, and a
reply a filter makes itself (CORS preflight, a transcoding error, later a 401 or a 429) is
still encoded by every filter above it. So the header mutation filter comes first: its
response side runs last and stamps the security headers on *every* response.
"""

from __future__ import annotations

from typing import Any

from infra.servers.envoy.options import EdgeOptions

Json = dict[str, Any]

TYPE = "type.googleapis.com/"
#: Headers a browser may send cross-origin (grpc-web's own headers included).
CORS_ALLOW_HEADERS = (
    "authorization", "content-type", "x-api-key", "x-request-id", "if-match", "if-none-match",
    "x-grpc-web", "x-user-agent", "grpc-timeout", "x-accept-content-transfer-encoding",
    "x-accept-response-streaming",
)  # fmt: skip
#: Response headers a cross-origin script may read.
CORS_EXPOSE_HEADERS = (
    "grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "etag", "retry-after",
    "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
)  # fmt: skip
#: The HTTP status a service wants for a REST caller where gRPC has none (412, 304;
#: services/kit/preconditions.py). Applied by the Lua filter below, removed from every response.
HTTP_STATUS_HEADER = "x-openframe-http-status"
HTTP_STATUS_FILTER = "envoy.filters.http.lua"
#: Runs on the transcoded response (it sits before the transcoder, so it encodes after it). Only
#: the statuses the kit sends are applied; a 304 loses its body (RFC 9110 §15.4.5).
HTTP_STATUS_LUA = """
function envoy_on_response(handle)
  local headers = handle:headers()
  local status = headers:get("x-openframe-http-status")
  if status == nil then
    return
  end
  headers:remove("x-openframe-http-status")
  if status ~= "412" and status ~= "304" then
    return
  end
  headers:replace(":status", status)
  if status == "304" then
    headers:remove("content-type")
    local body = handle:body()
    if body ~= nil then
      body:setBytes("")
    end
  end
end
"""
#: Identity headers the services trust only in development (services/kit/identity.py).
DEV_IDENTITY_HEADERS = ("x-openframe-tenant", "x-openframe-roles", "x-openframe-subject")
#: Set by jwt_authn from the verified token for the rate limit quota filter (ratelimit.py).
RATE_TENANT_HEADER = "x-openframe-rate-tenant"
#: Fits the Swagger UI page (its own script and CSS, inline styles, data: images) and is
#: strict for everything else. Upstreams that send their own CSP (the login pages) keep it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"


def typed(type_name: str, **config: Any) -> Json:
    return {"@type": TYPE + type_name, **config}


def other_host() -> list[Json]:
    """Retry host predicate: a retry goes to another replica than the attempts before it."""
    predicate = typed("envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate")
    return [{"name": "envoy.retry_host_predicates.previous_hosts", "typed_config": predicate}]


def disabled() -> Json:
    """Per-route config that switches a filter off for that route (``FilterConfig.disabled``)."""
    return typed("envoy.config.route.v3.FilterConfig", disabled=True)


def _header(key: str, value: str, action: str = "ADD_IF_ABSENT") -> Json:
    return {"header": {"key": key, "value": value}, "append_action": action}


def security_headers(options: EdgeOptions) -> list[Json]:
    headers = [
        _header("x-content-type-options", "nosniff", "OVERWRITE_IF_EXISTS_OR_ADD"),
        _header("x-frame-options", "DENY", "OVERWRITE_IF_EXISTS_OR_ADD"),
        _header("referrer-policy", "no-referrer"),
        _header("content-security-policy", CONTENT_SECURITY_POLICY),
    ]
    if options.tls is not None:  # HSTS over plaintext is ignored by browsers and misleading
        headers.append(_header("strict-transport-security", HSTS, "OVERWRITE_IF_EXISTS_OR_ADD"))
    return headers


def header_mutation(options: EdgeOptions) -> Json:
    # the services' status signal never leaves the edge (the Lua filter has read it on REST routes)
    mutations: Json = {
        "response_mutations": [
            *({"append": h} for h in security_headers(options)),
            {"remove": HTTP_STATUS_HEADER},
        ]
    }
    # The verified tenant jwt_authn hands the rate limiter: never a client's (ratelimit.py).
    removed = [RATE_TENANT_HEADER]
    if not options.trust_identity_headers:
        # Nobody outside may claim an identity; the auth filters (later) set these themselves.
        removed += DEV_IDENTITY_HEADERS
    mutations["request_mutations"] = [{"remove": h} for h in removed]
    return {
        "name": "envoy.filters.http.header_mutation",
        "typed_config": typed(
            "envoy.extensions.filters.http.header_mutation.v3.HeaderMutation", mutations=mutations
        ),
    }


def cors_policy(options: EdgeOptions) -> Json:
    """The virtual host's CORS policy (``typed_per_filter_config``; the ``cors`` field is deprecated)."""
    allow_headers = list(CORS_ALLOW_HEADERS)
    if options.trust_identity_headers:
        allow_headers += DEV_IDENTITY_HEADERS
    return typed(
        "envoy.extensions.filters.http.cors.v3.CorsPolicy",
        allow_origin_string_match=[{"exact": origin} for origin in options.cors_origins],
        allow_methods="GET, POST, PUT, PATCH, DELETE, OPTIONS",
        allow_headers=", ".join(allow_headers),
        expose_headers=", ".join(CORS_EXPOSE_HEADERS),
        max_age="600",
        allow_credentials=False,  # bearer tokens and API keys travel in headers, not cookies
        # A preflight from an origin we do not allow is answered here (without allow-* headers)
        # instead of travelling on to the transcoder or a service.
        forward_not_matching_preflights=False,
    )


def transcoder(descriptor: str, services: tuple[str, ...]) -> Json:
    """REST <-> gRPC over the generated descriptor set (see docs/edge.md for each choice)."""
    return {
        "name": "envoy.filters.http.grpc_json_transcoder",
        "typed_config": typed(
            "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
            proto_descriptor=descriptor,
            services=list(services),
            auto_mapping=False,  # only RPCs with a google.api.http rule are REST endpoints
            convert_grpc_status=True,  # gRPC errors -> HTTP status + google.rpc.Status JSON body
            # false: after transcoding, the route is matched again on the gRPC path, so REST and
            # gRPC calls of one RPC share one route (cluster, timeout, retries).
            match_incoming_request_route=False,
            case_insensitive_enum_parsing=False,
            print_options={
                "add_whitespace": False,
                "always_print_primitive_fields": True,  # zero values appear: {"employeeCount": 0}
                "always_print_enums_as_ints": False,
                "preserve_proto_field_names": False,  # lowerCamelCase JSON, as protoc-gen-openapiv2
            },
            request_validation_options={
                "reject_unknown_method": True,  # a REST path no rule maps -> 404 at the edge
                "reject_unknown_query_parameters": True,  # a typo in ?pageSize= -> 400, not ignored
                "reject_binding_body_field_collisions": True,
            },
        ),
    }


def grpc_web() -> Json:
    return {
        "name": "envoy.filters.http.grpc_web",
        "typed_config": typed("envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"),
    }


def cors() -> Json:
    return {
        "name": "envoy.filters.http.cors",
        "typed_config": typed("envoy.extensions.filters.http.cors.v3.Cors"),
    }


def http_status() -> Json:
    """The Lua filter applying :data:`HTTP_STATUS_HEADER`. Off by default and switched on per
    route (:func:`http_status_route_config`) only on REST requests that carry If-Match or
    If-None-Match (routes._transcoded): other REST calls, native gRPC, files and the plain HTTP
    routes never pay for it, and no upstream but our services can set a status through it."""
    return {
        "name": HTTP_STATUS_FILTER,
        "disabled": True,
        "typed_config": typed(
            "envoy.extensions.filters.http.lua.v3.Lua",
            default_source_code={"inline_string": HTTP_STATUS_LUA},
        ),
    }


def http_status_route_config(options: EdgeOptions) -> Json:
    """Per-route entry switching :func:`http_status` on (conditional REST routes; needs the
    transcoder). Its script is the filter's default one: the per-route entry must stay on the
    route the request matched first, since after transcoding Envoy matches the gRPC route, which
    has none (the Lua filter looks its per-route config up again on the response)."""
    if options.descriptor is None:
        return {}
    script = typed("envoy.extensions.filters.http.lua.v3.LuaPerRoute", filter_context={"route": "rest"})
    return {HTTP_STATUS_FILTER: typed("envoy.config.route.v3.FilterConfig", config=script)}


def router() -> Json:
    return {
        "name": "envoy.filters.http.router",
        "typed_config": typed("envoy.extensions.filters.http.router.v3.Router"),
    }


def auth_and_limits(options: EdgeOptions) -> list[Json]:
    """EXTENSION POINT: authentication and rate limiting (issues #4 and #6) go here, in this order.

    1. ``envoy.filters.http.jwt_authn`` + ``envoy.filters.http.rbac`` (``auth.py``, from
       ``EdgeOptions.jwt``): a bearer token valid for the tenant whose key signed it, on every
       route that does not switch them off (``routes.unauthenticated``). One provider over all
       tenants' keys, so tenants created at runtime need no restart.
    2. ``envoy.filters.http.ext_authz`` (gRPC, ``envoy.service.auth.v3``): ``X-API-Key`` on
       the public API routes (``access="jwt_optional"`` in services.py today); disabled per route
       elsewhere with :func:`disabled`.
    3. ``envoy.filters.http.rate_limit_quota`` (RLQS, ``ratelimit.py``): the token's tenant's
       budget, decided in Envoy from the rate-limit service's assignments (decision 0019).

    They sit after CORS (preflights carry no credentials) and before the transcoder (they see the
    REST path as the client sent it). 2 and 3 come in through ``EdgeOptions.extra_filters``, their
    clusters through ``EdgeOptions.extra_clusters``; each must be a complete ``HttpFilter`` dict.
    """
    from infra.servers.envoy import auth, extauthz, ratelimit  # they build on this module's helpers

    # rate limiting last: it needs the identity the filters before it established
    return [
        *auth.http_filters(options),
        *extauthz.http_filters(options),  # API keys (issue #6), after the token checks
        *options.extra_filters,
        *ratelimit.http_filters(options),
    ]


def http_filters(options: EdgeOptions) -> list[Json]:
    chain = [header_mutation(options), cors(), *auth_and_limits(options), grpc_web()]
    if options.descriptor is not None:
        chain += [http_status(), transcoder(options.descriptor, options.grpc_services)]
    return [*chain, router()]


#: HTTP status of an edge-made error -> the gRPC code its JSON body names (google.rpc.Status
#: shape, as the transcoder renders a service's error), per google/rpc/code.proto.
LOCAL_REPLY_CODES: dict[int, int] = {
    400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 409: 10, 413: 3, 429: 8,
    431: 3, 500: 13, 501: 12, 502: 14, 503: 14, 504: 4,
}  # fmt: skip


#: What the connection manager refuses before any route (``normalize_path``,
#: ``path_with_escaped_slashes_action: REJECT_REQUEST``); Envoy's own reply has an empty body.
PATH_REFUSED = "response.code == 400 && response.code_details == 'path_normalization_failed'"
#: (no percent sign in it: json_format values are format strings)
PATH_REFUSED_MESSAGE = "invalid request path: an escaped slash or backslash, or a NUL byte"


def cel_filter(expression: str) -> Json:
    """An access-log filter on a CEL expression (local reply mappers can use them too)."""
    return {
        "extension_filter": {
            "name": "envoy.access_loggers.extension_filters.cel",
            "typed_config": typed(
                "envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter", expression=expression
            ),
        }
    }


def _status_is(code: int, op: str = "EQ") -> Json:
    value = {"default_value": code, "runtime_key": f"edge.local_reply.{op.lower()}_{code}"}
    return {"status_code_filter": {"comparison": {"op": op, "value": value}}}


def local_reply_config(options: EdgeOptions) -> Json:
    """Errors Envoy makes itself (bad JSON, unknown REST path, no upstream, ...) as JSON bodies.

    REST callers then see one error shape, ``{"code": <grpc code>, "message": ...}``, whether a
    service or the edge refused them. Native gRPC callers are left alone (their local replies
    carry grpc-status/grpc-message); a transcoded call is recognised by the original path the
    transcoder keeps, since its content-type is application/grpc by then.
    """
    rest = {
        "or_filter": {
            "filters": [
                {"header_filter": {"header": {"name": "x-envoy-original-path", "present_match": True}}},
                {
                    "header_filter": {
                        "header": {
                            "name": "content-type",
                            "string_match": {"prefix": "application/grpc"},
                            "invert_match": True,
                            "treat_missing_header_as_empty": True,  # a GET has no content-type
                        }
                    }
                },
            ]
        }
    }

    def mapper(status_filter: Json, code: int) -> Json:
        body = {"json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%"}}
        return {"filter": {"and_filter": {"filters": [status_filter, rest]}}, "body_format_override": body}

    mappers: list[Json] = []
    if options.jwt is not None:  # first: a refused token is a 401 whoever refused it
        from infra.servers.envoy import auth

        mappers += auth.unauthorized_mappers(rest)
    from infra.servers.envoy import ratelimit

    mappers += ratelimit.local_reply_mappers(options, rest)  # a 429 says why
    path_refused = cel_filter(PATH_REFUSED)
    mappers += [
        {
            "filter": {"and_filter": {"filters": [path_refused, rest]}},
            "body_format_override": {"json_format": {"code": 3, "message": PATH_REFUSED_MESSAGE}},
        },
        {"filter": path_refused, "body": {"inline_string": PATH_REFUSED_MESSAGE}},  # gRPC: grpc-message
    ]
    mappers += [mapper(_status_is(status), code) for status, code in LOCAL_REPLY_CODES.items()]
    mappers.append(mapper(_status_is(400, "GE"), 2))  # anything else: UNKNOWN
    return {"mappers": mappers}


#: One JSON object per request on stdout. Numbers stay numbers; a missing value is null.
ACCESS_LOG_FIELDS: dict[str, str] = {
    "time": "%START_TIME%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "tenant": "%REQ(X-OPENFRAME-TENANT)%",
    "api_key": "%DYNAMIC_METADATA(envoy.filters.http.ext_authz:api_key_id)%",
    "method": "%REQ(X-ENVOY-ORIGINAL-METHOD?:METHOD)%",
    # the path as the client sent it, without the query string (it may carry one-time tokens)
    "path": "%PATH(NQ:ORIG_OR_PATH)%",
    "rpc": "%PATH(NQ:PATH)%",  # after transcoding: the gRPC method
    "protocol": "%PROTOCOL%",
    "status": "%RESPONSE_CODE%",
    "grpc_status": "%GRPC_STATUS(NUMBER)%",
    "duration_ms": "%DURATION%",
    "upstream_ms": "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    # Where a request's time went: the edge's filters before the upstream (token validation,
    # the API-key check, the rate limit call), then the upstream until its last byte.
    "edge_us": "%COMMON_DURATION(DS_RX_BEG:US_TX_BEG:us)%",
    "upstream_us": "%COMMON_DURATION(US_TX_BEG:US_RX_END:us)%",
    "route": "%ROUTE_NAME%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%",
    "upstream_host": "%UPSTREAM_HOST%",
    "flags": "%RESPONSE_FLAGS%",
    "details": "%RESPONSE_CODE_DETAILS%",
    "bytes_in": "%BYTES_RECEIVED%",
    "bytes_out": "%BYTES_SENT%",
    "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
    "user_agent": "%REQ(USER-AGENT)%",
}


#: With tokens validated at the edge, the tenant and subject come from the verified payload.
TOKEN_FIELDS: dict[str, str] = {
    "tenant": "%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:jwt_payload:tid)%",
    "subject": "%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:jwt_payload:sub)%",
}


def access_log(options: EdgeOptions) -> list[Json]:
    from infra.servers.envoy import extauthz  # it builds on this module's helpers

    fields = {**ACCESS_LOG_FIELDS, **TOKEN_FIELDS} if options.jwt is not None else ACCESS_LOG_FIELDS
    return [
        {
            "name": "envoy.access_loggers.stdout",
            "typed_config": typed(
                "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
                log_format={"json_format": fields},
            ),
        },
        *extauthz.access_logs(options),  # API-key usage counts (services/external/usage)
    ]
