"""JWT validation at the edge: every tenant is its own issuer, one provider checks them all.

Design (decision 0007; docs/edge.md "JWT at the edge"):

1. ``envoy.filters.http.jwt_authn`` with **one** provider whose JWKS is the auth service's
   document of *all* tenants' public keys (``/auth/jwks`` on ``auth_http``), refreshed in the
   background every ``jwks_cache_s`` seconds, so a tenant or key created at runtime is accepted
   without restarting or reconfiguring Envoy. It checks the RS256 signature with the key the
   token's ``kid`` names, ``exp``/``nbf`` (with ``clock_skew_s``), the audience and the
   lifetime, and puts the verified header and payload into dynamic metadata.
2. ``envoy.filters.http.rbac`` with one ALLOW policy whose CEL condition binds the token to the
   tenant it claims (:func:`tenant_binding`): the key that signed it belongs to that tenant
   (``kid`` starts with ``<tid>.``), the issuer is that tenant's, the algorithm is RS256 and the
   type is an access token. A token signed with tenant A's key that claims tenant B passes step 1
   (A's key verifies it) and fails here.

Both answer with 401 (a denial of the RBAC filter and jwt_authn's own 403 for a wrong audience
are rewritten by the connection manager's local reply config, :func:`unauthorized_mappers`),
as ``{"code": 16, ...}`` JSON for REST and ``UNAUTHENTICATED`` for gRPC. The token is forwarded
(``forward``): the services validate it again (callers inside the mesh do not pass the edge).
"""

from __future__ import annotations

from typing import Any

from infra.servers.envoy import cel
from infra.servers.envoy.filters import cel_filter, disabled, typed
from infra.servers.envoy.options import EdgeOptions, JwtAuth
from infra.servers.envoy.services import Access

Json = dict[str, Any]

JWT_FILTER = "envoy.filters.http.jwt_authn"
RBAC_FILTER = "envoy.filters.http.rbac"
#: Filters a public route switches off (the token checks and the API-key check).
AUTH_FILTERS = (JWT_FILTER, RBAC_FILTER, "envoy.filters.http.ext_authz")
PROVIDER = "openframe"
#: Where jwt_authn writes what it verified (``header_in_metadata`` / ``payload_in_metadata``).
METADATA_NAMESPACE = JWT_FILTER
HEADER_KEY = "jwt_header"
PAYLOAD_KEY = "jwt_payload"
#: The per-route requirement of ``jwt_optional`` routes.
OPTIONAL = "jwt_optional"
JWKS_CLUSTER = "auth_http"
#: Tenant ids: services/kit/identity.py's TENANT_RE without the length bound (a counted
#: repetition exceeds the program size Envoy allows CEL regexes; the services check the length).
#: No dots, so ``<tid>.`` is an unambiguous key-id prefix.
TENANT_REGEX = "^[a-z0-9][a-z0-9-]+$"
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068


def _verified(key: str) -> cel.Expr:
    return cel.index(cel.index(cel.select(cel.ident("metadata"), "filter_metadata"), METADATA_NAMESPACE), key)


def claim(name: str) -> cel.Expr:
    """A claim of the verified payload: ``metadata.filter_metadata[jwt_authn].jwt_payload[name]``."""
    return cel.index(_verified(PAYLOAD_KEY), name)


def header(name: str) -> cel.Expr:
    """A field of the verified JOSE header."""
    return cel.index(_verified(HEADER_KEY), name)


def tenant_binding(jwt: JwtAuth) -> cel.Expr:
    """The token belongs to the tenant it claims. A missing claim is an evaluation error, which
    RBAC treats as "no match", so it denies as well."""
    tid = claim("tid")
    typ = header("typ")
    return cel.and_(
        cel.matches(tid, TENANT_REGEX),
        cel.eq(header("alg"), "RS256"),
        cel.or_(cel.eq(typ, ACCESS_TOKEN_TYPES[0]), cel.eq(typ, ACCESS_TOKEN_TYPES[1])),
        cel.startswith(header("kid"), cel.concat(tid, ".")),
        cel.eq(claim("iss"), cel.concat(f"{jwt.public_url}/auth/tenants/", tid)),
    )


def _no_token() -> cel.Expr:
    return cel.not_(cel.in_(METADATA_NAMESPACE, cel.select(cel.ident("metadata"), "filter_metadata")))


def rbac_rules(jwt: JwtAuth, *, optional: bool = False) -> Json:
    condition = tenant_binding(jwt)
    if optional:  # no token at all is fine there; a token must still be bound to its tenant
        condition = cel.or_(_no_token(), condition)
    return {
        "action": "ALLOW",
        "policies": {
            "token-bound-to-its-tenant": {
                "permissions": [{"any": True}],
                "principals": [{"any": True}],
                "condition": condition.to_proto(),
                # ``<tid> + "."``: without string concatenation every request would be denied
                "cel_config": {"enable_string_concat": True},
            }
        },
    }


