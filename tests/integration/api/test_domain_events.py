"""Every state change publishes its envelope to Kafka (openframe.api.<aggregate>s.v1, key
"<tenant>:<id>", header ce_id = envelope id), in order per aggregate, and the delivered record
leaves the document's outbox queue."""

from __future__ import annotations

import asyncio
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import events_pb2, tags_pb2
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from openframe.api.v1.events_pb2_grpc import EventServiceStub
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.api.v1.tags_pb2_grpc import TagServiceStub
from openframe.events.v1 import (
    device_events_pb2,
    event_record_events_pb2,
    organization_events_pb2,
    tag_events_pb2,
)
from services.api.app import Domain
from services.api.devices.repository import DeviceRepository
from services.kit.config import Settings
from tests.integration.api.conftest import as_tenant, register
from tests.integration.api.kafka_tail import Record, envelope, header, mark_end, read_after


def of(tenant: str, aggregate_id: str) -> Any:
    """The records of one aggregate, deduplicated by event id (delivery is at least once)."""
    key = f"{tenant}:{aggregate_id}".encode()

    def pick(records: list[Record]) -> list[Record]:
        seen: set[str] = set()
        out = []
        for r in records:
            if r.key == key and header(r, "ce_id") not in seen:
                seen.add(header(r, "ce_id"))
                out.append(r)
        return out

    return pick


async def test_device_changes_are_published_in_order_with_their_envelope(
    devices: DeviceServiceStub,
    tags: TagServiceStub,
    api_domain: Domain,
    api_db: Any,
    settings: Settings,
    unique: str,
) -> None:
    mark = await mark_end(settings.kafka_bootstrap, "openframe.api.devices.v1")
    device_id = f"{unique}-1"
    await register(api_domain, unique, device_id)
    name = f"devices/{device_id}"
    meta = as_tenant(unique)
    await devices.SetDeviceNickname(
        pb.SetDeviceNicknameRequest(name=name, nickname="front desk"), metadata=meta
    )
    await devices.SetDeviceStatus(
        pb.SetDeviceStatusRequest(name=name, status=pb.DEVICE_STATUS_MAINTENANCE, reason="repair"),
        metadata=meta,
    )
    await tags.AssignTags(
        tags_pb2.AssignTagsRequest(entity=name, tags=[tags_pb2.Tag(key="site", value="hq")]), metadata=meta
    )
    device = (await devices.GetDevice(pb.GetDeviceRequest(name=name), metadata=meta)).device
    await devices.UpdateDevice(
        pb.UpdateDeviceRequest(
            device=pb.Device(name=name, notes="n", etag=device.etag), update_mask=FieldMask(paths=["notes"])
        ),
        metadata=meta,
    )

    mine = of(unique, device_id)
    records: list[Record] = mine(
        await read_after(settings.kafka_bootstrap, mark, lambda rs: len(mine(rs)) >= 5)
    )
    envelopes = [envelope(r) for r in records]
    assert [e.type.rsplit(".", 1)[1] for e in envelopes] == [
        "DeviceRegistered",
        "DeviceNicknameChanged",
        "DeviceStatusChanged",
        "DeviceTagsChanged",
        "DeviceUpdated",
    ]
    assert [e.sequence for e in envelopes] == [1, 2, 3, 4, 5]
    assert {(e.tenant_id, e.subject, e.source) for e in envelopes} == {(unique, name, "openframe.api")}
    assert [header(r, "ce_id") for r in records] == [e.id for e in envelopes]
    changed = device_events_pb2.DeviceStatusChanged()
    assert envelopes[2].payload.Unpack(changed)
    assert (changed.previous_status, changed.status, changed.reason) == (
        pb.DEVICE_STATUS_PENDING,
        pb.DEVICE_STATUS_MAINTENANCE,
        "repair",
    )
    assert changed.cause == device_events_pb2.DEVICE_STATUS_CHANGE_CAUSE_MANUAL
    retagged = device_events_pb2.DeviceTagsChanged()
    assert envelopes[3].payload.Unpack(retagged)
    assert [(t.key, t.value) for t in retagged.tags] == [("site", "hq")]
    assert await _queue_drains(api_db, "devices", device_id)


