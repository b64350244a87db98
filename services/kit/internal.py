"""Calls inside the mesh: short-lived internal tokens and channels to the other services.

Why: a service sometimes acts for a caller that did not bring a bearer token of the auth
service — the external service for an API key (validated by its ext_authz), the api service for
an agent registering with a tenant secret — and then calls another service. It passes the
caller on as an *internal token*: a JWT signed with the mesh's internal key (HS256,
``OPENFRAME_INTERNAL_TOKEN_KEY``; every service of the mesh holds it, no caller outside does),
``kid`` ``internal``, issuer ``openframe-internal``, valid for a minute, naming the tenant,
subject, roles, scopes, kind and the service that minted it (``act``).

Safety: the edge refuses these tokens (their ``kid`` belongs to no tenant; see
``infra/servers/envoy/auth.py``), so they only ever come from inside. Services pick the
internal verification by the ``kid`` and then accept HS256 with the internal key only — never
the token's own choice of algorithm — so a tenant token can never be verified as internal or
the other way round.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import grpc
import jwt as pyjwt

from services.kit.audience import TOKEN_AUDIENCE
from services.kit.config import Settings, local_port
from services.kit.errors import Unauthenticated
from services.kit.identity import TENANT_RE, Identity

INTERNAL_KID = "internal"
INTERNAL_ISSUER = "openframe-internal"
INTERNAL_TYPE = "openframe-internal+jwt"
ALGORITHM = "HS256"
KINDS = frozenset({"user", "client", "api_key", "agent", "system"})


class InternalTokens:
    """Mint and verify internal tokens with the mesh's internal key."""

    def __init__(
        self, key: str, *, service: str, ttl_seconds: float = 60.0, leeway_seconds: float = 5.0
    ) -> None:
        if len(key) < 32:
            raise ValueError("the internal token key must have at least 32 characters")
        self._key = key.encode()
        self.service = service
        self.ttl = ttl_seconds
        self.leeway = leeway_seconds
        #: (identity, minted at, token): a caller re-uses its token for half its life
        self._minted: dict[Identity, tuple[float, str]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> InternalTokens | None:
        if settings.internal_token_key is None:
            return None
        return cls(settings.internal_token_key.get_secret_value(), service=settings.service_name)

    def mint(self, identity: Identity) -> str:
        """A token that makes the callee see ``identity`` (cached for half its lifetime)."""
        now = time.time()
        cached = self._minted.get(identity)
        if cached is not None and now - cached[0] < self.ttl / 2:
            return cached[1]
        claims: dict[str, Any] = {
            "iss": INTERNAL_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "sub": identity.subject,
            "tid": identity.tenant_id,
            "roles": sorted(identity.roles),
            "scope": " ".join(sorted(identity.scopes)),
            "kind": identity.kind,
            "act": {"sub": self.service},
            "iat": int(now),
            "exp": int(now + self.ttl),
            "jti": uuid.uuid4().hex,
        }
        if identity.client_id is not None:
            claims["client_id"] = identity.client_id
        token = pyjwt.encode(
            claims, self._key, algorithm=ALGORITHM, headers={"kid": INTERNAL_KID, "typ": INTERNAL_TYPE}
        )
        if len(self._minted) > 10_000:  # bounded: identities are few, but never grow without end
            self._minted.clear()
        self._minted[identity] = (now, token)
        return token

    def metadata(self, identity: Identity) -> tuple[tuple[str, str], ...]:
        """gRPC call metadata carrying ``identity``."""
        return (("authorization", f"Bearer {self.mint(identity)}"),)

    def system_metadata(self, tenant_id: str) -> tuple[tuple[str, str], ...]:
        """gRPC call metadata of this service acting for ``tenant_id`` on its own behalf (kind
        ``system``, role ADMIN): reading a tenant's settings, issuing its agents' clients."""
        system = Identity(
            tenant_id=tenant_id, subject=self.service, roles=frozenset({"ADMIN"}), kind="system"
        )
        return self.metadata(system)

    def verify(self, token: str) -> Identity:
        return self.verify_until(token)[0]

    def verify_until(self, token: str) -> tuple[Identity, float]:
        """The token's identity and its expiry (seconds since the epoch)."""
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=TOKEN_AUDIENCE,
                issuer=INTERNAL_ISSUER,
                leeway=self.leeway,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "tid"]},
            )
        except pyjwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except pyjwt.PyJWTError:
            raise Unauthenticated("invalid bearer token") from None
        tenant, subject, kind = claims.get("tid"), claims.get("sub"), claims.get("kind", "system")
        roles, scope, client_id = claims.get("roles", []), claims.get("scope", ""), claims.get("client_id")
        if (
            not isinstance(tenant, str)
            or not TENANT_RE.fullmatch(tenant)
            or not isinstance(subject, str)
            or not subject
            or kind not in KINDS
            or not isinstance(roles, list)
            or not all(isinstance(r, str) for r in roles)
            or not isinstance(scope, str)
            or (client_id is not None and not isinstance(client_id, str))
        ):
            raise Unauthenticated("malformed internal token")
        identity = Identity(
            tenant_id=tenant,
            subject=subject,
            roles=frozenset(roles),
            kind=kind,
            scopes=frozenset(scope.split()),
            client_id=client_id,
        )
        return identity, float(claims["exp"])


def is_internal(header: Mapping[str, Any]) -> bool:
    """Whether an (unverified) JWT header asks for internal verification."""
    return header.get("kid") == INTERNAL_KID


def service_address(settings: Settings, service: str) -> str:
    """Where ``service``'s gRPC port is: ``OPENFRAME_<SERVICE>_ADDRESS`` or the local port block."""
    configured = settings.service_addresses.get(service)
    return configured or f"127.0.0.1:{local_port(service)}"


def channel_to(settings: Settings, service: str) -> grpc.aio.Channel:
    """An HTTP/2 channel to another service of the mesh (one per caller; channels multiplex).

    An address may list every replica (``ipv4:10.0.0.1:27300,10.0.0.2:27300``, or a DNS name with
    several records): calls go round robin over the ones that are connected, and a replica that
    goes away leaves the rotation (docs/replicas.md)."""
    return grpc.aio.insecure_channel(
        service_address(settings, service),
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.max_receive_message_length", 16 * 1024 * 1024),
            ("grpc.lb_policy_name", "round_robin"),
        ],
    )
