"""The invitation as the domain sees it. Its token is never stored: only its SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.auth.users.model import Role
from services.kit.mongo import now

RESOURCE = "invitations"


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"  # never stored: a PENDING invitation past its expire_time


@dataclass
class Invitation:
    id: str
    tenant_id: str
    email: str
    role: Role
    expire_time: datetime
    message: str = ""
    status: InvitationStatus = InvitationStatus.PENDING
    inviter_id: str = ""
    inviter_name: str = ""
    send_count: int = 0
    last_send_time: datetime | None = None
    user_id: str = ""
    accept_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def effective_status(self) -> InvitationStatus:
        if self.status is InvitationStatus.PENDING and self.expire_time <= now():
            return InvitationStatus.EXPIRED
        return self.status


def id_from_name(name: str) -> str:
    return name.removeprefix(f"{RESOURCE}/")
