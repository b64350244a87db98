"""Device rules: tenant scoping, field masks, etags, the status lifecycle, pagination.

Agents (services/api/agents/) call :meth:`DeviceService.register`, :meth:`heartbeat` and
:meth:`transition`; people call the rest through the servicer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.api.devices import events
from services.api.devices.list_index import DeviceListIndex
from services.api.devices.model import MUTABLE_FIELDS, Device, DeviceStatus, StatusCause
from services.api.devices.repository import SORTABLE, Change, DeviceQuery, DeviceRepository, Written
from services.api.organizations.model import id_from_name as org_id_from_name
from services.api.organizations.repository import OrganizationRepository
from services.kit.errors import InvalidArgument, NotFound
from services.kit.mongo import Document
from services.kit.pagination import decode_token, encode_token, page_size


@dataclass(frozen=True)
class Page:
    items: list[Device]
    next_page_token: str


@dataclass(frozen=True)
class FilterOptions:
    statuses: Counter[str]
    device_types: Counter[str]
    os_types: Counter[str]
    organizations: Counter[str]
    tags: dict[str, Counter[str]]


class DeviceService:
    def __init__(
        self,
        repo: DeviceRepository,
        organizations: OrganizationRepository,
        list_index: DeviceListIndex | None = None,
    ) -> None:
        self.repo = repo
        self.organizations = organizations
        self.list_index = list_index
        if list_index is not None:
            repo.on_write = list_index.apply

    async def get(self, tenant_id: str, device_id: str, *, use_cache: bool = True) -> Device:
        device = await self.repo.get(tenant_id=tenant_id, device_id=device_id, use_cache=use_cache)
        if device is None:
            raise NotFound(f"devices/{device_id}")
        return device

    async def find_page(self, tenant_id: str, query: DeviceQuery, *, size: int, token: str) -> Page:
        if query.order_by not in SORTABLE:
            raise InvalidArgument.field("order_by", f"sortable fields: {', '.join(SORTABLE)}")
        position = decode_token(token, keys={"v", "id", "o"})
        after = None
        if position:
            if position["o"] != _order_key(query):
                raise InvalidArgument.field("page_token", "the token belongs to a list with another order_by")
            after = (_decode_value(query.order_by, position["v"]), str(position["id"]))
        limit = page_size(size)
        # One extra row tells whether another page exists without a second query.
        if self.list_index is not None:
            rows = await self.list_index.page(tenant_id, query, after, limit + 1)
        else:
            rows = await self.repo.find_page(tenant_id=tenant_id, query=query, after=after, limit=limit + 1)
        items, more = rows[:limit], len(rows) > limit
        token_out = ""
        if more and items:
            last = items[-1]
            value = getattr(last, query.order_by)
            token_out = encode_token(
                {
                    "v": value.isoformat() if isinstance(value, datetime) else value,
                    "id": last.id,
                    "o": _order_key(query),
                }
            )
        return Page(items, token_out)

    async def update(
        self, tenant_id: str, device_id: str, fields: dict[str, Any], mask: list[str], etag: str
    ) -> Device:
        unknown = sorted(set(mask) - MUTABLE_FIELDS)
        if not mask or unknown:
            raise InvalidArgument.field(
                "update_mask.paths",
                f"unknown or read-only field(s) {unknown}; updatable: {sorted(MUTABLE_FIELDS)}"
                if unknown
                else "name at least one field to update",
            )
        changes = {path: fields[path] for path in mask}
        if changes.get("organization"):
            await self._require_organization(tenant_id, changes["organization"])
        elif "organization" in changes:  # clearing it moves the device back to the default
            changes["organization"] = (await self.organizations.ensure_default(tenant_id)).name
        paths = sorted(changes)
        written = await self.repo.change(
            tenant_id=tenant_id,
            device_id=device_id,
            expected_etag=etag or None,
            decide=lambda _: Change(changes, lambda d: events.updated(d, paths)),
        )
        return written.device

    async def set_nickname(self, tenant_id: str, device_id: str, nickname: str, etag: str) -> Device:
        def decide(current: Device) -> Change | None:
            if current.nickname == nickname:
                return None
            previous = current.nickname
            return Change({"nickname": nickname}, lambda d: events.nickname_changed(d, previous=previous))

        written = await self.repo.change(
            tenant_id=tenant_id, device_id=device_id, expected_etag=etag or None, decide=decide
        )
        return written.device

    async def set_status(
        self, tenant_id: str, device_id: str, status: DeviceStatus, reason: str, etag: str
    ) -> Device:
        written = await self.repo.transition(
            tenant_id=tenant_id,
            device_id=device_id,
            to=status,
            cause=StatusCause.MANUAL,
            reason=reason,
            expected_etag=etag or None,
        )
        return written.device

    # for agents (services/api/agents/)

    async def register(
        self, tenant_id: str, device_id: str, inventory: dict[str, Any], *, client_id: str = ""
    ) -> Written:
        """Create (PENDING, in the tenant's default organization) or refresh a device."""
        default = await self.organizations.ensure_default(tenant_id)
        return await self.repo.register(
            tenant_id=tenant_id,
            device_id=device_id,
            inventory=inventory,
            organization=default.name,
            client_id=client_id,
        )

    async def heartbeat(self, tenant_id: str, device_id: str, when: datetime) -> Written:
        return await self.repo.heartbeat(tenant_id=tenant_id, device_id=device_id, when=when)

    async def transition(
        self,
        tenant_id: str,
        device_id: str,
        to: DeviceStatus,
        *,
        cause: StatusCause,
        reason: str = "",
        only_from: frozenset[DeviceStatus] | None = None,
    ) -> Written:
        return await self.repo.transition(
            tenant_id=tenant_id, device_id=device_id, to=to, cause=cause, reason=reason, only_from=only_from
        )

    async def filter_options(self, tenant_id: str, organizations: list[str]) -> FilterOptions:
        if self.list_index is not None:  # the read model has them: no collection scan
            wanted = set(organizations)
            docs: list[Document] = [
                {
                    "status": d.status.value,
                    "device_type": d.device_type.value,
                    "os_type": d.os_type.value,
                    "organization": d.organization,
                    "tags": [{"key": t.key, "value": t.value} for t in d.tags],
                }
                for d in await self.list_index.devices(tenant_id)
                if not wanted or d.organization in wanted
            ]
        else:
            docs = await self.repo.count_by(tenant_id=tenant_id, organizations=organizations)
        tags: dict[str, Counter[str]] = {}
        for doc in docs:
            for tag in doc.get("tags") or []:
                tags.setdefault(tag["key"], Counter())[tag.get("value", "")] += 1
        return FilterOptions(
            statuses=Counter(d.get("status", "") for d in docs),
            device_types=Counter(d.get("device_type") or "UNSPECIFIED" for d in docs),
            os_types=Counter(d.get("os_type") or "UNSPECIFIED" for d in docs),
            organizations=Counter(d.get("organization", "") for d in docs if d.get("organization")),
            tags=tags,
        )

    async def _require_organization(self, tenant_id: str, name: str) -> None:
        org = await self.organizations.get(tenant_id=tenant_id, org_id=org_id_from_name(name))
        if org is None:  # another tenant's organization looks exactly like a missing one
            raise InvalidArgument.field("device.organization", f"{name} not found")


def _order_key(query: DeviceQuery) -> str:
    return f"{query.order_by}{' desc' if query.descending else ''}"


def _decode_value(field: str, value: Any) -> Any:
    if field.endswith("_time") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
