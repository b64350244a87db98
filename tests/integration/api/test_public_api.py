"""The public API's devices, organizations and events, served by the api service itself
(services/api/public.py): the same answers as the internal RPCs, the same tenant isolation, the
same validation errors and role rules, and an API key's scope checked by the service even for a
call that does not pass the edge."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from infra.layout import Layout
from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.external.v1 import public_api_pb2 as pub
from openframe.external.v1 import public_api_pb2_grpc as pub_grpc
from openframe.external.v1 import public_devices_pb2 as pubdev
from openframe.external.v1 import public_devices_pb2_grpc as pubdev_grpc
from services.api.app import Domain
from tests.integration.api.conftest import as_tenant, register
from tests.rpc_status import field_violations
from tests.support.internal import as_caller


@pytest.fixture
def public_devices(api_channel: grpc.aio.Channel) -> pubdev_grpc.PublicDeviceServiceStub:
    return pubdev_grpc.PublicDeviceServiceStub(api_channel)


@pytest.fixture
def public_events(api_channel: grpc.aio.Channel) -> pub_grpc.PublicEventServiceStub:
    return pub_grpc.PublicEventServiceStub(api_channel)


async def test_public_device_reads_answer_what_the_internal_ones_answer(
    public_devices: pubdev_grpc.PublicDeviceServiceStub,
    devices: DeviceServiceStub,
    api_domain: Domain,
    unique: str,
) -> None:
    for n in range(3):
        await register(api_domain, unique, f"{unique}-{n}", hostname=f"web-{n}")
    public = await public_devices.ListDevices(
        pubdev.ListDevicesRequest(page_size=2, search="web-"), metadata=as_tenant(unique, "VIEWER")
    )
    internal = await devices.ListDevices(
        pb.ListDevicesRequest(page_size=2, search="web-"), metadata=as_tenant(unique, "VIEWER")
    )
    assert len(public.devices) == 2 and list(public.devices) == list(internal.devices)
    assert public.next_page_token == internal.next_page_token != ""
    rest = await public_devices.ListDevices(
        pubdev.ListDevicesRequest(page_size=2, search="web-", page_token=public.next_page_token),
        metadata=as_tenant(unique, "VIEWER"),
    )
    assert [d.hostname for d in (*public.devices, *rest.devices)] == ["web-0", "web-1", "web-2"]
    got = await public_devices.GetDevice(
        pubdev.GetDeviceRequest(name=f"devices/{unique}-1"), metadata=as_tenant(unique, "VIEWER")
    )
    assert got.device == public.devices[1]


async def test_another_tenants_device_answers_like_a_missing_one(
    public_devices: pubdev_grpc.PublicDeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    await register(api_domain, unique, f"{unique}-mine")
    intruder = as_tenant(f"{unique}-b")
    messages = []
    for device_id in (f"{unique}-mine", f"{unique}-nothing"):
        calls = [
            public_devices.GetDevice(pubdev.GetDeviceRequest(name=f"devices/{device_id}"), metadata=intruder),
            public_devices.UpdateDevice(
                pubdev.UpdateDeviceRequest(
                    device=pb.Device(name=f"devices/{device_id}", notes="x"),
                    update_mask=FieldMask(paths=["notes"]),
                ),
                metadata=intruder,
            ),
            public_devices.SetDeviceNickname(
                pubdev.SetDeviceNicknameRequest(name=f"devices/{device_id}", nickname="mine now"),
                metadata=intruder,
            ),
        ]
        for call in calls:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            messages.append(err.value.details().replace("-nothing", "-mine"))
    assert messages[:3] == messages[3:]
    listed = await public_devices.ListDevices(pubdev.ListDevicesRequest(), metadata=intruder)
    assert list(listed.devices) == []
    device = await api_domain.devices.get(unique, f"{unique}-mine", use_cache=False)
    assert not device.notes and not device.nickname  # untouched


async def test_public_writes_keep_the_internal_rules(
    public_devices: pubdev_grpc.PublicDeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    await register(api_domain, unique, f"{unique}-1")
    name = f"devices/{unique}-1"
    update = pubdev.UpdateDeviceRequest(
        device=pb.Device(name=name, notes="rack 4"), update_mask=FieldMask(paths=["notes"])
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await public_devices.UpdateDevice(update, metadata=as_tenant(unique, "VIEWER"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED  # a viewer never writes
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await public_devices.UpdateDevice(
            pubdev.UpdateDeviceRequest(
                device=pb.Device(name=name, notes="x"), update_mask=FieldMask(paths=["serial_number"])
            ),
            metadata=as_tenant(unique),
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask.paths" in field_violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await public_devices.ListDevices(pubdev.ListDevicesRequest(page_size=500), metadata=as_tenant(unique))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(field_violations(err.value)) == ["page_size"]
    written = await public_devices.UpdateDevice(update, metadata=as_tenant(unique))
    assert written.device.notes == "rack 4"
    with pytest.raises(grpc.aio.AioRpcError) as err:  # a stale etag, as on the internal API
        await public_devices.UpdateDevice(
            pubdev.UpdateDeviceRequest(
                device=pb.Device(name=name, notes="again", etag="W-stale"),
                update_mask=FieldMask(paths=["notes"]),
            ),
            metadata=as_tenant(unique),
        )
    assert err.value.code() == grpc.StatusCode.ABORTED
    stored = await api_domain.devices.get(unique, f"{unique}-1", use_cache=False)
    assert stored.notes == "rack 4"


async def test_public_events_of_another_tenant_are_missing(
    public_events: pub_grpc.PublicEventServiceStub, unique: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await public_events.GetEvent(pub.GetEventRequest(name="events/nothing"), metadata=as_tenant(unique))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await public_events.ListEvents(pub.ListEventsRequest(), metadata=as_tenant(unique))
    assert list(listed.events) == []


async def test_the_running_api_checks_an_api_keys_scope_itself(
    layout: Layout, settings: object, unique: str
) -> None:
    """The api service ``make run`` started (real tokens): an API key's internal token without the
    RPC's scope is refused even when the call did not pass the edge's key check."""
    admin = as_caller(layout, unique)

    def key(*scopes: str) -> tuple[tuple[str, str], ...]:
        return as_caller(layout, unique, roles=("VIEWER",), subject="ak_test", kind="api_key", scopes=scopes)

    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('api')}") as channel:
        org = await OrganizationServiceStub(channel).CreateOrganization(
            org_pb.CreateOrganizationRequest(organization=org_pb.Organization(display_name="Northwind")),
            metadata=admin,
        )
        public = pub_grpc.PublicOrganizationServiceStub(channel)
        request = pub.GetOrganizationRequest(name=org.organization.name)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await public.GetOrganization(request, metadata=key("devices:read"))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert err.value.details() == "the API key lacks the scope organizations:read"
        got = await public.GetOrganization(request, metadata=key("organizations:read"))
        assert got.organization.display_name == "Northwind"
