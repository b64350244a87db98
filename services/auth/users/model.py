"""The user as the domain sees it. The password hash never leaves the storage/login layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

RESOURCE = "users"

#: Fields UpdateUser may change (email only by ADMIN/OWNER).
PROFILE_FIELDS = frozenset({"display_name", "given_name", "family_name", "time_zone"})
MUTABLE_FIELDS = PROFILE_FIELDS | {"email"}


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    TECHNICIAN = "TECHNICIAN"
    VIEWER = "VIEWER"


ADMINS = (Role.OWNER.value, Role.ADMIN.value)


class UserStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"
    PENDING = "PENDING"  # created without a password


@dataclass
class User:
    id: str
    tenant_id: str
    email: str
    display_name: str
    role: Role = Role.TECHNICIAN
    status: UserStatus = UserStatus.ACTIVE
    given_name: str = ""
    family_name: str = ""
    time_zone: str = ""
    email_verified: bool = False
    password_hash: str | None = field(default=None, repr=False)
    last_login_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


def id_from_name(name: str) -> str:
    return name.removeprefix(f"{RESOURCE}/")


def email_key(email: str) -> str:
    return email.strip().lower()
