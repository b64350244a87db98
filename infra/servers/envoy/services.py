"""The one table the edge is derived from: which service owns which gRPC packages and URL prefixes.

Add a service (or a proto package, or an HTTP prefix) here and every rendering of the edge —
clusters, gRPC routes, REST routes, retries, CORS coverage — follows. Nothing else lists them.

Cluster names are the port names of ``infra/layout.py`` (``layout.port(cluster)`` locally) and,
in compose, the container's DNS name is the owning service (``auth_http`` lives in ``auth``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from infra.layout import REPO

#: The contracts' descriptor set (``make gen``): what the public RPCs are read from.
DESCRIPTOR_SET = REPO / "gen" / "descriptor" / "openframe.binpb"

#: RPC name prefixes that only read (AIP Get/List/BatchGet/Search, plus our Can* checks).
#: Only these are retried at the edge: a retried write could apply twice.
IDEMPOTENT_RPC_PREFIXES: tuple[str, ...] = ("Get", "List", "BatchGet", "Search", "Can")


@dataclass(frozen=True)
class Cluster:
    """One upstream cluster of the edge."""

    name: str  # == port name in infra/layout.py
    service: str  # compose service (DNS name) that serves it
    protocol: Literal["grpc", "http"]
    #: the upstream relays other servers' errors (the tool proxy's 502/503/504): only connection
    #: failures count towards ejecting one of its hosts, not the 5xx it passes on
    relays_errors: bool = False


#: How the edge authenticates a route (see auth.py):
#: ``jwt``: a valid bearer token of the tenant that signed it is required (the default);
#: ``jwt_optional``: the public API, API keys or tokens: each route comes twice (routes.py
#: ``_by_credential``), with an ``X-API-Key`` header (ext_authz checks the key; a token sent too
#: must still be valid) and without one (as ``jwt``);
#: ``public``: no authentication at the edge (sign-up, sign-in helpers, JWKS, agent registration).
Access = Literal["jwt", "jwt_optional", "public"]


@dataclass(frozen=True)
class PublicRpc:
    """An RPC anyone may call (the service itself still decides what the call may do).

    ``method`` is ``<package>.<Service>/<Method>``; ``http`` its REST binding exactly as its
    ``google.api.http`` rule writes it, e.g. ``("GET", "/auth/v1/{tenant=tenants/*}/jwks")``.
    Both come from the descriptor set (:func:`declared_public_rpcs`).
    """

    method: str
    http: tuple[str, str]

    @property
    def grpc_path(self) -> str:
        return f"/{self.method}"

    @property
    def name(self) -> str:
        return self.method.rsplit("/", 1)[1]

    def rest_match(self) -> dict[str, object]:
        """Envoy route match of the REST binding: exact path, or a regex for path variables."""
        verb, template = self.http
        method = {"name": ":method", "string_match": {"exact": verb}}
        if "{" not in template:
            return {"path": template, "headers": [method]}
        return {"safe_regex": {"regex": template_regex(template)}, "headers": [method]}


def template_regex(template: str) -> str:
    """RE2 regex of a google.api.http path template: ``{x=a/*}`` -> ``a/[^/]+``, ``{x}`` -> ``[^/]+``."""
    out, rest = ["^"], template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        var, _, rest = tail.partition("}")
        out.append(re.escape(head))
        pattern = var.partition("=")[2] or "*"
        segments = [
            "[^/]+" if seg == "*" else ".+" if seg == "**" else re.escape(seg) for seg in pattern.split("/")
        ]
        out.append("/".join(segments))
    out.append(re.escape(rest) + "$")
    return "".join(out)


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
    #: how the edge authenticates the HTTP prefixes (public: the OIDC endpoints and login pages)
    http_access: Access = "public"
    #: RE2 path patterns under ``rest_prefix`` that go to ``<name>_http`` untranscoded, with the
    #: access of the REST routes (the tool proxy's public-API form); matched before the REST prefix
    http_patterns: tuple[str, ...] = ()
    #: ``<name>_http`` relays other servers' errors (see ``Cluster.relays_errors``)
    http_relays_errors: bool = False
    #: overall per-request timeout in seconds; 0 disables it (long-lived server streams)
    timeout_s: float = 15.0
    #: with no overall timeout, a stream silent for this long is cut
    idle_timeout_s: float = 120.0
    #: how the edge authenticates this service's gRPC and REST routes (its HTTP prefixes are public)
    access: Access = "jwt"
    #: gRPC services of ``grpc_packages`` served by another service: (full name, that service's
    #: cluster), routed there under this service's access (the public API's resources are served
    #: by the services that own them, one Python hop: docs/external-api.md)
    served_by: tuple[tuple[str, str], ...] = ()

    @property
    def public_rpcs(self) -> tuple[PublicRpc, ...]:
        """RPCs of this service that need no token (matched before the routes above): those of
        its packages that the descriptor set declares ``openframe.common.v1.public``."""
        return tuple(rpc for rpc in declared_public_rpcs() if rpc.grpc_path.startswith(self.grpc_prefixes()))

    @property
    def grpc_cluster(self) -> Cluster:
        return Cluster(self.name, self.name, "grpc")

    @property
    def http_cluster(self) -> Cluster | None:
        if not (self.http_prefixes or self.http_patterns):
            return None
        return Cluster(f"{self.name}_http", self.name, "http", relays_errors=self.http_relays_errors)

    def grpc_prefixes(self) -> tuple[str, ...]:
        """``/openframe.api.v1.`` for package ``openframe.api.v1``: matches every service in it."""
        return tuple(f"/{pkg}." for pkg in self.grpc_packages)

    def idempotent_regex(self, grpc_service: str | None = None) -> str:
        """Full-path regex (RE2) matching this service's read-only RPCs, e.g. ``.../GetOrganization``
        (only those of ``grpc_service``, a full name, when given)."""
        verbs = "|".join(IDEMPOTENT_RPC_PREFIXES)
        if grpc_service is not None:
            return rf"^/{re.escape(grpc_service)}/(?:{verbs})[A-Za-z0-9_]*$"
        packages = "|".join(re.escape(p) for p in self.grpc_packages)
        return rf"^/(?:{packages})\.[A-Za-z0-9_]+/(?:{verbs})[A-Za-z0-9_]*$"


# OIDC scheme (see docs/edge.md): every tenant is its own issuer, ``/auth/tenants/<tenant>``;
# its discovery document, JWKS, authorize/token/userinfo/revoke/introspect endpoints and login
# pages live under that path. Tenant-independent pages (sign-in with tenant discovery,
# registration) live under ``/auth/``; RFC 8414 ``/.well-known/...`` lookups go there too.
# ``/auth/v1/`` is the auth service's transcoded gRPC admin API and matches first.
#
# Access: every gRPC and REST route needs a valid token, except the RPCs whose proto declares
# them ``openframe.common.v1.public`` (sign-up and its helpers, the JWKS, agent registration:
# ``EdgeService.public_rpcs``); the HTTP prefixes (OIDC endpoints, login pages, the JWKS) are
# public.
SERVICES: tuple[EdgeService, ...] = (
    EdgeService("api", ("openframe.api.v1", "openframe.agents.v1"), "/api/v1/"),
    EdgeService("auth", ("openframe.auth.v1",), "/auth/v1/", http_prefixes=("/auth/", "/.well-known/")),
    # The public API takes API keys (ext_authz, extauthz.py) or tokens.
    #
    # The tool proxy (docs/tools.md) is plain HTTP on ``external_http``, in two forms: ``/tools/``
    # for the tenant's own users and clients (a bearer token is required at the edge), and
    # ``/external-api/v1/tools/{id}/proxy/...`` on the public API, where API keys are accepted.
    EdgeService(
        "external",
        ("openframe.external.v1",),
        "/external-api/v1/",
        access="jwt_optional",
        served_by=(
            ("openframe.external.v1.PublicDeviceService", "api"),
            ("openframe.external.v1.PublicOrganizationService", "api"),
            ("openframe.external.v1.PublicEventService", "api"),
            ("openframe.external.v1.PublicLogService", "stream"),
        ),
        http_prefixes=("/tools/",),
        http_access="jwt",
        http_patterns=(r"^/external-api/v1/tools/[A-Za-z0-9_-]+/proxy(/.*)?$",),
        http_relays_errors=True,
    ),
    EdgeService("management", ("openframe.management.v1",), "/management/v1/"),
    EdgeService("stream", ("openframe.stream.v1",), "/stream/v1/", timeout_s=0),
    EdgeService("config", ("openframe.config.v1",), "/config/v1/"),
    # The rate-limit service: its tenants' policy admin API here; Envoy's own calls to it
    # (envoy.service.ratelimit.v3, ratelimit.py) use the same cluster and are never routed.
    EdgeService("ratelimit", ("openframe.ratelimit.v1",), "/ratelimit/v1/"),
)


@cache
def declared_public_rpcs(descriptor_set: Path = DESCRIPTOR_SET) -> tuple[PublicRpc, ...]:
    """Every RPC the contracts declare ``openframe.common.v1.public``, with its one REST binding,
    read from the descriptor set ``make gen`` writes (none before the first ``make gen``: then
    every route needs a token). The option is what the services' interceptor reads too, so the
    edge and the services cannot disagree on what is public."""
    if not descriptor_set.exists():
        return ()
    # Imported here: the rest of this package renders with the standard library alone.
    from google.api import annotations_pb2  # type: ignore[import-untyped]
    from google.protobuf import descriptor_pb2

    from openframe.common.v1 import options_pb2

    found: list[PublicRpc] = []
    for file in descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes()).file:
        for service in file.service:
            for method in service.method:
                # parsed again: the set was read before the extensions' module was imported
                options = descriptor_pb2.MethodOptions.FromString(method.options.SerializeToString())
                if not options.Extensions[options_pb2.public]:  # type: ignore[index]
                    continue
                name = f"{file.package}.{service.name}/{method.name}"
                rule = options.Extensions[annotations_pb2.http]
                bindings = [
                    (kind.upper(), getattr(b, kind))
                    for b in (rule, *rule.additional_bindings)
                    if (kind := b.WhichOneof("pattern"))
                ]
                if len(bindings) != 1:
                    raise ValueError(f"{name}: a public RPC needs exactly one REST binding, not {bindings}")
                found.append(PublicRpc(name, bindings[0]))
    return tuple(found)


def clusters(services: tuple[EdgeService, ...] = SERVICES) -> list[Cluster]:
    """Every upstream cluster, gRPC first then HTTP, in table order."""
    found = [s.grpc_cluster for s in services]
    found += [c for s in services if (c := s.http_cluster) is not None]
    return found
