"""Who is calling: the identity every request carries, and how it is established.

Services never trust a tenant from the request body. The tenant comes from the caller's
validated identity (a JWT checked by Envoy and again here — ``services/kit/jwt.py`` — an API
key checked by the edge, or, for in-process tests only, a header, when explicitly enabled and
never in production). ``authenticator_for(settings)`` picks one from ``settings.auth_mode``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from services.kit.errors import PermissionDenied, Unauthenticated

if TYPE_CHECKING:
    from services.kit.config import Settings

TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

DEV_TENANT_HEADER = "x-openframe-tenant"
DEV_ROLES_HEADER = "x-openframe-roles"
DEV_SUBJECT_HEADER = "x-openframe-subject"


@dataclass(frozen=True)
class Identity:
    tenant_id: str
    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"  # user | client | api_key | agent | system
    #: OAuth scopes granted to the token (empty for the development header)
    scopes: frozenset[str] = field(default_factory=frozenset)
    #: the OAuth client the token was issued to, when there is one
    client_id: str | None = None

    def require_any_role(self, *roles: str) -> None:
        if not self.roles.intersection(roles):
            raise PermissionDenied(f"requires one of the roles: {', '.join(roles)}")


_identity: ContextVar[Identity | None] = ContextVar("identity", default=None)


def current_identity() -> Identity:
    ident = _identity.get()
    if ident is None:
        raise Unauthenticated("no authenticated caller")
    return ident


def set_identity(identity: Identity | None) -> object:
    return _identity.set(identity)


def reset_identity(token: object) -> None:
    _identity.reset(token)  # type: ignore[arg-type]


class Authenticator(Protocol):
    """Metadata of a call -> who is calling, or ``Unauthenticated``. May be async (a token
    authenticator fetches keys over the network); :func:`authenticate` awaits it when it is."""

    def authenticate(self, metadata: Mapping[str, str]) -> Identity | Awaitable[Identity]: ...


async def authenticate(authenticator: Authenticator, metadata: Mapping[str, str]) -> Identity:
    """Run an authenticator, sync or async."""
    result = authenticator.authenticate(metadata)
    return await result if inspect.isawaitable(result) else result


class RejectAll:
    """The default: without a configured authenticator nobody gets in."""

    def authenticate(self, metadata: Mapping[str, str]) -> Identity:
        raise Unauthenticated("authentication required")


class DevHeaderAuthenticator:
    """Tests of a service in-process only: trust ``x-openframe-tenant`` (and optional roles/subject).

    Enabled by ``OPENFRAME_AUTH_MODE=dev_header`` (or the older ``OPENFRAME_DEV_TENANT_HEADER=true``);
    the settings refuse it in production. ``make run`` uses real tokens (``auth_mode=jwt``).
    """

    def authenticate(self, metadata: Mapping[str, str]) -> Identity:
        tenant = metadata.get(DEV_TENANT_HEADER, "")
        if not TENANT_RE.fullmatch(tenant):
            raise Unauthenticated(f"missing or malformed {DEV_TENANT_HEADER} header")
        roles = frozenset(r.strip().upper() for r in metadata.get(DEV_ROLES_HEADER, "ADMIN").split(",") if r)
        return Identity(tenant_id=tenant, subject=metadata.get(DEV_SUBJECT_HEADER, "dev"), roles=roles)


def authenticator_for(settings: Settings) -> Authenticator:
    """The authenticator ``settings.auth_mode`` asks for: ``jwt`` (bearer tokens of the auth
    service, the default), ``dev_header`` (tests only; refused in production) or ``reject``."""
    if settings.auth_mode == "dev_header":
        return DevHeaderAuthenticator()
    if settings.auth_mode == "reject":
        return RejectAll()
    from services.kit.jwt import JwtAuthenticator  # pyjwt and httpx only where tokens are used

    return JwtAuthenticator.from_settings(settings)
