"""Tag keys (allowed values, colors, restriction, suggestions, delete with force) and event
records (create idempotently, get, list with filters, update with mask and etag), with roles and
tenant isolation, against the real store."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import devices_pb2
from openframe.api.v1 import events_pb2 as epb
from openframe.api.v1 import tags_pb2 as tpb
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from openframe.api.v1.events_pb2_grpc import EventServiceStub
from openframe.api.v1.tags_pb2_grpc import TagServiceStub
from services.api.app import Domain
from tests.integration.api.conftest import as_tenant, register
from tests.rpc_status import field_violations

DEVICE = tpb.TAG_ENTITY_TYPE_DEVICE


async def create_key(
    tags: TagServiceStub, tenant: str, key: str, *values: str, restrict: bool = False
) -> tpb.TagKey:
    reply = await tags.CreateTagKey(
        tpb.CreateTagKeyRequest(
            tag_key=tpb.TagKey(
                key=key,
                entity_type=DEVICE,
                color="#112233",
                allowed_values=[tpb.TagValue(value=v, color="#445566") for v in values],
                restrict_values=restrict,
            )
        ),
        metadata=as_tenant(tenant),
    )
    return reply.tag_key


async def test_tag_keys_restrict_values_suggest_and_delete(
    tags: TagServiceStub, devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    meta = as_tenant(unique)
    env = await create_key(tags, unique, "env", "prod", "dev", restrict=True)
    await create_key(tags, unique, "owner")
    with pytest.raises(grpc.aio.AioRpcError) as err:  # one key per entity type, case-insensitively
        await create_key(tags, unique, "ENV")
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    for i in range(3):
        await register(api_domain, unique, f"{unique}-{i}")
    for i, value in enumerate(("prod", "prod", "dev")):
        reply = await tags.AssignTags(
            tpb.AssignTagsRequest(entity=f"devices/{unique}-{i}", tags=[tpb.Tag(key="env", value=value)]),
            metadata=meta,
        )
        assert [(t.key, t.value) for t in reply.tags] == [("env", value)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tags.AssignTags(
            tpb.AssignTagsRequest(entity=f"devices/{unique}-0", tags=[tpb.Tag(key="env", value="staging")]),
            metadata=meta,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "tags[0].value" in field_violations(err.value)
    # a key with no restriction takes any value; assigning again replaces the key's value
    await tags.AssignTags(
        tpb.AssignTagsRequest(entity=f"devices/{unique}-0", tags=[tpb.Tag(key="owner", value="alice")]),
        metadata=meta,
    )
    got = (await tags.GetTagKey(tpb.GetTagKeyRequest(name=env.name), metadata=meta)).tag_key
    assert got.usage_count == 3 and [v.value for v in got.allowed_values] == ["prod", "dev"]

    keys = await tags.SuggestTagKeys(tpb.SuggestTagKeysRequest(entity_type=DEVICE, prefix="e"), metadata=meta)
    assert [(s.key, s.usage_count, s.color) for s in keys.suggestions] == [("env", 3, "#112233")]
    values = await tags.SuggestTagValues(
        tpb.SuggestTagValuesRequest(entity_type=DEVICE, key="env"), metadata=meta
    )
    assert [(s.value, s.usage_count, s.allowed) for s in values.suggestions] == [
        ("prod", 2, True),
        ("dev", 1, True),
    ]

    unassigned = await tags.UnassignTags(
        tpb.UnassignTagsRequest(entity=f"devices/{unique}-0", keys=["owner"]), metadata=meta
    )
    assert [t.key for t in unassigned.tags] == ["env"]

    with pytest.raises(grpc.aio.AioRpcError) as err:  # still in use
        await tags.DeleteTagKey(tpb.DeleteTagKeyRequest(name=env.name), metadata=meta)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    deleted = await tags.DeleteTagKey(tpb.DeleteTagKeyRequest(name=env.name, force=True), metadata=meta)
    assert deleted.unassigned_count == 3
    device = await devices.GetDevice(devices_pb2.GetDeviceRequest(name=f"devices/{unique}-1"), metadata=meta)
    assert list(device.device.tags) == []
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tags.GetTagKey(tpb.GetTagKeyRequest(name=env.name), metadata=meta)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    await create_key(tags, unique, "env")  # the name is free again

    with pytest.raises(grpc.aio.AioRpcError) as err:  # another tenant: as if it did not exist
        await tags.GetTagKey(tpb.GetTagKeyRequest(name=got.name), metadata=as_tenant(f"{unique}-b"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await tags.ListTagKeys(tpb.ListTagKeysRequest(), metadata=as_tenant(f"{unique}-b"))
    assert list(listed.tag_keys) == []


async def test_tag_key_update_with_etag(tags: TagServiceStub, unique: str) -> None:
    key = await create_key(tags, unique, "site", "hq")
    request = tpb.UpdateTagKeyRequest(
        tag_key=tpb.TagKey(name=key.name, description="where it is", etag=key.etag),
        update_mask=FieldMask(paths=["description"]),
    )
    updated = (await tags.UpdateTagKey(request, metadata=as_tenant(unique))).tag_key
    assert updated.description == "where it is" and [v.value for v in updated.allowed_values] == ["hq"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tags.UpdateTagKey(request, metadata=as_tenant(unique))
    assert err.value.code() == grpc.StatusCode.ABORTED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tags.CreateTagKey(
            tpb.CreateTagKeyRequest(tag_key=tpb.TagKey(key="x", entity_type=DEVICE)),
            metadata=as_tenant(unique, "VIEWER"),
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_event_records(event_records: EventServiceStub, api_domain: Domain, unique: str) -> None:
    meta = as_tenant(unique)
    await register(api_domain, unique, f"{unique}-1")

    async def create(title: str, severity: int, request_id: str = "", **fields: object) -> epb.Event:
        reply = await event_records.CreateEvent(
            epb.CreateEventRequest(
                event=epb.Event(type="disk.usage", title=title, severity=severity, **fields),
                request_id=request_id,
            ),
            metadata=meta,
        )
        return reply.event

    first = await create("Disk 91% full", epb.EVENT_SEVERITY_WARNING, "req-1", device=f"devices/{unique}-1")
    again = await create("Disk 91% full", epb.EVENT_SEVERITY_WARNING, "req-1", device=f"devices/{unique}-1")
    assert again == first  # a retried create is created once
    second = await create("Backup failed", epb.EVENT_SEVERITY_CRITICAL)
    got = await event_records.GetEvent(
        epb.GetEventRequest(name=first.name), metadata=as_tenant(unique, "VIEWER")
    )
    assert got.event == first and first.status == epb.EVENT_STATUS_OPEN

    async def names(**filters: object) -> list[str]:
        reply = await event_records.ListEvents(epb.ListEventsRequest(**filters), metadata=meta)
        return [e.name for e in reply.events]

    assert await names() == [second.name, first.name]  # newest first
    assert await names(severities=[epb.EVENT_SEVERITY_CRITICAL]) == [second.name]
    assert await names(device=f"devices/{unique}-1") == [first.name]
    assert await names(search="backup") == [second.name]
    assert await names(page_size=1) == [second.name]

    request = epb.UpdateEventRequest(
        event=epb.Event(name=first.name, status=epb.EVENT_STATUS_RESOLVED, etag=first.etag),
        update_mask=FieldMask(paths=["status"]),
    )
    resolved = (await event_records.UpdateEvent(request, metadata=meta)).event
    assert resolved.status == epb.EVENT_STATUS_RESOLVED and resolved.resolve_time.seconds > 0
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await event_records.UpdateEvent(request, metadata=meta)
    assert err.value.code() == grpc.StatusCode.ABORTED
    assert await names(statuses=[epb.EVENT_STATUS_OPEN]) == [second.name]

    with pytest.raises(grpc.aio.AioRpcError) as err:  # a device of another tenant, or none
        await create("x", epb.EVENT_SEVERITY_INFO, device="devices/not-mine")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "event.device" in field_violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await event_records.GetEvent(epb.GetEventRequest(name=first.name), metadata=as_tenant(f"{unique}-b"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    others = await event_records.ListEvents(epb.ListEventsRequest(), metadata=as_tenant(f"{unique}-b"))
    assert list(others.events) == []
