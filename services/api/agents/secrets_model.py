"""Registration secrets as the domain sees them, and the secret format.

A secret reads ``ofrs.<tenant>.<secret id>.<random>``: the tenant and the id let registration
find the one stored record by ``{_id, tenant_id}`` without an index over digests; the random
part (256 bits) is the credential. Only its SHA-256 digest is stored — a random secret of that
strength needs no slow hash (the same reasoning as API keys).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

RESOURCE = "registrationSecrets"
PREFIX = "ofrs"


class SecretStatus(StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


@dataclass
class RegistrationSecret:
    id: str
    tenant_id: str
    display_name: str
    organization: str = ""
    status: SecretStatus = SecretStatus.ACTIVE
    secret_hint: str = ""
    expire_time: datetime | None = None
    max_uses: int = 0
    use_count: int = 0
    last_use_time: datetime | None = None
    previous_secret_expire_time: datetime | None = None
    creator: dict[str, str] = field(default_factory=dict)
    create_time: datetime | None = None
    rotate_time: datetime | None = None
    revoke_time: datetime | None = None
    etag: str = ""
    secret_digest: str = field(default="", repr=False)
    previous_secret_digest: str = field(default="", repr=False)
    version: int = 0

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    def effective_status(self, at: datetime) -> SecretStatus:
        """ACTIVE secrets past their expiry or use limit read as EXPIRED."""
        if self.status is SecretStatus.ACTIVE and (
            (self.expire_time is not None and self.expire_time <= at)
            or (self.max_uses and self.use_count >= self.max_uses)
        ):
            return SecretStatus.EXPIRED
        return self.status

    def accepts(self, random_part: str, at: datetime) -> bool:
        """Whether ``random_part`` is the current secret, or the previous one inside its overlap."""
        candidate = digest(random_part)
        if self.secret_digest and hmac.compare_digest(candidate, self.secret_digest):
            return True
        expire = self.previous_secret_expire_time
        return bool(
            self.previous_secret_digest
            and expire is not None
            and expire > at
            and hmac.compare_digest(candidate, self.previous_secret_digest)
        )


@dataclass(frozen=True)
class ParsedSecret:
    tenant_id: str
    secret_id: str
    random_part: str


def digest(random_part: str) -> str:
    return hashlib.sha256(random_part.encode()).hexdigest()


def new_secret(tenant_id: str, secret_id: str) -> tuple[str, str]:
    """(the full secret to show once, the random part whose digest is stored)."""
    random_part = secrets.token_urlsafe(32)
    return f"{PREFIX}.{tenant_id}.{secret_id}.{random_part}", random_part


def parse_secret(secret: str) -> ParsedSecret | None:
    parts = secret.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not all(parts[1:]):
        return None
    return ParsedSecret(parts[1], parts[2], parts[3])


def id_from_name(name: str) -> str:
    return name.removeprefix(f"{RESOURCE}/")
