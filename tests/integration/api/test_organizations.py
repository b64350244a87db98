"""Organizations over gRPC against the real store: CRUD, pagination, etags, archive rules,
validation, roles and tenant isolation."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import organizations_pb2 as pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from services.api.app import Domain
from services.api.devices.model import DeviceStatus, StatusCause
from tests.integration.api.conftest import as_tenant
from tests.rpc_status import field_violations, reason


async def create(stub: OrganizationServiceStub, tenant: str, name: str, **fields: object) -> pb.Organization:
    reply = await stub.CreateOrganization(
        pb.CreateOrganizationRequest(organization=pb.Organization(display_name=name, **fields)),
        metadata=as_tenant(tenant),
    )
    return reply.organization


async def test_create_then_get_returns_the_stored_resource(
    orgs: OrganizationServiceStub, unique: str
) -> None:
    created = await create(orgs, unique, "Contoso", contact_email="it@contoso.example", employee_count=40)
    assert created.name.startswith("organizations/")
    assert created.status == pb.ORGANIZATION_STATUS_ACTIVE
    assert created.etag and created.create_time.seconds > 0
    got = await orgs.GetOrganization(pb.GetOrganizationRequest(name=created.name), metadata=as_tenant(unique))
    assert got.organization == created


async def test_output_only_fields_are_ignored_on_create(orgs: OrganizationServiceStub, unique: str) -> None:
    created = await create(orgs, unique, "Sneaky", status=pb.ORGANIZATION_STATUS_ARCHIVED, is_default=True)
    assert created.status == pb.ORGANIZATION_STATUS_ACTIVE
    assert not created.is_default


async def test_invalid_input_names_every_bad_field(orgs: OrganizationServiceStub, unique: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await create(orgs, unique, "", contact_email="not-an-email", employee_count=-1)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(err.value)) == {
        "organization.display_name",
        "organization.contact_email",
        "organization.employee_count",
    }
    assert reason(err.value) == "ERROR_REASON_FIELD_INVALID"
    listed = await orgs.ListOrganizations(pb.ListOrganizationsRequest(), metadata=as_tenant(unique))
    # nothing half-written: only the default organization every tenant gets
    assert [o.is_default for o in listed.organizations] == [True]


async def test_display_names_are_unique_per_tenant_case_insensitively(
    orgs: OrganizationServiceStub, unique: str
) -> None:
    await create(orgs, unique, "Fabrikam")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await create(orgs, unique, "FABRIKAM")
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    other = await create(orgs, f"{unique}-b", "Fabrikam")  # another tenant may use the name
    assert other.display_name == "Fabrikam"


async def test_other_tenants_cannot_read_change_or_detect(orgs: OrganizationServiceStub, unique: str) -> None:
    mine = await create(orgs, unique, "Private Co")
    intruder = as_tenant(f"{unique}-x")
    calls = [
        orgs.GetOrganization(pb.GetOrganizationRequest(name=mine.name), metadata=intruder),
        orgs.UpdateOrganization(
            pb.UpdateOrganizationRequest(
                organization=pb.Organization(name=mine.name, notes="pwned"),
                update_mask=FieldMask(paths=["notes"]),
            ),
            metadata=intruder,
        ),
        orgs.ArchiveOrganization(pb.ArchiveOrganizationRequest(name=mine.name), metadata=intruder),
        orgs.CanArchiveOrganization(pb.CanArchiveOrganizationRequest(name=mine.name), metadata=intruder),
    ]
    missing = "organizations/00000000000000000000000000000000"
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        # Exactly what a non-existent id answers: existence is not detectable.
        assert err.value.details() == f"{mine.name} not found"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orgs.GetOrganization(pb.GetOrganizationRequest(name=missing), metadata=intruder)
    assert err.value.details() == f"{missing} not found"
    listed = await orgs.ListOrganizations(pb.ListOrganizationsRequest(), metadata=intruder)
    assert mine.name not in [o.name for o in listed.organizations]
    still = await orgs.GetOrganization(pb.GetOrganizationRequest(name=mine.name), metadata=as_tenant(unique))
    assert still.organization == mine


async def test_pagination_is_stable_and_complete_while_adding(
    orgs: OrganizationServiceStub, unique: str
) -> None:
    names = [(await create(orgs, unique, f"Org {i:02d}")).name for i in range(7)]
    seen: list[str] = []
    token = ""
    while True:
        page = await orgs.ListOrganizations(
            pb.ListOrganizationsRequest(page_size=3, page_token=token), metadata=as_tenant(unique)
        )
        seen += [o.name for o in page.organizations if not o.is_default]
        if len(seen) == 3:  # a new organization arrives mid-listing: it sorts last, nothing shifts
            names.append((await create(orgs, unique, "Late Arrival")).name)
        token = page.next_page_token
        if not token:
            break
    assert seen == names


async def test_search_and_status_filters(orgs: OrganizationServiceStub, unique: str) -> None:
    await create(orgs, unique, "Northwind Traders")
    archived = await create(orgs, unique, "Northwind Archive")
    await create(orgs, unique, "Tailspin")
    await orgs.ArchiveOrganization(
        pb.ArchiveOrganizationRequest(name=archived.name), metadata=as_tenant(unique)
    )
    found = await orgs.ListOrganizations(
        pb.ListOrganizationsRequest(search="NORTHWIND"), metadata=as_tenant(unique)
    )
    assert [o.display_name for o in found.organizations] == ["Northwind Traders"]
    gone = await orgs.ListOrganizations(
        pb.ListOrganizationsRequest(status=pb.ORGANIZATION_STATUS_ARCHIVED), metadata=as_tenant(unique)
    )
    assert [o.name for o in gone.organizations] == [archived.name]


async def test_bad_page_token_is_invalid_argument(orgs: OrganizationServiceStub, unique: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orgs.ListOrganizations(
            pb.ListOrganizationsRequest(page_token="garbage"), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "page_token" in field_violations(err.value)


async def test_update_with_mask_and_etag(orgs: OrganizationServiceStub, unique: str) -> None:
    org = await create(orgs, unique, "Litware", notes="old", category="Retail")
    request = pb.UpdateOrganizationRequest(
        organization=pb.Organization(name=org.name, notes="new", category="ignored", etag=org.etag),
        update_mask=FieldMask(paths=["notes"]),
    )
    updated = (await orgs.UpdateOrganization(request, metadata=as_tenant(unique))).organization
    assert (updated.notes, updated.category, updated.display_name) == ("new", "Retail", "Litware")
    assert updated.etag != org.etag

    with pytest.raises(grpc.aio.AioRpcError) as err:  # same (now stale) etag again
        await orgs.UpdateOrganization(request, metadata=as_tenant(unique))
    assert err.value.code() == grpc.StatusCode.ABORTED
    assert reason(err.value) == "ERROR_REASON_ETAG_MISMATCH"
    now = await orgs.GetOrganization(pb.GetOrganizationRequest(name=org.name), metadata=as_tenant(unique))
    assert now.organization == updated  # the rejected write changed nothing


async def test_update_mask_must_name_mutable_fields(orgs: OrganizationServiceStub, unique: str) -> None:
    org = await create(orgs, unique, "Adatum")
    for paths in (["status"], [], ["no_such_field"]):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await orgs.UpdateOrganization(
                pb.UpdateOrganizationRequest(
                    organization=pb.Organization(name=org.name), update_mask=FieldMask(paths=paths)
                ),
                metadata=as_tenant(unique),
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "update_mask.paths" in field_violations(err.value)


async def test_update_validates_only_masked_fields(orgs: OrganizationServiceStub, unique: str) -> None:
    org = await create(orgs, unique, "Proseware")
    bad = pb.UpdateOrganizationRequest(
        organization=pb.Organization(name=org.name, contact_email="broken"),
        update_mask=FieldMask(paths=["contact_email"]),
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orgs.UpdateOrganization(bad, metadata=as_tenant(unique))
    assert set(field_violations(err.value)) == {"organization.contact_email"}


async def test_archive_rules(orgs: OrganizationServiceStub, api_domain: Domain, unique: str) -> None:
    org = await create(orgs, unique, "Wingtip")
    repo = api_domain.device_repository
    await repo.register(tenant_id=unique, device_id=f"{unique}-d1", inventory={}, organization=org.name)
    # the same org name in another tenant must not count
    await repo.register(
        tenant_id=f"{unique}-z", device_id=f"{unique}-z1", inventory={}, organization=org.name
    )
    check = await orgs.CanArchiveOrganization(
        pb.CanArchiveOrganizationRequest(name=org.name), metadata=as_tenant(unique)
    )
    assert (check.can_archive, check.active_device_count) == (False, 1)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orgs.ArchiveOrganization(
            pb.ArchiveOrganizationRequest(name=org.name), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    await api_domain.devices.transition(
        unique, f"{unique}-d1", DeviceStatus.DECOMMISSIONED, cause=StatusCause.MANUAL
    )
    archived = await orgs.ArchiveOrganization(
        pb.ArchiveOrganizationRequest(name=org.name), metadata=as_tenant(unique)
    )
    assert archived.organization.status == pb.ORGANIZATION_STATUS_ARCHIVED
    restored = await orgs.UnarchiveOrganization(
        pb.UnarchiveOrganizationRequest(name=org.name, etag=archived.organization.etag),
        metadata=as_tenant(unique),
    )
    assert restored.organization.status == pb.ORGANIZATION_STATUS_ACTIVE


async def test_writes_need_admin_reads_do_not(orgs: OrganizationServiceStub, unique: str) -> None:
    org = await create(orgs, unique, "ReadOnly Inc")
    viewer = as_tenant(unique, roles="VIEWER")
    got = await orgs.GetOrganization(pb.GetOrganizationRequest(name=org.name), metadata=viewer)
    assert got.organization.name == org.name
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orgs.CreateOrganization(
            pb.CreateOrganizationRequest(organization=pb.Organization(display_name="Nope")), metadata=viewer
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_calls_without_identity_are_unauthenticated(orgs: OrganizationServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await orgs.ListOrganizations(pb.ListOrganizationsRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