async def test_organization_tag_and_event_record_changes_are_published(
    orgs: OrganizationServiceStub,
    tags: TagServiceStub,
    event_records: EventServiceStub,
    api_db: Any,
    settings: Settings,
    unique: str,
) -> None:
    marks = {
        t: await mark_end(settings.kafka_bootstrap, f"openframe.api.{t}s.v1")
        for t in ("organization", "tag", "event_record")
    }
    meta = as_tenant(unique)
    org = (
        await orgs.CreateOrganization(
            org_pb.CreateOrganizationRequest(organization=org_pb.Organization(display_name="Evented")),
            metadata=meta,
        )
    ).organization
    await orgs.ArchiveOrganization(org_pb.ArchiveOrganizationRequest(name=org.name), metadata=meta)
    key = (
        await tags.CreateTagKey(
            tags_pb2.CreateTagKeyRequest(
                tag_key=tags_pb2.TagKey(
                    key="env", entity_type=tags_pb2.TAG_ENTITY_TYPE_DEVICE, color="#00ff00"
                )
            ),
            metadata=meta,
        )
    ).tag_key
    record = (
        await event_records.CreateEvent(
            events_pb2.CreateEventRequest(
                event=events_pb2.Event(type="backup.failed", title="Backup failed")
            ),
            metadata=meta,
        )
    ).event
    await event_records.UpdateEvent(
        events_pb2.UpdateEventRequest(
            event=events_pb2.Event(name=record.name, status=events_pb2.EVENT_STATUS_RESOLVED),
            update_mask=FieldMask(paths=["status"]),
        ),
        metadata=meta,
    )

    org_id = org.name.removeprefix("organizations/")
    got_orgs = of(unique, org_id)(
        await read_after(
            settings.kafka_bootstrap, marks["organization"], lambda rs: len(of(unique, org_id)(rs)) >= 2
        )
    )
    assert [envelope(r).type for r in got_orgs] == [
        "openframe.events.v1.OrganizationCreated",
        "openframe.events.v1.OrganizationArchived",
    ]
    archived = organization_events_pb2.OrganizationArchived()
    assert envelope(got_orgs[1]).payload.Unpack(archived)
    assert archived.organization.status == org_pb.ORGANIZATION_STATUS_ARCHIVED

    key_id = key.name.removeprefix("tagKeys/")
    got_tags = of(unique, key_id)(
        await read_after(settings.kafka_bootstrap, marks["tag"], lambda rs: len(of(unique, key_id)(rs)) >= 1)
    )
    created = tag_events_pb2.TagKeyCreated()
    assert envelope(got_tags[0]).payload.Unpack(created)
    assert (created.tag_key.key, created.tag_key.color) == ("env", "#00ff00")

    record_id = record.name.removeprefix("events/")
    got_records = of(unique, record_id)(
        await read_after(
            settings.kafka_bootstrap, marks["event_record"], lambda rs: len(of(unique, record_id)(rs)) >= 2
        )
    )
    updated = event_record_events_pb2.EventRecordUpdated()
    assert envelope(got_records[1]).payload.Unpack(updated)
    assert (updated.previous_status, updated.event.status) == (
        events_pb2.EVENT_STATUS_OPEN,
        events_pb2.EVENT_STATUS_RESOLVED,
    )
    assert updated.event.resolve_time.seconds > 0
    for collection, doc_id in (("organizations", org_id), ("tag_keys", key_id), ("events", record_id)):
        assert await _queue_drains(api_db, collection, doc_id)


async def test_events_of_a_writer_that_crashed_before_relaying_are_delivered(
    api_db: Any, settings: Settings, unique: str
) -> None:
    """A writer without a relay (it "crashed" right after its write): the api's sweep takes the
    document over once its lease ran out and publishes the stored event."""
    mark = await mark_end(settings.kafka_bootstrap, "openframe.api.devices.v1")
    crashed = DeviceRepository(api_db, relay=None, lease_seconds=0.5)
    device_id = f"{unique}-orphan"
    await crashed.register(
        tenant_id=unique, device_id=device_id, inventory={"hostname": "h"}, organization=""
    )
    mine = of(unique, device_id)
    records = mine(await read_after(settings.kafka_bootstrap, mark, lambda rs: len(mine(rs)) >= 1, within=30))
    assert envelope(records[0]).type == "openframe.events.v1.DeviceRegistered"
    assert await _queue_drains(api_db, "devices", device_id)


async def _queue_drains(db: Any, collection: str, doc_id: str, within: float = 10.0) -> bool:
    """The relay pulls what Kafka acknowledged out of the document's queue."""
    for _ in range(int(within / 0.2)):
        doc = await db[collection].find_one({"_id": doc_id})
        if doc is not None and doc.get("outbox_queue") == []:
            return True
        await asyncio.sleep(0.2)
    return False
