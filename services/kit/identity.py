"""Who is calling: the identity every request carries, and how it is established.

Services never trust a tenant from the request body. The tenant comes from the caller's
validated identity (a JWT checked by Envoy and again here, an API key checked by the edge,
or — for local development only — a header, when explicitly enabled and never in production).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from services.kit.errors import PermissionDenied, Unauthenticated

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
    def authenticate(self, metadata: Mapping[str, str]) -> Identity: ...


class RejectAll:
    """The default: without a configured authenticator nobody gets in."""

    def authenticate(self, metadata: Mapping[str, str]) -> Identity:
        raise Unauthenticated("authentication required")


class DevHeaderAuthenticator:
    """Local development only: trust ``x-openframe-tenant`` (and optional roles/subject).

    Enabled by ``OPENFRAME_DEV_TENANT_HEADER=true``; the settings refuse it in production.
    """

    def authenticate(self, metadata: Mapping[str, str]) -> Identity:
        tenant = metadata.get(DEV_TENANT_HEADER, "")
        if not TENANT_RE.fullmatch(tenant):
            raise Unauthenticated(f"missing or malformed {DEV_TENANT_HEADER} header")
        roles = frozenset(r.strip().upper() for r in metadata.get(DEV_ROLES_HEADER, "ADMIN").split(",") if r)
        return Identity(tenant_id=tenant, subject=metadata.get(DEV_SUBJECT_HEADER, "dev"), roles=roles)
