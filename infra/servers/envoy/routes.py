"""The route table: files Envoy serves itself, then gRPC, REST and plain HTTP routes per service.

Transcoded REST calls are matched twice: first on the REST path (so CORS and the auth filters
find a route), then, once the transcoder has rewritten the request, on the gRPC path. Timeouts
and retries therefore live on the gRPC routes only, and one RPC behaves the same over REST
and gRPC.
"""

from __future__ import annotations

import re
from typing import Any

from infra.servers.envoy import auth, extauthz, filters
from infra.servers.envoy.options import DOCS_FILES, SWAGGER_UI_FILES, EdgeOptions
from infra.servers.envoy.services import SERVICES, Access, EdgeService, PublicRpc

Json = dict[str, Any]

TRANSCODER = "envoy.filters.http.grpc_json_transcoder"
#: Swagger UI's bundle is ~1.7 MB; Envoy's default cap on a direct response body is 4 KiB.
MAX_DIRECT_RESPONSE_BYTES = 8 * 1024 * 1024
RETRIES = 2
PER_TRY_TIMEOUT_S = 5.0
#: When an attempt is retried (on another replica: ``filters.other_host``). Reads: whenever the
#: attempt failed without an answer of the service's own (its replica died mid-call, refused or
#: was unreachable) or the service said UNAVAILABLE. Writes only when the request never reached
#: a replica (no connection, or a stream refused before it was processed): a write in flight on
#: a replica that dies is not retried, since it may have been applied (docs/replicas.md).
READ_RETRY_ON = "unavailable,reset,connect-failure,refused-stream"
WRITE_RETRY_ON = "connect-failure,refused-stream,reset-before-request"
HTTP_READ_RETRY_ON = "reset,connect-failure,refused-stream"


def seconds(value: float) -> str:
    return f"{value:g}s"


