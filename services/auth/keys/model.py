"""A signing key as the domain sees it (public part plus the sealed private part)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

RESOURCE = "signingKeys"
ALGORITHM = "RS256"


class KeyStatus(StrEnum):
    ACTIVE = "ACTIVE"
    VERIFY_ONLY = "VERIFY_ONLY"
    RETIRED = "RETIRED"


@dataclass
class SigningKey:
    id: str  # 16 hex; the kid is "<tenant_id>.<id>"
    tenant_id: str
    public_jwk: dict[str, str]
    sealed_private_key: dict[str, Any] = field(repr=False)
    create_time: datetime
    activate_time: datetime | None = None
    deactivate_time: datetime | None = None
    retire_time: datetime | None = None
    key_size: int = 2048

    @property
    def kid(self) -> str:
        return f"{self.tenant_id}.{self.id}"

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    def status(self, *, active_id: str | None, at: datetime) -> KeyStatus:
        if self.id == active_id:
            return KeyStatus.ACTIVE
        if self.retire_time is not None and self.retire_time <= at:
            return KeyStatus.RETIRED
        return KeyStatus.VERIFY_ONLY

    def verifies(self, *, active_id: str | None, at: datetime) -> bool:
        return self.status(active_id=active_id, at=at) is not KeyStatus.RETIRED