def jwt_authn(jwt: JwtAuth, options: EdgeOptions) -> Json:
    jwks_host = options.endpoints(JWKS_CLUSTER)[0]  # the URI names it (Host header); the cluster connects
    provider: Json = {
        # No issuer: every tenant is one; the RBAC condition ties iss to the token's tenant.
        "audiences": [jwt.audience],
        "require_expiration": True,
        "max_lifetime": f"{jwt.max_lifetime_s}s",
        "clock_skew_seconds": jwt.clock_skew_s,
        "remote_jwks": {
            "http_uri": {
                "uri": f"http://{jwks_host.host}:{jwks_host.port}{jwt.jwks_path}",
                "cluster": JWKS_CLUSTER,
                "timeout": "2s",
            },
            "cache_duration": f"{jwt.jwks_cache_s:g}s",
            # refreshed in the background; the listener does not wait for the first fetch
            # (the edge starts before the auth service), and a failed fetch is retried soon
            "async_fetch": {"fast_listener": True, "failed_refetch_duration": "1s"},
            "retry_policy": {
                "num_retries": 2,
                "retry_back_off": {"base_interval": "0.1s", "max_interval": "0.5s"},
            },
        },
        # Only ``Authorization: Bearer``: not the default ``?access_token=`` query parameter,
        # which would land tokens in logs and browser histories.
        "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
        "forward": True,  # services validate the token again
        "header_in_metadata": HEADER_KEY,
        "payload_in_metadata": PAYLOAD_KEY,
        "jwt_cache_config": {"jwt_cache_size": 4096},
    }
    from infra.servers.envoy import ratelimit  # it builds on the filters module too

    if claims := ratelimit.claim_to_headers(options):
        provider["claim_to_headers"] = claims  # the verified tenant, for the rate limit buckets
    return {
        "name": JWT_FILTER,
        "typed_config": typed(
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            providers={PROVIDER: provider},
            # Default deny: every route needs a token unless it switches the filter off
            # (routes.unauthenticated) or names a softer requirement.
            rules=[{"match": {"prefix": "/"}, "requires": {"provider_name": PROVIDER}}],
            requirement_map={
                OPTIONAL: {
                    "requires_any": {
                        "requirements": [{"provider_name": PROVIDER}, {"allow_missing": {}}],
                    }
                }
            },
            bypass_cors_preflight=True,
            stat_prefix="openframe",
        ),
    }


def rbac(jwt: JwtAuth) -> Json:
    return {
        "name": RBAC_FILTER,
        "typed_config": typed("envoy.extensions.filters.http.rbac.v3.RBAC", rules=rbac_rules(jwt)),
    }


def http_filters(options: EdgeOptions) -> list[Json]:
    """The authentication filters, in order (empty when the edge does not validate tokens)."""
    if options.jwt is None:
        return []
    return [jwt_authn(options.jwt, options), rbac(options.jwt)]


def route_config(access: Access, options: EdgeOptions, chain: list[str]) -> Json:
    """``typed_per_filter_config`` entries a route of this access level needs.

    ``chain`` names the filters of the listener: a per-route entry for a filter that is not in
    the chain would fail the config.
    """
    if access == "public":
        return {name: disabled() for name in AUTH_FILTERS if name in chain}
    if access == "jwt_optional" and options.jwt is not None:
        return {
            JWT_FILTER: typed(
                "envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig", requirement_name=OPTIONAL
            ),
            RBAC_FILTER: typed(
                "envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
                rbac={"rules": rbac_rules(options.jwt, optional=True)},
            ),
        }
    return {}


#: A local 403 that really means "your token is not valid": RBAC's denial, and jwt_authn's own
#: answer to a wrong audience. A service's PERMISSION_DENIED (403 over REST) is not a local reply.
RBAC_DENIED = "response.code == 403 && response.code_details.startsWith('rbac_access_denied')"
AUDIENCE_DENIED = "response.code == 403 && response.code_details.startsWith('jwt_authn_access_denied')"


def unauthorized_mappers(rest: Json) -> list[Json]:
    """Local reply mappers turning a token denial into 401 (they go first in the mapper list).

    REST callers get the edge's JSON error shape (``rest`` is the filter that recognises them);
    gRPC callers only the status, from which Envoy derives ``grpc-status: 16`` (UNAUTHENTICATED).
    """
    challenge = [
        {
            "header": {"key": "www-authenticate", "value": 'Bearer error="invalid_token"'},
            "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
        }
    ]
    rbac_denied, audience_denied = cel_filter(RBAC_DENIED), cel_filter(AUDIENCE_DENIED)

    def rest_mapper(denied: Json, message: str) -> Json:
        return {
            "filter": {"and_filter": {"filters": [denied, rest]}},
            "status_code": 401,
            "headers_to_add": challenge,
            "body_format_override": {"json_format": {"code": 16, "message": message}},
        }

    return [
        rest_mapper(rbac_denied, "Jwt is not bound to the tenant it claims"),
        rest_mapper(audience_denied, "%LOCAL_REPLY_BODY%"),
        {
            "filter": {"or_filter": {"filters": [rbac_denied, audience_denied]}},
            "status_code": 401,
            "headers_to_add": challenge,
        },
    ]
