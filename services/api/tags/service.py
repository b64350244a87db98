"""Tag rules: keys per entity type with allowed values and colors; assigning tags to devices
(one value per key; a key that restricts its values rejects others, naming the field);
suggestions that merge defined keys/values with what devices actually carry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from services.api.devices import events as device_events
from services.api.devices.model import Device, Tag
from services.api.devices.repository import Change, DeviceRepository
from services.api.tags.repository import TagKeyRepository
from services.kit.errors import EtagMismatch, FailedPrecondition, InvalidArgument, NotFound
from services.kit.mongo import Document
from services.kit.resources import check_update_mask

DEVICE = "DEVICE"
MUTABLE_FIELDS = frozenset({"description", "color", "allowed_values", "restrict_values"})


@dataclass(frozen=True)
class Suggestion:
    value: str
    color: str
    defined: bool
    usage_count: int
    name: str = ""


class TagService:
    def __init__(self, keys: TagKeyRepository, devices: DeviceRepository) -> None:
        self.keys = keys
        self.devices = devices

    async def create(self, tenant_id: str, fields: dict[str, Any], event: Any) -> Document:
        _check_allowed(fields["allowed_values"], "tag_key.allowed_values")
        return await self.keys.insert({**fields, "tenant_id": tenant_id}, event)

    async def get(self, tenant_id: str, key_id: str) -> Document:
        doc = await self.keys.get(tenant_id=tenant_id, key_id=key_id)
        if doc is None:
            raise NotFound(f"tagKeys/{key_id}")
        return {**doc, "usage_count": (await self.usage(tenant_id, doc["entity_type"])).get(doc["key"], 0)}

    async def list_keys(self, tenant_id: str, entity_type: str | None, search: str) -> list[Document]:
        docs = await self.keys.find_all(tenant_id=tenant_id, entity_type=entity_type)
        if search:
            docs = [d for d in docs if search.lower() in d["key"].lower()]
        usage = (
            await self.usage(tenant_id, DEVICE)
            if any(d["entity_type"] == DEVICE for d in docs)
            else Counter()
        )
        return [
            {**d, "usage_count": usage.get(d["key"], 0) if d["entity_type"] == DEVICE else 0} for d in docs
        ]

    async def update(
        self, tenant_id: str, key_id: str, fields: dict[str, Any], mask: list[str], etag: str, event: Any
    ) -> Document:
        check_update_mask(mask, MUTABLE_FIELDS)
        changes = {p: fields[p] for p in mask}
        if "allowed_values" in changes:
            _check_allowed(changes["allowed_values"], "tag_key.allowed_values")
        updated = await self.keys.update(
            tenant_id=tenant_id, key_id=key_id, changes=changes, expected_etag=etag or None, event=event
        )
        if updated is None:
            await self.get(tenant_id, key_id)  # NotFound when missing (or another tenant's)
            raise EtagMismatch(f"tagKeys/{key_id}")
        return updated

    async def delete(self, tenant_id: str, key_id: str, etag: str, force: bool, event: Any) -> int:
        doc = await self.get(tenant_id, key_id)
        if doc["usage_count"] and not force:
            raise FailedPrecondition(
                f"tagKeys/{key_id} is assigned to {doc['usage_count']} device(s);"
                " unassign it first or delete with force"
            )
        unassigned = 0
        if doc["entity_type"] == DEVICE and doc["usage_count"]:
            for device_id in await self.devices.tag_rows.device_ids(tenant_id, doc["key"]):
                written = await self._retag(tenant_id, device_id, [], [doc["key"]], None)
                unassigned += int(written)
        tombstone = {"deleted": True, "key_lower": f"{doc['key'].lower()}#deleted#{key_id}"}
        deleted = await self.keys.update(
            tenant_id=tenant_id,
            key_id=key_id,
            changes=tombstone,
            expected_etag=etag or None,
            event=lambda after: event(after, unassigned),
        )
        if deleted is None:
            raise EtagMismatch(f"tagKeys/{key_id}")
        return unassigned

    async def assign(self, tenant_id: str, device_id: str, tags: list[Tag], etag: str) -> Device:
        keys = [t.key for t in tags]
        if len({k.lower() for k in keys}) != len(keys):
            raise InvalidArgument.field("tags", "each key at most once")
        defined = await self.keys.find_by_key(tenant_id=tenant_id, entity_type=DEVICE, keys=keys)
        for i, tag in enumerate(tags):
            key_doc = defined.get(tag.key.lower())
            if key_doc and key_doc.get("restrict_values"):
                allowed = {v["value"] for v in key_doc.get("allowed_values") or []}
                if tag.value not in allowed:
                    raise InvalidArgument.field(
                        f"tags[{i}].value",
                        f"{tag.key!r} allows only: {', '.join(sorted(allowed)) or 'nothing'}",
                    )
        # the defined key's spelling wins, so filters and counts see one key
        tags = [
            Tag(defined[t.key.lower()]["key"] if t.key.lower() in defined else t.key, t.value) for t in tags
        ]
        await self._retag(tenant_id, device_id, tags, [], etag or None)
        return await self._device(tenant_id, device_id)

    async def unassign(self, tenant_id: str, device_id: str, keys: list[str], etag: str) -> Device:
        await self._retag(tenant_id, device_id, [], keys, etag or None)
        return await self._device(tenant_id, device_id)

    async def usage(self, tenant_id: str, entity_type: str) -> Counter[str]:
        """Devices per tag key (the maintained counts, services/api/devices/counts.py)."""
        if entity_type != DEVICE:
            return Counter()
        return await self.devices.counts.by_value(tenant_id, "tag_key")

    async def suggest_keys(
        self, tenant_id: str, entity_type: str, prefix: str, limit: int
    ) -> list[Suggestion]:
        defined = {
            d["key"]: d for d in await self.keys.find_all(tenant_id=tenant_id, entity_type=entity_type)
        }
        usage = await self.usage(tenant_id, entity_type)
        out = [
            Suggestion(
                k,
                defined[k].get("color", "") if k in defined else "",
                k in defined,
                usage.get(k, 0),
                f"tagKeys/{defined[k]['_id']}" if k in defined else "",
            )
            for k in set(defined) | set(usage)
            if k.lower().startswith(prefix.lower())
        ]
        out.sort(key=lambda s: (-s.usage_count, s.value.lower()))
        return out[: limit or 10]

    async def suggest_values(
        self, tenant_id: str, entity_type: str, key: str, prefix: str, limit: int
    ) -> list[Suggestion]:
        defined = await self.keys.find_by_key(tenant_id=tenant_id, entity_type=entity_type, keys=[key])
        key_doc = defined.get(key.lower())
        allowed = {v["value"]: v for v in (key_doc or {}).get("allowed_values") or []}
        usage: Counter[str] = Counter()
        if entity_type == DEVICE:
            for tag, n in (await self.devices.counts.by_value(tenant_id, "tag")).items():
                tag_key, _, value = tag.partition("=")
                if tag_key == key:
                    usage[value] += n
        out = [
            Suggestion(v, allowed[v].get("color", "") if v in allowed else "", v in allowed, usage.get(v, 0))
            for v in set(allowed) | set(usage)
            if v.lower().startswith(prefix.lower())
        ]
        out.sort(key=lambda s: (not s.defined, -s.usage_count, s.value.lower()))
        return out[: limit or 10]

    async def _retag(
        self, tenant_id: str, device_id: str, assigned: list[Tag], removed: list[str], etag: str | None
    ) -> bool:
        def decide(current: Device) -> Change | None:
            replaced = {t.key for t in assigned} | set(removed)
            tags = [t for t in current.tags if t.key not in replaced] + assigned
            if tags == current.tags:
                return None
            really_removed = [k for k in removed if any(t.key == k for t in current.tags)]
            return Change(
                {"tags": tags},
                lambda d: device_events.tags_changed(d, assigned=assigned, removed_keys=really_removed),
            )

        written = await self.devices.change(
            tenant_id=tenant_id, device_id=device_id, expected_etag=etag, decide=decide
        )
        return written.changed

    async def _device(self, tenant_id: str, device_id: str) -> Device:
        device = await self.devices.get(tenant_id=tenant_id, device_id=device_id)
        if device is None:
            raise NotFound(f"devices/{device_id}")
        return device


def _check_allowed(values: list[dict[str, str]], field: str) -> None:
    seen = [v["value"] for v in values]
    if len(set(seen)) != len(seen):
        raise InvalidArgument.field(field, "values must be unique")
