"""The API key as the domain sees it, independent of protos and storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

RESOURCE = "apiKeys"
KEY_PREFIX = "ak_"
SECRET_PREFIX = "sk_"  # noqa: S105 (the marker of the secret part, not a secret)

#: Fields a client may set on create and change through update_mask.
MUTABLE_FIELDS = frozenset({"display_name", "description", "scopes", "expire_time", "rate_limits"})

#: Scopes a key may hold (``<resource>:<action>``), as the contract lists them.
KNOWN_SCOPES = frozenset(
    {
        "devices:read",
        "devices:write",
        "organizations:read",
        "events:read",
        "events:write",
        "logs:read",
        "tools:read",
        "tools:proxy",
    }
)

#: Defaults of a key's limits (issue #6): requests per minute, hour, day.
DEFAULT_LIMITS = (100, 1_000, 10_000)


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"  # never stored: derived from expire_time
    REVOKED = "REVOKED"


@dataclass(frozen=True)
class Limits:
    per_minute: int = 0
    per_hour: int = 0
    per_day: int = 0

    def effective(self) -> Limits:
        """Zero fields replaced by the defaults."""
        m, h, d = DEFAULT_LIMITS
        return Limits(self.per_minute or m, self.per_hour or h, self.per_day or d)


@dataclass
class ApiKey:
    id: str
    tenant_id: str
    display_name: str
    description: str = ""
    scopes: list[str] = field(default_factory=list)
    expire_time: datetime | None = None
    rate_limits: Limits = field(default_factory=Limits)
    revoked: bool = False
    #: HMAC-SHA256 of the secret under the server's pepper (hex); the secret itself is never stored
    secret_hash: str = ""
    last_use_time: datetime | None = None
    last_use_ip: str = ""
    creator_type: str = ""
    creator_id: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    regenerate_time: datetime | None = None
    revoke_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def prefix(self) -> str:
        return f"{KEY_PREFIX}{self.id}"

    def status(self, now: datetime) -> Status:
        if self.revoked:
            return Status.REVOKED
        if self.expire_time is not None and self.expire_time <= now:
            return Status.EXPIRED
        return Status.ACTIVE

    def roles(self) -> frozenset[str]:
        """Roles the key acts with inside the mesh: what its scopes need and no more.

        Keys carry scopes, not roles; the services' role checks (writes need ADMIN/OWNER) are
        met by ADMIN only when the key holds a write scope, and the external service checks the
        scope of each call before forwarding it, so ADMIN never reaches further than the scope.
        """
        writes = any(s.endswith((":write", ":proxy")) for s in self.scopes)
        return frozenset({"ADMIN"} if writes else {"VIEWER"})


def id_from_name(name: str) -> str:
    """'apiKeys/abc' -> 'abc' (the format is already validated by the contract)."""
    return name.removeprefix(f"{RESOURCE}/")
