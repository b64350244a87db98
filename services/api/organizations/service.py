"""Organization rules: tenant scoping, etags, archive preconditions, pagination."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from openframe.events.v1 import organization_events_pb2 as ev
from services.api.organizations.convert import to_pb
from services.api.organizations.model import MUTABLE_FIELDS, Organization, Status
from services.api.organizations.repository import OrganizationRepository
from services.kit.errors import EtagMismatch, FailedPrecondition, NotFound
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask


@dataclass(frozen=True)
class ArchiveCheck:
    can_archive: bool
    reason: str
    active_devices: int


class OrganizationService:
    def __init__(self, repo: OrganizationRepository) -> None:
        self.repo = repo

    async def create(self, tenant_id: str, fields: dict[str, Any]) -> Organization:
        org = Organization(id=uuid.uuid4().hex, tenant_id=tenant_id, **_only_mutable(fields))
        return await self.repo.insert(org)

    async def get(self, tenant_id: str, org_id: str) -> Organization:
        org = await self.repo.get(tenant_id=tenant_id, org_id=org_id)
        if org is None:
            raise NotFound(f"organizations/{org_id}")
        return org

    async def find_page(
        self, tenant_id: str, *, status: Status | None, search: str, size: int, token: str
    ) -> Page[Organization]:
        if status in (None, Status.ACTIVE) and not token:
            await self.repo.ensure_default(tenant_id)  # every tenant lists its default organization
        position = decode_token(token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        limit = page_size(size)
        # One extra row tells whether another page exists without a second query.
        rows = await self.repo.find_page(
            tenant_id=tenant_id, status=status or Status.ACTIVE, search=search, after=after, limit=limit + 1
        )
        return page_of(
            rows, limit, lambda o: {"t": o.create_time.isoformat() if o.create_time else "", "id": o.id}
        )

    async def update(
        self, tenant_id: str, org_id: str, fields: dict[str, Any], mask: list[str], etag: str
    ) -> Organization:
        check_update_mask(mask, MUTABLE_FIELDS)
        changes = {path: fields[path] for path in mask}
        return await self._write(tenant_id, org_id, changes, etag)

    async def can_archive(self, tenant_id: str, org_id: str) -> ArchiveCheck:
        org = await self.get(tenant_id, org_id)
        if org.is_default:
            return ArchiveCheck(False, "the default organization cannot be archived", 0)
        active = await self.repo.count_active_devices(tenant_id=tenant_id, org_name=org.name)
        if active:
            return ArchiveCheck(False, f"organization has {active} active device(s)", active)
        return ArchiveCheck(True, "", 0)

    async def archive(self, tenant_id: str, org_id: str, etag: str) -> Organization:
        check = await self.can_archive(tenant_id, org_id)
        if not check.can_archive:
            raise FailedPrecondition(f"cannot archive organizations/{org_id}: {check.reason}")
        return await self._write(
            tenant_id,
            org_id,
            {"status": Status.ARCHIVED.value},
            etag,
            lambda o: ev.OrganizationArchived(organization=to_pb(o)),
        )

    async def unarchive(self, tenant_id: str, org_id: str, etag: str) -> Organization:
        return await self._write(
            tenant_id,
            org_id,
            {"status": Status.ACTIVE.value},
            etag,
            lambda o: ev.OrganizationUnarchived(organization=to_pb(o)),
        )

    async def default(self, tenant_id: str) -> Organization:
        """The tenant's default organization (created on first need)."""
        return await self.repo.ensure_default(tenant_id)

    async def _write(
        self,
        tenant_id: str,
        org_id: str,
        changes: dict[str, Any],
        etag: str,
        event: Callable[[Organization], Message] | None = None,
    ) -> Organization:
        updated = await self.repo.update(
            tenant_id=tenant_id, org_id=org_id, changes=changes, expected_etag=etag, event=event
        )
        if updated is not None:
            return updated
        await self.get(tenant_id, org_id)  # raises NotFound when it does not exist (in this tenant)
        raise EtagMismatch(f"organizations/{org_id}")


def _only_mutable(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k in MUTABLE_FIELDS}
