"""Device rules: tenant scoping, field masks, etags, the status lifecycle, pagination.

Agents (services/api/agents/) call :meth:`DeviceService.register`, :meth:`heartbeat` and
:meth:`transition`; people call the rest through the servicer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.api.devices import events
from services.api.devices.model import (
    MUTABLE_FIELDS,
    SORT_KEYS,
    Device,
    DeviceStatus,
    StatusCause,
    query_keys,
)
from services.api.devices.repository import SORTABLE, Change, DeviceQuery, DeviceRepository, Written
from services.api.organizations.model import id_from_name as org_id_from_name
from services.api.organizations.repository import OrganizationRepository
from services.kit.errors import InvalidArgument, NotFound
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask


@dataclass(frozen=True)
class FilterOptions:
    statuses: Counter[str]
    device_types: Counter[str]
    os_types: Counter[str]
    organizations: Counter[str]
    tags: dict[str, Counter[str]]


class DeviceService:
    def __init__(self, repo: DeviceRepository, organizations: OrganizationRepository) -> None:
        self.repo = repo
        self.organizations = organizations

    async def get(self, tenant_id: str, device_id: str, *, use_cache: bool = True) -> Device:
        device = await self.repo.get(tenant_id=tenant_id, device_id=device_id, use_cache=use_cache)
        if device is None:
            raise NotFound(f"devices/{device_id}")
        return device

    async def find_page(self, tenant_id: str, query: DeviceQuery, *, size: int, token: str) -> Page[Device]:
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
        rows = await self.repo.find_page(tenant_id=tenant_id, query=query, after=after, limit=limit + 1)
        return page_of(rows, limit, lambda d: _position(d, query))

    async def update(
        self, tenant_id: str, device_id: str, fields: dict[str, Any], mask: list[str], etag: str
    ) -> Device:
        check_update_mask(mask, MUTABLE_FIELDS)
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
        """From the maintained counts (services/api/devices/counts.py): no device is read."""
        counted = await self.repo.counts.by_field(tenant_id, organizations)
        tags: dict[str, Counter[str]] = {}
        for tag, n in counted.get("tag", Counter()).items():
            key, _, value = tag.partition("=")
            tags.setdefault(key, Counter())[value] += n
        return FilterOptions(
            statuses=counted.get("status", Counter()),
            device_types=counted.get("device_type", Counter()),
            os_types=counted.get("os_type", Counter()),
            organizations=counted.get("organization", Counter()),
            tags=tags,
        )

    async def _require_organization(self, tenant_id: str, name: str) -> None:
        org = await self.organizations.get(tenant_id=tenant_id, org_id=org_id_from_name(name))
        if org is None:  # another tenant's organization looks exactly like a missing one
            raise InvalidArgument.field("device.organization", f"{name} not found")


def _position(device: Device, query: DeviceQuery) -> dict[str, Any]:
    """The cursor after ``device``: its sort key as stored (model.query_keys) and its id."""
    key = SORT_KEYS[query.order_by]
    value = device.create_time if key == "create_time" else query_keys(device)[key]
    return {
        "v": value.isoformat() if isinstance(value, datetime) else value,
        "id": device.id,
        "o": _order_key(query),
    }


def _order_key(query: DeviceQuery) -> str:
    return f"{query.order_by}{' desc' if query.descending else ''}"


def _decode_value(field: str, value: Any) -> Any:
    if field.endswith("_time"):
        if not isinstance(value, str):
            raise InvalidArgument.field("page_token", "not a token returned by this list; start without one")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise InvalidArgument.field(
                "page_token", "not a token returned by this list; start without one"
            ) from None
    return value
