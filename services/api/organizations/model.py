"""The organization as the domain sees it, independent of protos and storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

RESOURCE = "organizations"

#: Fields a client may set on create and change through update_mask.
MUTABLE_FIELDS = frozenset(
    {"display_name", "category", "employee_count", "website_url", "contact_email", "notes"}
)


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


@dataclass
class Organization:
    id: str
    tenant_id: str
    display_name: str
    category: str = ""
    employee_count: int = 0
    website_url: str = ""
    contact_email: str = ""
    notes: str = ""
    status: Status = Status.ACTIVE
    is_default: bool = False
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"


def id_from_name(name: str) -> str:
    """'organizations/abc' -> 'abc' (the format is already validated by the contract)."""
    return name.removeprefix(f"{RESOURCE}/")
