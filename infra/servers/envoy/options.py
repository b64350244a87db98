"""What varies between renderings of the edge (local run, compose, tests): the builder's inputs.

Paths are strings as Envoy will see them: local absolute paths, or paths inside the Envoy
container for compose. ``None`` means "not available here" and the builder answers those
routes with an explanatory 503 instead of failing to load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.kit.audience import TOKEN_AUDIENCE

#: Browser origins allowed by default: common local dev servers (Vite, CRA/Next, Storybook).
DEV_ORIGINS: tuple[str, ...] = tuple(
    f"http://{host}:{port}" for port in (3000, 5173, 6006, 8080) for host in ("localhost", "127.0.0.1")
)
#: swagger-ui-dist files served under /docs/ with their content types.
SWAGGER_UI_FILES: dict[str, str] = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "oauth2-redirect.html": "text/html; charset=utf-8",
    "oauth2-redirect.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
#: Our own files (envoy/docs/) served under /docs/.
DOCS_FILES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "openframe-docs.js": "text/javascript; charset=utf-8",
}


#: sun_path holds 108 bytes on Linux, the last one a NUL.
MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


@dataclass(frozen=True)
class UnixSocket:
    """A Unix socket (Envoy's ``pipe`` address): the local admin interface lives on one, so no
    route, proxy or tenant-supplied URL can reach it over TCP; only the file's owner can."""

    path: str
    mode: int = 0o600

    def __post_init__(self) -> None:
        if len(self.path.encode()) > MAX_SOCKET_PATH:
            raise ValueError(
                f"Unix socket path longer than {MAX_SOCKET_PATH} bytes: {self.path} "
                "(choose a shorter OPENFRAME_STATE_DIR)"
            )


@dataclass(frozen=True)
class Tls:
    """Downstream TLS on the public listener (enables HSTS). Files in PEM."""

    cert_chain: str
    private_key: str


@dataclass(frozen=True)
class Assets:
    """Files Envoy serves itself; Envoy reads them once, when the config loads."""

    docs_dir: str  # envoy/docs: index.html and its script
    swagger_ui_dir: str | None  # node_modules/swagger-ui-dist
    openapi_v3: str | None  # gen/openapi/openframe.openapi.json, served as /openapi.json
    openapi_v2: str | None  # gen/openapi/openframe.swagger.json, served as /openapi/v2.json


@dataclass(frozen=True)
class JwtAuth:
    """JWT validation at the edge (issue #4): one provider over every tenant's keys, bound to the
    tenant by an RBAC condition (see ``auth.py`` and docs/edge.md).

    Tenant ``T``'s issuer is ``{public_url}/auth/tenants/T``; its keys' ids start with ``T.``.
    """

    #: the public origin of the edge, as the auth service writes it into ``iss``
    public_url: str
    #: the JWKS of all tenants, on the ``auth_http`` cluster
    jwks_path: str = "/auth/jwks"
    #: how long Envoy keeps the JWKS before fetching it again (in the background): the longest
    #: a tenant or key created at runtime waits before its tokens pass the edge
    jwks_cache_s: float = 2.0
    audience: str = TOKEN_AUDIENCE
    clock_skew_s: int = 30
    #: a token whose ``exp - iat`` is longer is refused, whatever its signature (the auth service
    #: issues access tokens of at most 24 h; 5 minutes of margin)
    max_lifetime_s: int = 24 * 3600 + 300


@dataclass(frozen=True)
class RateLimits:
    """Per-tenant rate limits at the edge (issue #6, decision 0019, ``ratelimit.py``): Envoy's rate
    limit quota filter, assigned by our rate-limit service (``services/ratelimit``). API keys are
    counted by their check (ext_authz)."""

    #: the cluster of the rate-limit service (its EdgeService in services.py)
    cluster: str = "ratelimit"
    #: the ``domain`` the service expects
    domain: str = "openframe"


@dataclass(frozen=True)
class EdgeOptions:
    listen: Endpoint
    #: the admin interface: a Unix socket locally; TCP on the container's own loopback in compose
    admin: Endpoint | UnixSocket
    admin_log: str
    #: cluster name -> address, or the addresses of its replicas (every cluster of services.clusters())
    upstreams: Mapping[str, Endpoint | tuple[Endpoint, ...]]
    assets: Assets
    #: descriptor set for the transcoder; None renders no transcoder (REST paths then 404)
    descriptor: str | None
    #: fully qualified gRPC services the transcoder maps (gen/descriptor/services.txt)
    grpc_services: tuple[str, ...] = ()
    #: resolve upstream hosts by DNS (compose service names) instead of static IPs
    dns: bool = False
    cors_origins: tuple[str, ...] = DEV_ORIGINS
    tls: Tls | None = None
    #: pass x-openframe-tenant/-roles/-subject from clients through (development only)
    trust_identity_headers: bool = False
    #: validate bearer tokens on every protected route; None: no authentication at the edge
    jwt: JwtAuth | None = None
    connect_timeout_s: float = 1.0
    #: rate limits per tenant and API key (None: no rate limiting at the edge)
    rate_limits: RateLimits | None = RateLimits()
    #: extension point for issues #4/#6: extra HttpFilter dicts (see filters.auth_and_limits)
    extra_filters: tuple[dict[str, Any], ...] = ()
    #: and the clusters they call (JWKS/xDS, ext_authz, rate limit service)
    extra_clusters: tuple[dict[str, Any], ...] = ()
    #: Envoy's worker threads (``--concurrency``); None: one per core. The local edge runs one: on
    #: this 2-core machine, shared with the services it proxies, two workers cost ~60 % more CPU
    #: per request (decision 0019)
    concurrency: int | None = None

    def endpoints(self, cluster: str) -> tuple[Endpoint, ...]:
        """Every address of ``cluster`` (one per replica of its service)."""
        found = self.upstreams[cluster]
        return found if isinstance(found, tuple) else (found,)

    def __post_init__(self) -> None:
        if self.descriptor is not None and not self.grpc_services:
            raise ValueError("a descriptor set needs the gRPC services to transcode")
        if self.jwt is not None and self.trust_identity_headers:
            raise ValueError("an edge that validates tokens must not trust identity headers from clients")
