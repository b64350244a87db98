"""The tenant as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

RESOURCE = "tenants"

#: Public mail providers: registering with such an address claims no domain.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
        "example.com",
        "example.org",
        "example.net",
    }
)


class TenantStatus(StrEnum):
    PROVISIONING = "PROVISIONING"  # registration in progress: invisible, cannot sign in
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"


@dataclass
class Tenant:
    id: str
    display_name: str
    status: TenantStatus = TenantStatus.PROVISIONING
    status_reason: str = ""
    email_domains: list[str] = field(default_factory=list)
    owner_id: str = ""
    active_key_id: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def active(self) -> bool:
        return self.status is TenantStatus.ACTIVE


def claimable_domain(email: str) -> str | None:
    domain = email.rsplit("@", 1)[-1].lower()
    return None if domain in PUBLIC_MAIL_DOMAINS else domain
