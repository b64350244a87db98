"""The OAuth client as the domain sees it. Secrets exist only as SHA-256 digests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.auth.crypto import matches

RESOURCE = "oauthClients"

#: Scopes a client may request when its own list is empty.
DEFAULT_SCOPES = ("openid", "profile", "email", "offline_access")

MUTABLE_FIELDS = frozenset(
    {
        "display_name",
        "grant_types",
        "redirect_uris",
        "scopes",
        "audiences",
        "roles",
        "first_party",
        "access_token_ttl",
        "refresh_token_ttl",
        "disabled",
    }
)


class ClientType(StrEnum):
    CONFIDENTIAL = "CONFIDENTIAL"
    PUBLIC = "PUBLIC"


class Purpose(StrEnum):
    APPLICATION = "APPLICATION"
    INTEGRATION = "INTEGRATION"
    AGENT = "AGENT"


class Grant(StrEnum):
    AUTHORIZATION_CODE = "authorization_code"
    CLIENT_CREDENTIALS = "client_credentials"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 (a grant name, not a secret)


@dataclass
class OAuthClient:
    id: str  # == client_id; unique across tenants (random)
    tenant_id: str
    display_name: str
    client_type: ClientType
    grant_types: list[Grant]
    purpose: Purpose = Purpose.INTEGRATION
    redirect_uris: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    first_party: bool = False
    access_token_ttl: int | None = None  # seconds; None = the issuer's default
    refresh_token_ttl: int | None = None
    disabled: bool = False
    device: str = ""
    secret_digest: str = field(default="", repr=False)
    secret_hint: str = ""
    previous_secret_digest: str = field(default="", repr=False)
    previous_secret_expire_time: datetime | None = None
    secret_rotate_time: datetime | None = None
    creator: dict[str, str] = field(default_factory=dict)
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def confidential(self) -> bool:
        return self.client_type is ClientType.CONFIDENTIAL

    @property
    def allowed_scopes(self) -> tuple[str, ...]:
        return tuple(self.scopes) if self.scopes else DEFAULT_SCOPES

    def check_secret(self, secret: str, at: datetime) -> bool:
        if self.secret_digest and matches(secret, self.secret_digest):
            return True
        expire = self.previous_secret_expire_time
        return bool(
            self.previous_secret_digest
            and expire
            and expire > at
            and matches(secret, self.previous_secret_digest)
        )


def id_from_name(name: str) -> str:
    return name.removeprefix(f"{RESOURCE}/")
