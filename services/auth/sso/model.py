"""SSO providers and linked identities as the domain sees them. The upstream client secret exists
only sealed (see secretbox.py); nothing here ever carries it in clear."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.auth.users.model import Role

RESOURCE = "ssoProviders"

#: Fields UpdateSsoProvider may change (preset is immutable).
MUTABLE_FIELDS = frozenset(
    {
        "display_name",
        "issuer_uri",
        "microsoft_tenant",
        "client_id",
        "client_secret",
        "scopes",
        "enabled",
        "allowed_email_domains",
        "auto_provision",
        "auto_provision_role",
    }
)
#: Roles an auto-provisioned user may get: never an administrator by default or by accident.
PROVISION_ROLES = (Role.TECHNICIAN, Role.VIEWER)


class Preset(StrEnum):
    GOOGLE = "GOOGLE"
    MICROSOFT = "MICROSOFT"
    GENERIC_OIDC = "GENERIC_OIDC"


@dataclass
class SsoProvider:
    id: str
    tenant_id: str
    display_name: str
    preset: Preset
    issuer_uri: str
    client_id: str
    microsoft_tenant: str = ""
    #: AES-256-GCM sealed client secret ({alg, nonce, ciphertext}); None when there is none.
    client_secret_sealed: dict[str, Any] | None = field(default=None, repr=False)
    scopes: list[str] = field(default_factory=list)
    enabled: bool = False
    allowed_email_domains: list[str] = field(default_factory=list)
    auto_provision: bool = False
    auto_provision_role: Role = Role.VIEWER
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def has_secret(self) -> bool:
        return self.client_secret_sealed is not None


@dataclass
class LinkedIdentity:
    """An upstream account (provider + its ``sub``) linked to one of the tenant's users."""

    id: str
    tenant_id: str
    provider_id: str
    subject: str
    user_id: str
    email: str = ""
    create_time: datetime | None = None
    last_login_time: datetime | None = None


def id_from_name(name: str) -> str:
    return name.removeprefix(f"{RESOURCE}/")
