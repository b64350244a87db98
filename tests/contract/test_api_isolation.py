"""Tenant isolation of the api service through the real edge, over gRPC and REST, with real owner
tokens: tenant A cannot list, get, update, tag or even detect tenant B's organizations, devices,
tag keys or events. Another tenant's id answers NOT_FOUND (404) with the same message as an id
that exists nowhere — never PERMISSION_DENIED, never the resource."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from pymongo import AsyncMongoClient

from openframe.api.v1 import devices_pb2, events_pb2, organizations_pb2, tags_pb2
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from openframe.api.v1.events_pb2_grpc import EventServiceStub
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.api.v1.tags_pb2_grpc import TagServiceStub
from services.api.devices.repository import DeviceRepository
from services.kit.config import Settings
from tests.support.identity import Tenants, TenantSession


@dataclass
class Resources:
    """B's resources, as ids (the part after the collection in the resource name)."""

    organization: str
    device: str
    tag_key: str
    event: str


@pytest.fixture
async def tenant_b(tenants: Tenants, settings: Settings, edge_url: str) -> tuple[TenantSession, Resources]:
    b = await tenants.afresh()
    async with httpx.AsyncClient(base_url=edge_url, headers=b.bearer, timeout=10) as rest:
        org = await rest.post("/api/v1/organizations", json={"displayName": "B's customer"})
        assert org.status_code == 200, org.text
        key = await rest.post("/api/v1/tagKeys", json={"key": "env", "entityType": "TAG_ENTITY_TYPE_DEVICE"})
        assert key.status_code == 200, key.text
        # a machine of B, registered the way the agents part does (registration is not a public call)
        device_id = f"iso-{uuid.uuid4().hex[:16]}"
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
        await DeviceRepository(client[settings.mongo_database]).register(
            tenant_id=b.id,
            device_id=device_id,
            inventory={"hostname": "b-secret-host"},
            organization=org.json()["organization"]["name"],
        )
        await client.close()
        event = await rest.post(
            "/api/v1/events",
            json={"type": "disk.full", "title": "B's event", "device": f"devices/{device_id}"},
        )
        assert event.status_code == 200, event.text
        tagged = await rest.post(
            f"/api/v1/devices/{device_id}:assignTags", json={"tags": [{"key": "env", "value": "prod"}]}
        )
        assert tagged.status_code == 200, tagged.text
    return (
        b,
        Resources(
            organization=org.json()["organization"]["name"].removeprefix("organizations/"),
            device=device_id,
            tag_key=key.json()["tagKey"]["name"].removeprefix("tagKeys/"),
            event=event.json()["event"]["name"].removeprefix("events/"),
        ),
    )


def same_message(theirs: str, nowhere: str, their_id: str, missing_id: str) -> bool:
    return theirs.replace(their_id, "<id>") == nowhere.replace(missing_id, "<id>")


async def test_rest_another_tenants_resources_are_not_found(
    rest: httpx.AsyncClient, tenant: TenantSession, tenant_b: tuple[TenantSession, Resources]
) -> None:
    _, res = tenant_b
    missing = f"nope{uuid.uuid4().hex[:12]}"
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("GET", "/api/v1/organizations/{}", res.organization, None),
        ("PATCH", "/api/v1/organizations/{}?updateMask=notes", res.organization, {"notes": "mine now"}),
        ("POST", "/api/v1/organizations/{}:archive", res.organization, {}),
        ("GET", "/api/v1/organizations/{}:canArchive", res.organization, None),
        ("GET", "/api/v1/devices/{}", res.device, None),
        ("PATCH", "/api/v1/devices/{}?updateMask=notes", res.device, {"notes": "mine now"}),
        ("POST", "/api/v1/devices/{}:setNickname", res.device, {"nickname": "mine"}),
        ("POST", "/api/v1/devices/{}:setStatus", res.device, {"status": "DEVICE_STATUS_MAINTENANCE"}),
        ("POST", "/api/v1/devices/{}:assignTags", res.device, {"tags": [{"key": "env", "value": "x"}]}),
        ("POST", "/api/v1/devices/{}:unassignTags", res.device, {"keys": ["env"]}),
        ("GET", "/api/v1/tagKeys/{}", res.tag_key, None),
        ("PATCH", "/api/v1/tagKeys/{}?updateMask=description", res.tag_key, {"description": "mine"}),
        ("DELETE", "/api/v1/tagKeys/{}", res.tag_key, None),
        ("GET", "/api/v1/events/{}", res.event, None),
        ("PATCH", "/api/v1/events/{}?updateMask=title", res.event, {"title": "mine"}),
        # nested collections: a foreign or missing parent is NOT_FOUND, never an empty list
        ("GET", "/api/v1/devices/{}/commands", res.device, None),
        ("POST", "/api/v1/devices/{}/commands", res.device, {"type": "COMMAND_TYPE_REBOOT"}),
        ("GET", "/api/v1/devices/{}/commands/c1", res.device, None),
        ("POST", "/api/v1/devices/{}/commands/c1:cancel", res.device, {}),
    ]
    for method, path, their_id, body in calls:
        theirs = await rest.request(method, path.format(their_id), json=body)
        nowhere = await rest.request(method, path.format(missing), json=body)
        assert (theirs.status_code, nowhere.status_code) == (404, 404), (method, path, theirs.text)
        assert same_message(theirs.json()["message"], nowhere.json()["message"], their_id, missing), (
            theirs.text
        )

    # lists, filters and suggestions show nothing of B
    for path, field in (
        ("/api/v1/organizations", "organizations"),
        ("/api/v1/devices", "devices"),
        ("/api/v1/tagKeys", "tagKeys"),
        ("/api/v1/events", "events"),
    ):
        listed = await rest.get(path)
        assert listed.status_code == 200, listed.text
        names = [item["name"] for item in listed.json().get(field, [])]
        assert not any(their in name for name in names for their in vars(res).values()), names
    assert (await rest.get("/api/v1/devices", params={"search": "b-secret"})).json().get("devices", []) == []
    options = (await rest.get("/api/v1/devices:filterOptions")).json()
    assert options.get("tagKeys", []) == [] and options.get("statuses", []) == []
    suggested = await rest.get("/api/v1/tagKeys:suggest", params={"entityType": "TAG_ENTITY_TYPE_DEVICE"})
    assert suggested.json().get("suggestions", []) == []
    # referring to B's device from A's own event looks exactly like referring to no device
    theirs = await rest.post(
        "/api/v1/events", json={"type": "x", "title": "t", "device": f"devices/{res.device}"}
    )
    nowhere = await rest.post(
        "/api/v1/events", json={"type": "x", "title": "t", "device": f"devices/{missing}"}
    )
    assert (theirs.status_code, nowhere.status_code) == (400, 400)
    assert same_message(theirs.json()["message"], nowhere.json()["message"], res.device, missing)