def _set_header(key: str, value: str) -> Json:
    return {"header": {"key": key, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}


def unauthenticated(options: EdgeOptions) -> Json:
    """Per-filter config of routes anyone may call: the authentication filters switched off."""
    chain = [f["name"] for f in filters.auth_and_limits(options)]
    return auth.route_config("public", options, chain)


def public(options: EdgeOptions) -> Json:
    """Per-filter config of what Envoy serves itself and the plain HTTP routes: no
    authentication, no transcoding."""
    off = {TRANSCODER: filters.disabled()} if options.descriptor is not None else {}
    return {**off, **unauthenticated(options)}


def protected(access: Access, options: EdgeOptions) -> Json:
    """Per-filter config of a service's gRPC and REST routes (``EdgeService.access``)."""
    chain = [f["name"] for f in filters.auth_and_limits(options)]
    return {**auth.route_config(access, options, chain), **extauthz.route_config(access, options)}


def _with_filters(route: Json, per_filter: Json) -> Json:
    """``route`` with ``per_filter`` added to the per-filter config it already has."""
    merged = {**route.get("typed_per_filter_config", {}), **per_filter}
    return {**route, "typed_per_filter_config": merged} if merged else route


def _by_credential(route: Json, access: Access, options: EdgeOptions, *, plain: bool = False) -> list[Json]:
    """``route`` with the per-filter config of ``access`` (``plain``: not transcoded).

    The public API (``jwt_optional``) becomes two routes, by the credential sent: with an
    ``X-API-Key`` header, ext_authz checks the key (a token sent too must still be valid); without
    one, a bearer token is required and ext_authz is not called at all, because the rate limiter
    reads the verified token's tenant itself. A token caller pays for no check it does not need.
    """
    per_filter = _plain_http if plain else protected
    if access != "jwt_optional" or not extauthz.enabled(options):
        return [_with_filters(route, per_filter(access, options))]
    match = route["match"]
    with_key = {
        **route,
        "name": f"{route['name']}:api-key",
        "match": {**match, "headers": [*match.get("headers", []), extauthz.key_present()]},
    }
    return [
        _with_filters(with_key, per_filter("jwt_optional", options)),
        _with_filters(route, per_filter("jwt", options)),
    ]


def _file(name: str, path: str, content_type: str, options: EdgeOptions, cache: str) -> Json:
    return {
        "name": name,
        "direct_response": {"status": 200, "body": {"filename": path}},
        "response_headers_to_add": [
            _set_header("content-type", content_type),
            _set_header("cache-control", cache),
        ],
        "typed_per_filter_config": public(options),
    }


def _missing(name: str, what: str, fix: str, options: EdgeOptions) -> Json:
    # plain text: the edge's local reply mapper turns it into {"code": 14, "message": ...}
    body = f"{what} is not available on this edge: {fix}"
    return {
        "name": name,
        "direct_response": {"status": 503, "body": {"inline_string": body}},
        "typed_per_filter_config": public(options),
    }


def _redirect(name: str, to: str, code: str, options: EdgeOptions) -> Json:
    redirect = {"path_redirect": to, "response_code": code}
    return {"name": name, "redirect": redirect, "typed_per_filter_config": public(options)}


def _exact(path: str, route: Json) -> Json:
    return {"match": {"path": path}, **route}


#: A percent sign that encodes a dot, slash, backslash or NUL (``%252e``, ``%252F``, ``%255c``,
#: ``%2500``). Envoy decodes nothing of it, so it would reach an upstream as ``%2e``... after that
#: upstream's one decoding: a second decoder behind it (a tool behind the tool proxy) would read
#: a dot segment or a separator the edge never saw. No path of ours needs one.
DOUBLE_ENCODED = r".*%25(?i:2e|2f|5c|00).*"
DOUBLE_ENCODED_MESSAGE = "invalid request path: a double-encoded dot, slash, backslash or NUL"


def double_encoded_guard(options: EdgeOptions) -> Json:
    """400 for a double-encoded traversal anywhere in the path (the local reply mapper makes it
    the usual JSON error); escaped slashes and NULs themselves the connection manager refuses."""
    return {
        "name": "refuse:double-encoded",
        "match": {"safe_regex": {"regex": DOUBLE_ENCODED}},
        "direct_response": {"status": 400, "body": {"inline_string": DOUBLE_ENCODED_MESSAGE}},
        "typed_per_filter_config": public(options),
    }


#: A query parameter that carries a secret, in any of the spellings the transcoder accepts
#: (``client_secret``, ``clientSecret``; case-insensitive). URLs end up in access logs, proxies'
#: logs and browser history, so a secret there is refused before any route sees it: every API of
#: ours takes secrets in the body or a header, and the tool proxy injects tools' credentials
#: itself. One-time links of e-mails (``?token=``) are not secrets of this kind.
CREDENTIAL_IN_QUERY = (
    r"(?i).*[?&]((new_?|current_?)?password|(client_?)?secret|api_?key|(access|refresh)_?token)=.*"
)
CREDENTIAL_IN_QUERY_MESSAGE = (
    "a secret (password, client secret, API key or token) must not be sent in the URL: "
    "send it in the request body or a header"
)


def credential_query_guard(options: EdgeOptions) -> Json:
    """400 for a secret in the query string, on every path (the local reply mapper makes it the
    usual JSON error)."""
    return {
        "name": "refuse:secret-in-query",
        "match": {
            "prefix": "/",
            "headers": [{"name": ":path", "string_match": {"safe_regex": {"regex": CREDENTIAL_IN_QUERY}}}],
        },
        "direct_response": {"status": 400, "body": {"inline_string": CREDENTIAL_IN_QUERY_MESSAGE}},
        "typed_per_filter_config": public(options),
    }


def static_routes(options: EdgeOptions) -> list[Json]:
    """/healthz, the OpenAPI documents and the Swagger UI page, all answered by Envoy itself."""
    routes = [
        _exact(
            "/healthz",
            {
                "name": "healthz",
                "direct_response": {"status": 200, "body": {"inline_string": "ok\n"}},
                "response_headers_to_add": [_set_header("content-type", "text/plain; charset=utf-8")],
                "typed_per_filter_config": public(options),
            },
        ),
        double_encoded_guard(options),
        credential_query_guard(options),
        _exact("/", _redirect("root", "/docs/", "FOUND", options)),
        _exact("/docs", _redirect("docs", "/docs/", "MOVED_PERMANENTLY", options)),
    ]
    assets = options.assets
    no_cache = "no-cache"
    for name, ctype in DOCS_FILES.items():
        path = "/docs/" if name == "index.html" else f"/docs/{name}"
        routes.append(
            _exact(path, _file(f"docs:{name}", f"{assets.docs_dir}/{name}", ctype, options, no_cache))
        )
    for name, ctype in SWAGGER_UI_FILES.items():
        if assets.swagger_ui_dir is None:
            route = _missing(f"docs:{name}", "Swagger UI", "run `python3 -m infra install`", options)
        else:  # a pinned package version: browsers may keep these for a day
            route = _file(
                f"docs:{name}", f"{assets.swagger_ui_dir}/{name}", ctype, options, "public, max-age=86400"
            )
        routes.append(_exact(f"/docs/{name}", route))
    routes += public_api_docs(options)
    for url, doc in (("/openapi.json", assets.openapi_v3), ("/openapi/v2.json", assets.openapi_v2)):
        if doc is None:
            route = _missing(f"openapi:{url}", "the OpenAPI document", "run `make gen`", options)
        else:
            route = _file(f"openapi:{url}", doc, "application/json", options, no_cache)
        routes.append(_exact(url, route))
    return routes


#: The public API's own document (infra/codegen.py) next to the merged one, and its Swagger UI
#: page (envoy/docs/external-api.*; Swagger UI's files come from /docs/).
PUBLIC_API_OPENAPI = "external.openapi.json"
PUBLIC_API_DOCS = {
    "external-api.html": "text/html; charset=utf-8",
    "external-api-docs.js": "text/javascript; charset=utf-8",
}


def public_api_docs(options: EdgeOptions) -> list[Json]:
    """/external-api/openapi.json and the Swagger UI page /external-api/docs/ (issue #6)."""
    assets, no_cache = options.assets, "no-cache"
    routes = [
        _exact(
            "/external-api/docs",
            _redirect("external-api-docs", "/external-api/docs/", "MOVED_PERMANENTLY", options),
        )
    ]
    for name, ctype in PUBLIC_API_DOCS.items():
        path = "/external-api/docs/" if name.endswith(".html") else f"/external-api/docs/{name}"
        routes.append(
            _exact(
                path,
                _file(f"external-api-docs:{name}", f"{assets.docs_dir}/{name}", ctype, options, no_cache),
            )
        )
    url = "/external-api/openapi.json"
    if assets.openapi_v3 is None:
        route = _missing(f"openapi:{url}", "the OpenAPI document", "run `make gen`", options)
    else:
        doc = f"{assets.openapi_v3.rsplit('/', 1)[0]}/{PUBLIC_API_OPENAPI}"
        route = _file(f"openapi:{url}", doc, "application/json", options, no_cache)
    routes.append(_exact(url, route))
    return routes


def _action(cluster: str, service: EdgeService) -> Json:
    action: Json = {"cluster": cluster, "timeout": seconds(service.timeout_s)}
    if service.timeout_s == 0:
        action["idle_timeout"] = seconds(service.idle_timeout_s)
    return action


def _retry(retry_on: str, service: EdgeService, *, read: bool) -> Json:
    policy: Json = {
        "retry_on": retry_on,
        "num_retries": RETRIES,
        "retry_back_off": {"base_interval": "0.025s", "max_interval": "0.25s"},
        "retry_host_predicate": filters.other_host(),
        "host_selection_retry_max_attempts": 3,
    }
    if service.timeout_s and read:  # a slow write runs to the route's timeout, never retried
        policy["per_try_timeout"] = seconds(min(PER_TRY_TIMEOUT_S, service.timeout_s))
    return policy


def _grpc_action(service: EdgeService, *, read: bool, cluster: str | None = None) -> Json:
    # honour the client's grpc-timeout, capped by the route timeout
    action = {
        **_action(cluster or service.grpc_cluster.name, service),
        "max_stream_duration": {"grpc_timeout_header_max": seconds(service.timeout_s)},
    }
    action["retry_policy"] = _retry(READ_RETRY_ON if read else WRITE_RETRY_ON, service, read=read)
    return action


def grpc_routes(service: EdgeService, options: EdgeOptions) -> list[Json]:
    """The gRPC services another service serves (``served_by``) first, then read-only RPCs
    (retried), then everything else in the service's packages (never retried)."""
    routes: list[Json] = []
    for grpc_service, cluster in service.served_by:
        short = grpc_service.rsplit(".", 1)[1]
        for name, match, read in (
            (
                f"grpc:{service.name}:read:{short}",
                {"safe_regex": {"regex": service.idempotent_regex(grpc_service)}},
                True,
            ),
            (f"grpc:{service.name}:{short}", {"prefix": f"/{grpc_service}/"}, False),
        ):
            route = {"name": name, "match": match, "route": _grpc_action(service, read=read, cluster=cluster)}
            routes += _by_credential(route, service.access, options)
    routes += _by_credential(
        {
            "name": f"grpc:{service.name}:read",
            "match": {"safe_regex": {"regex": service.idempotent_regex()}},
            "route": _grpc_action(service, read=True),
        },
        service.access,
        options,
    )
    for prefix in service.grpc_prefixes():
        route = {
            "name": f"grpc:{service.name}",
            "match": {"prefix": prefix},
            "route": _grpc_action(service, read=False),
        }
        routes += _by_credential(route, service.access, options)
    return routes


def _is_read(rpc: PublicRpc, service: EdgeService) -> bool:
    return re.fullmatch(service.idempotent_regex(), rpc.grpc_path) is not None


def public_grpc_routes(service: EdgeService, options: EdgeOptions) -> list[Json]:
    """The service's RPCs that need no token, by exact gRPC path. A transcoded REST call of one
    of them is re-routed here too, so it keeps the same timeout and retries."""
    return [
        {
            "name": f"public:grpc:{rpc.name}",
            "match": {"path": rpc.grpc_path},
            "route": _grpc_action(service, read=_is_read(rpc, service)),
            "typed_per_filter_config": unauthenticated(options),
        }
        for rpc in service.public_rpcs
    ]


def _present(header: str) -> Json:
    return {"name": header, "present_match": True}


#: Only a request carrying one of these can get a 412 or a 304 (services/kit/preconditions.py).
CONDITIONAL_HEADERS = ("if-match", "if-none-match")


def _transcoded(route: Json, options: EdgeOptions) -> list[Json]:
    """A REST route, preceded by its conditional forms (an If-Match or If-None-Match header
    present) on which the filter applying the services' HTTP status (412, 304) is switched on:
    a Lua filter costs ~30 µs of edge CPU per request, which no other request pays."""
    status = filters.http_status_route_config(options)
    if not status:
        return [route]
    match = route["match"]
    conditional = [
        {
            **route,
            "name": f"{route['name']}:{header}",
            "match": {**match, "headers": [*match.get("headers", []), _present(header)]},
        }
        for header in CONDITIONAL_HEADERS
    ]
    return [*(_with_filters(r, status) for r in conditional), route]


def public_rest_routes(service: EdgeService, options: EdgeOptions) -> list[Json]:
    """REST bindings of the RPCs that need no token (method and path, before the REST prefix)."""
    routes = [
        {
            "name": f"public:rest:{rpc.name}",
            "match": rpc.rest_match(),
            "route": _action(service.name, service),
            "typed_per_filter_config": unauthenticated(options),
        }
        for rpc in service.public_rpcs
    ]
    return [variant for route in routes for variant in _transcoded(route, options)]


def rest_routes(service: EdgeService, options: EdgeOptions) -> list[Json]:
    """The REST prefix: matched before transcoding (CORS, auth), then rerouted on the gRPC path.
    Its conditional forms come first, each split by credential (``:api-key`` stays last)."""
    route = {
        "name": f"rest:{service.name}",
        "match": {"prefix": service.rest_prefix},
        "route": _action(service.name, service),
    }
    variants = _transcoded(route, options)
    return [r for variant in variants for r in _by_credential(variant, service.access, options)]


def _plain_http(access: Access, options: EdgeOptions) -> Json:
    """Per-filter config of a plain HTTP route: no transcoding, authentication by ``access``."""
    if access == "public":
        return public(options)
    chain = [f["name"] for f in filters.auth_and_limits(options)]
    off = {TRANSCODER: filters.disabled()} if options.descriptor is not None else {}
    return {**off, **auth.route_config(access, options, chain), **extauthz.route_config(access, options)}


def http_pattern_routes(service: EdgeService, options: EdgeOptions) -> list[Json]:
    """Plain HTTP paths under the REST prefix (the tool proxy's public-API form), authenticated
    like the service's REST routes but never transcoded; matched before the REST prefix."""
    cluster = service.http_cluster
    if cluster is None:
        return []
    routes: list[Json] = []
    for pattern in service.http_patterns:
        route = {
            "name": f"http:{cluster.name}:pattern",
            "match": {"safe_regex": {"regex": pattern}},
            "route": {
                **_action(cluster.name, service),
                "retry_policy": _retry(WRITE_RETRY_ON, service, read=False),
            },
        }
        routes += _by_credential(route, service.access, options, plain=True)
    return routes


def http_routes(service: EdgeService, options: EdgeOptions) -> list[Json]:
    """Plain HTTP (OIDC endpoints, login pages, the tool proxy) proxied as-is; GETs are retried,
    other methods only when they never reached a replica."""
    cluster = service.http_cluster
    if cluster is None:
        return []
    per_filter = _plain_http(service.http_access, options)
    routes: list[Json] = []
    for prefix in service.http_prefixes:
        get = {"prefix": prefix, "headers": [{"name": ":method", "string_match": {"exact": "GET"}}]}
        reads = {
            **_action(cluster.name, service),
            "retry_policy": _retry(HTTP_READ_RETRY_ON, service, read=True),
        }
        routes += [
            {
                "name": f"http:{cluster.name}:read",
                "match": get,
                "route": reads,
                "typed_per_filter_config": per_filter,
            },
            {
                "name": f"http:{cluster.name}",
                "match": {"prefix": prefix},
                "route": {
                    **_action(cluster.name, service),
                    "retry_policy": _retry(WRITE_RETRY_ON, service, read=False),
                },
                "typed_per_filter_config": per_filter,
            },
        ]
    return routes


def route_config(options: EdgeOptions, services: tuple[EdgeService, ...] = SERVICES) -> Json:
    routes = static_routes(options)
    # RPCs that need no token first: their exact paths would otherwise match a protected route.
    for service in services:
        routes += public_grpc_routes(service, options) + public_rest_routes(service, options)
    for service in services:
        routes += grpc_routes(service, options)
    # Plain HTTP paths inside a REST prefix first, then the REST prefixes, then the HTTP ones:
    # /auth/v1/ (transcoded) must win over /auth/ (OIDC).
    for service in services:
        routes += http_pattern_routes(service, options)
    for service in services:
        routes += rest_routes(service, options)
    for service in services:
        routes += http_routes(service, options)
    return {
        "name": "edge",
        "max_direct_response_body_size_bytes": MAX_DIRECT_RESPONSE_BYTES,
        "virtual_hosts": [
            {
                "name": "edge",
                "domains": ["*"],
                "routes": routes,
                "typed_per_filter_config": {"envoy.filters.http.cors": filters.cors_policy(options)},
            }
        ],
    }
