"""The one table the edge is derived from: which service owns which gRPC packages and URL prefixes.

Add a service (or a proto package, or an HTTP prefix) here and every rendering of the edge —
clusters, gRPC routes, REST routes, retries, CORS coverage — follows. Nothing else lists them.

Cluster names are the port names of ``infra/layout.py`` (``layout.port(cluster)`` locally) and,
in compose, the container's DNS name is the owning service (``auth_http`` lives in ``auth``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: RPC name prefixes that only read (AIP Get/List/BatchGet/Search, plus our Can* checks).
#: Only these are retried at the edge: a retried write could apply twice.
IDEMPOTENT_RPC_PREFIXES: tuple[str, ...] = ("Get", "List", "BatchGet", "Search", "Can")


@dataclass(frozen=True)
class Cluster:
    """One upstream cluster of the edge."""

    name: str  # == port name in infra/layout.py
    service: str  # compose service (DNS name) that serves it
    protocol: Literal["grpc", "http"]


@dataclass(frozen=True)
class EdgeService:
    """A backend service as the edge sees it."""

    name: str
    #: proto packages whose gRPC paths (``/<package>.<Service>/<Method>``) go to this service
    grpc_packages: tuple[str, ...]
    #: prefix of the REST paths (``google.api.http`` rules) transcoded to this service's RPCs
    rest_prefix: str
    #: plain HTTP prefixes proxied as-is to ``<name>_http`` (the OIDC endpoints and login pages)
    http_prefixes: tuple[str, ...] = ()
    #: overall per-request timeout in seconds; 0 disables it (long-lived server streams)
    timeout_s: float = 15.0
    #: with no overall timeout, a stream silent for this long is cut
    idle_timeout_s: float = 120.0

    @property
    def grpc_cluster(self) -> Cluster:
        return Cluster(self.name, self.name, "grpc")

    @property
    def http_cluster(self) -> Cluster | None:
        return Cluster(f"{self.name}_http", self.name, "http") if self.http_prefixes else None

    def grpc_prefixes(self) -> list[str]:
        """``/openframe.api.v1.`` for package ``openframe.api.v1``: matches every service in it."""
        return [f"/{pkg}." for pkg in self.grpc_packages]

    def idempotent_regex(self) -> str:
        """Full-path regex (RE2) matching this service's read-only RPCs, e.g. ``.../GetOrganization``."""
        packages = "|".join(re.escape(p) for p in self.grpc_packages)
        verbs = "|".join(IDEMPOTENT_RPC_PREFIXES)
        return rf"^/(?:{packages})\.[A-Za-z0-9_]+/(?:{verbs})[A-Za-z0-9_]*$"


# OIDC scheme (see docs/edge.md): every tenant is its own issuer, ``/auth/tenants/<tenant>``;
# its discovery document, JWKS, authorize/token/userinfo/revoke/introspect endpoints and login
# pages live under that path. Tenant-independent pages (sign-in with tenant discovery,
# registration) live under ``/auth/``; RFC 8414 ``/.well-known/...`` lookups go there too.
# ``/auth/v1/`` is the auth service's transcoded gRPC admin API and matches first.
SERVICES: tuple[EdgeService, ...] = (
    EdgeService("api", ("openframe.api.v1", "openframe.agents.v1"), "/api/v1/"),
    EdgeService("auth", ("openframe.auth.v1",), "/auth/v1/", http_prefixes=("/auth/", "/.well-known/")),
    EdgeService("external", ("openframe.external.v1",), "/external-api/v1/"),
    EdgeService("management", ("openframe.management.v1",), "/management/v1/"),
    EdgeService("stream", ("openframe.stream.v1",), "/stream/v1/", timeout_s=0),
    EdgeService("config", ("openframe.config.v1",), "/config/v1/"),
)


def clusters(services: tuple[EdgeService, ...] = SERVICES) -> list[Cluster]:
    """Every upstream cluster, gRPC first then HTTP, in table order."""
    found = [s.grpc_cluster for s in services]
    found += [c for s in services if (c := s.http_cluster) is not None]
    return found