async def test_grpc_another_tenants_resources_are_not_found(
    edge_channel: grpc.aio.Channel, tenant: TenantSession, tenant_b: tuple[TenantSession, Resources]
) -> None:
    _, res = tenant_b
    md = tenant.metadata
    orgs = OrganizationServiceStub(edge_channel)
    devices = DeviceServiceStub(edge_channel)
    tags = TagServiceStub(edge_channel)
    events = EventServiceStub(edge_channel)
    missing = f"nope{uuid.uuid4().hex[:12]}"

    def calls(i: str) -> list[Callable[[], Awaitable[Any]]]:
        return [
            lambda: orgs.GetOrganization(
                organizations_pb2.GetOrganizationRequest(name=f"organizations/{i}"), metadata=md
            ),
            lambda: orgs.UpdateOrganization(
                organizations_pb2.UpdateOrganizationRequest(
                    organization=organizations_pb2.Organization(name=f"organizations/{i}", notes="x"),
                    update_mask=FieldMask(paths=["notes"]),
                ),
                metadata=md,
            ),
            lambda: devices.GetDevice(devices_pb2.GetDeviceRequest(name=f"devices/{i}"), metadata=md),
            lambda: devices.SetDeviceNickname(
                devices_pb2.SetDeviceNicknameRequest(name=f"devices/{i}", nickname="x"), metadata=md
            ),
            lambda: tags.AssignTags(
                tags_pb2.AssignTagsRequest(entity=f"devices/{i}", tags=[tags_pb2.Tag(key="env", value="x")]),
                metadata=md,
            ),
            lambda: tags.GetTagKey(tags_pb2.GetTagKeyRequest(name=f"tagKeys/{i}"), metadata=md),
            lambda: events.GetEvent(events_pb2.GetEventRequest(name=f"events/{i}"), metadata=md),
        ]

    their_ids = [
        res.organization,
        res.organization,
        res.device,
        res.device,
        res.device,
        res.tag_key,
        res.event,
    ]
    for k, their_id in enumerate(their_ids):
        with pytest.raises(grpc.aio.AioRpcError) as theirs:
            await calls(their_id)[k]()
        with pytest.raises(grpc.aio.AioRpcError) as nowhere:
            await calls(missing)[k]()
        assert theirs.value.code() == nowhere.value.code() == grpc.StatusCode.NOT_FOUND, (
            theirs.value.details()
        )
        assert same_message(theirs.value.details() or "", nowhere.value.details() or "", their_id, missing)

    listed = await devices.ListDevices(devices_pb2.ListDevicesRequest(), metadata=md)
    assert res.device not in [d.name.removeprefix("devices/") for d in listed.devices]
    listed_orgs = await orgs.ListOrganizations(organizations_pb2.ListOrganizationsRequest(), metadata=md)
    assert f"organizations/{res.organization}" not in [o.name for o in listed_orgs.organizations]
