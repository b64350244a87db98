"""Devices over gRPC against the real store: registration defaults, get, filters, pagination
while devices are added, field-mask updates with etags, nickname, the status lifecycle, roles
and tenant isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1 import tags_pb2
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.api.v1.tags_pb2_grpc import TagServiceStub
from services.api.app import Domain
from services.api.devices.model import DeviceStatus, DeviceType, OsType, StatusCause
from services.api.organizations.repository import default_org_id
from tests.integration.api.conftest import as_tenant, register
from tests.rpc_status import field_violations, reason


async def get(stub: DeviceServiceStub, tenant: str, device_id: str, roles: str = "ADMIN") -> pb.Device:
    reply = await stub.GetDevice(
        pb.GetDeviceRequest(name=f"devices/{device_id}"), metadata=as_tenant(tenant, roles)
    )
    return reply.device


async def test_registration_creates_a_pending_device_in_the_default_organization(
    devices: DeviceServiceStub, orgs: OrganizationServiceStub, api_domain: Domain, unique: str
) -> None:
    await register(api_domain, unique, f"{unique}-1", os_type=OsType.LINUX, serial_number="SN-1")
    device = await get(devices, unique, f"{unique}-1", roles="VIEWER")  # any role of the tenant reads
    assert device.status == pb.DEVICE_STATUS_PENDING
    assert device.os_type == pb.OS_TYPE_LINUX and device.serial_number == "SN-1"
    assert device.organization == f"organizations/{default_org_id(unique)}"
    default = await orgs.GetOrganization(
        org_pb.GetOrganizationRequest(name=device.organization), metadata=as_tenant(unique)
    )
    assert default.organization.is_default
    # a second registration of another machine reuses the same default organization
    await register(api_domain, unique, f"{unique}-2")
    assert (await get(devices, unique, f"{unique}-2")).organization == device.organization
    listed = await orgs.ListOrganizations(org_pb.ListOrganizationsRequest(), metadata=as_tenant(unique))
    assert [o.is_default for o in listed.organizations] == [True]


async def test_another_tenants_device_is_not_found_like_a_missing_one(
    devices: DeviceServiceStub, tags: TagServiceStub, api_domain: Domain, unique: str
) -> None:
    await register(api_domain, unique, f"{unique}-mine")
    intruder = f"{unique}-b"
    messages = []
    for device_id in (f"{unique}-mine", f"{unique}-nothing"):
        calls = [
            devices.GetDevice(pb.GetDeviceRequest(name=f"devices/{device_id}"), metadata=as_tenant(intruder)),
            devices.UpdateDevice(
                pb.UpdateDeviceRequest(
                    device=pb.Device(name=f"devices/{device_id}", notes="x"),
                    update_mask=FieldMask(paths=["notes"]),
                ),
                metadata=as_tenant(intruder),
            ),
            devices.SetDeviceStatus(
                pb.SetDeviceStatusRequest(name=f"devices/{device_id}", status=pb.DEVICE_STATUS_MAINTENANCE),
                metadata=as_tenant(intruder),
            ),
            tags.AssignTags(
                tags_pb2.AssignTagsRequest(
                    entity=f"devices/{device_id}", tags=[tags_pb2.Tag(key="env", value="x")]
                ),
                metadata=as_tenant(intruder),
            ),
        ]
        for call in calls:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            messages.append(err.value.details().replace("-nothing", "-mine"))
    assert messages[:4] == messages[4:]  # the same answer whether it exists elsewhere or not at all
    listed = await devices.ListDevices(pb.ListDevicesRequest(), metadata=as_tenant(intruder))
    assert list(listed.devices) == []
    mine = await get(devices, unique, f"{unique}-mine")
    assert mine.status == pb.DEVICE_STATUS_PENDING and not mine.notes and not mine.tags  # untouched


async def test_list_filters_by_status_type_os_organization_tags_and_text(
    devices: DeviceServiceStub,
    orgs: OrganizationServiceStub,
    tags: TagServiceStub,
    api_domain: Domain,
    unique: str,
) -> None:
    t = unique
    await register(
        api_domain, t, f"{t}-a", os_type=OsType.WINDOWS, device_type=DeviceType.LAPTOP, serial_number="ZX-77"
    )
    await register(
        api_domain, t, f"{t}-b", os_type=OsType.LINUX, device_type=DeviceType.SERVER, hostname="db-primary"
    )
    await register(api_domain, t, f"{t}-c", os_type=OsType.LINUX, device_type=DeviceType.SERVER)
    await api_domain.devices.transition(t, f"{t}-b", DeviceStatus.ONLINE, cause=StatusCause.HEARTBEAT)
    org = await orgs.CreateOrganization(
        org_pb.CreateOrganizationRequest(organization=org_pb.Organization(display_name="Branch")),
        metadata=as_tenant(t),
    )
    c = await get(devices, t, f"{t}-c")
    await devices.UpdateDevice(
        pb.UpdateDeviceRequest(
            device=pb.Device(name=c.name, organization=org.organization.name, etag=c.etag),
            update_mask=FieldMask(paths=["organization"]),
        ),
        metadata=as_tenant(t),
    )
    await tags.AssignTags(
        tags_pb2.AssignTagsRequest(entity=f"devices/{t}-a", tags=[tags_pb2.Tag(key="env", value="prod")]),
        metadata=as_tenant(t),
    )
    await tags.AssignTags(
        tags_pb2.AssignTagsRequest(entity=f"devices/{t}-b", tags=[tags_pb2.Tag(key="env", value="dev")]),
        metadata=as_tenant(t),
    )

    async def ids(**filters: object) -> list[str]:
        reply = await devices.ListDevices(pb.ListDevicesRequest(**filters), metadata=as_tenant(t, "VIEWER"))
        return [d.name.removeprefix(f"devices/{t}-") for d in reply.devices]

    assert await ids() == ["a", "b", "c"]
    assert await ids(statuses=[pb.DEVICE_STATUS_ONLINE]) == ["b"]
    assert await ids(statuses=[pb.DEVICE_STATUS_PENDING]) == ["a", "c"]
    assert await ids(device_types=[pb.DEVICE_TYPE_SERVER]) == ["b", "c"]
    assert await ids(os_types=[pb.OS_TYPE_WINDOWS]) == ["a"]
    assert await ids(organizations=[org.organization.name]) == ["c"]
    assert await ids(tag_filters=[tags_pb2.TagFilter(key="env")]) == ["a", "b"]
    assert await ids(tag_filters=[tags_pb2.TagFilter(key="env", values=["prod"])]) == ["a"]
    assert await ids(search="DB-PRIM") == ["b"]  # hostname, case-insensitive
    assert await ids(search="zx-7") == ["a"]  # serial number
    assert await ids(search=".*") == []  # the text is literal, not a pattern
    assert await ids(order_by="create_time desc") == ["c", "b", "a"]
    options = await devices.GetDeviceFilterOptions(pb.GetDeviceFilterOptionsRequest(), metadata=as_tenant(t))
    assert {(s.status, s.count) for s in options.statuses} == {
        (pb.DEVICE_STATUS_PENDING, 2),
        (pb.DEVICE_STATUS_ONLINE, 1),
    }
    assert {(k.key, k.count) for k in options.tag_keys} == {("env", 2)}


async def test_pagination_stays_complete_while_devices_are_added(
    devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    expected = [(await register(api_domain, unique, f"{unique}-{i:02d}")).name for i in range(7)]
    seen: list[str] = []
    token = ""
    while True:
        page = await devices.ListDevices(
            pb.ListDevicesRequest(page_size=3, page_token=token), metadata=as_tenant(unique)
        )
        seen += [d.name for d in page.devices]
        if len(seen) == 3:  # a machine registers mid-listing: it sorts last, nothing shifts or repeats
            expected.append((await register(api_domain, unique, f"{unique}-late")).name)
        token = page.next_page_token
        if not token:
            break
    assert seen == expected
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await devices.ListDevices(pb.ListDevicesRequest(page_token="garbage"), metadata=as_tenant(unique))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in field_violations(err.value)


async def test_pages_inside_a_tie_block_of_the_sort_key_are_complete_in_either_order(
    devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    """Devices never seen share one ``k_seen``: a cursor inside that block continues with the
    rest of the block (by id) and then the devices seen since, nothing repeated or skipped."""
    never = [f"{unique}-n{i}" for i in range(5)]
    seen = [f"{unique}-s{i}" for i in range(2)]
    for device_id in never + seen:
        await register(api_domain, unique, device_id)
    for i, device_id in enumerate(seen):
        await api_domain.device_repository.touch(
            tenant_id=unique, device_id=device_id, when=datetime(2026, 1, 1 + i, tzinfo=UTC)
        )
    for order, expected in (
        ("last_seen_time", [*sorted(never), *seen]),
        ("last_seen_time desc", [*reversed(seen), *sorted(never, reverse=True)]),
    ):
        listed: list[str] = []
        token = ""
        while True:
            request = pb.ListDevicesRequest(page_size=2, page_token=token, order_by=order)
            page = await devices.ListDevices(request, metadata=as_tenant(unique))
            listed += [d.name.removeprefix("devices/") for d in page.devices]
            token = page.next_page_token
            if not token:
                break
        assert listed == expected, order


async def test_a_filter_with_several_values_pages_through_its_merged_ranges_in_either_order(
    devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    """Several OS types are one store range each, merged: pages that take most of their devices
    from one range (most are Windows) and some from the others are complete and in order,
    nothing repeated or skipped, in either direction."""
    t = unique
    kinds = [OsType.WINDOWS] * 30 + [OsType.LINUX] * 3 + [OsType.MACOS] * 2 + [OsType.CHROMEOS] * 2
    host = {i: f"h-{(i * 7) % len(kinds):02d}" for i in range(len(kinds))}  # kinds interleaved
    for i, os_type in enumerate(kinds):
        await register(api_domain, t, f"{t}-{i:02d}", os_type=os_type, hostname=host[i])
    wanted = [pb.OS_TYPE_WINDOWS, pb.OS_TYPE_LINUX, pb.OS_TYPE_CHROMEOS]
    chosen = {f"devices/{t}-{i:02d}": host[i] for i, k in enumerate(kinds) if k != OsType.MACOS}
    for order_by, descending in (("hostname", False), ("hostname desc", True)):
        seen: list[str] = []
        token = ""
        while True:
            page = await devices.ListDevices(
                pb.ListDevicesRequest(os_types=wanted, order_by=order_by, page_size=20, page_token=token),
                metadata=as_tenant(t, "VIEWER"),
            )
            seen += [d.name for d in page.devices]
            token = page.next_page_token
            if not token:
                break
        assert seen == sorted(chosen, key=lambda name: chosen[name], reverse=descending)


async def test_update_with_mask_and_etag(devices: DeviceServiceStub, api_domain: Domain, unique: str) -> None:
    await register(api_domain, unique, f"{unique}-1")
    device = await get(devices, unique, f"{unique}-1")
    request = pb.UpdateDeviceRequest(
        device=pb.Device(name=device.name, display_name="Reception PC", notes="ignored", etag=device.etag),
        update_mask=FieldMask(paths=["display_name"]),
    )
    updated = (await devices.UpdateDevice(request, metadata=as_tenant(unique))).device
    assert (updated.display_name, updated.notes) == ("Reception PC", "")
    assert updated.etag != device.etag

    with pytest.raises(grpc.aio.AioRpcError) as err:  # the same, now stale, etag
        await devices.UpdateDevice(request, metadata=as_tenant(unique))
    assert err.value.code() == grpc.StatusCode.ABORTED
    assert reason(err.value) == "ERROR_REASON_ETAG_MISMATCH"
    assert await get(devices, unique, f"{unique}-1") == updated  # nothing changed

    for paths in (["hostname"], [], ["status"]):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await devices.UpdateDevice(
                pb.UpdateDeviceRequest(
                    device=pb.Device(name=device.name), update_mask=FieldMask(paths=paths)
                ),
                metadata=as_tenant(unique),
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "update_mask.paths" in field_violations(err.value)

    with pytest.raises(grpc.aio.AioRpcError) as err:  # another tenant's (or no) organization
        await devices.UpdateDevice(
            pb.UpdateDeviceRequest(
                device=pb.Device(name=device.name, organization="organizations/nope"),
                update_mask=FieldMask(paths=["organization"]),
            ),
            metadata=as_tenant(unique),
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "device.organization" in field_violations(err.value)


async def test_nickname(devices: DeviceServiceStub, api_domain: Domain, unique: str) -> None:
    await register(api_domain, unique, f"{unique}-1")
    reply = await devices.SetDeviceNickname(
        pb.SetDeviceNicknameRequest(name=f"devices/{unique}-1", nickname="  Bob's laptop "),
        metadata=as_tenant(unique),
    )
    assert reply.device.nickname == "Bob's laptop"
    found = await devices.ListDevices(pb.ListDevicesRequest(search="bob's"), metadata=as_tenant(unique))
    assert [d.name for d in found.devices] == [f"devices/{unique}-1"]


async def test_status_lifecycle_rejects_invalid_transitions(
    devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    await register(api_domain, unique, f"{unique}-1")
    name = f"devices/{unique}-1"

    async def set_status(status: int, reason_text: str = "") -> pb.Device:
        reply = await devices.SetDeviceStatus(
            pb.SetDeviceStatusRequest(name=name, status=status, reason=reason_text),
            metadata=as_tenant(unique),
        )
        return reply.device

    device = await set_status(pb.DEVICE_STATUS_MAINTENANCE, "disk swap")
    assert (device.status, device.status_reason) == (pb.DEVICE_STATUS_MAINTENANCE, "disk swap")
    assert (await set_status(pb.DEVICE_STATUS_DECOMMISSIONED)).status == pb.DEVICE_STATUS_DECOMMISSIONED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await set_status(pb.DEVICE_STATUS_MAINTENANCE)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "DECOMMISSIONED" in err.value.details() and "MAINTENANCE" in err.value.details()
    assert (await get(devices, unique, f"{unique}-1")).status == pb.DEVICE_STATUS_DECOMMISSIONED
    # heartbeats do not bring a decommissioned machine back
    written = await api_domain.devices.heartbeat(
        unique, f"{unique}-1", datetime.now(UTC).replace(microsecond=0)
    )
    assert written.device.status == DeviceStatus.DECOMMISSIONED and not written.changed
    assert (await set_status(pb.DEVICE_STATUS_PENDING_DELETION)).status == pb.DEVICE_STATUS_PENDING_DELETION

    with pytest.raises(grpc.aio.AioRpcError) as err:  # ONLINE/DELETED are not set by hand
        await set_status(pb.DEVICE_STATUS_ONLINE)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "status" in field_violations(err.value)


async def test_writes_need_admin_or_owner(
    devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    await register(api_domain, unique, f"{unique}-1")
    for roles in ("VIEWER", "TECHNICIAN"):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await devices.SetDeviceNickname(
                pb.SetDeviceNicknameRequest(name=f"devices/{unique}-1", nickname="x"),
                metadata=as_tenant(unique, roles),
            )
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    reply = await devices.SetDeviceNickname(
        pb.SetDeviceNicknameRequest(name=f"devices/{unique}-1", nickname="x"),
        metadata=as_tenant(unique, "OWNER"),
    )
    assert reply.device.nickname == "x"
    assert (await get(devices, unique, f"{unique}-1", roles="VIEWER")).nickname == "x"
