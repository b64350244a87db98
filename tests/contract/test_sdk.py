"""The integrators' SDK (betterproto2, `openframe_sdk`) against the real api service.

Both clients the SDK generates, each directly on the api service's port and through Envoy's
public port (the same port REST uses):

* sync: `OrganizationServiceStub` on a grpcio channel; the sync stub has no per-call metadata, so
  the bearer token rides on a `grpc.intercept_channel` client interceptor (the README's note);
* async: `OrganizationServiceAsyncStub` on a grpclib `Channel`, with metadata given per stub.

The tokens are real access tokens of the auth service (tests/support/identity.py), accepted both
by the edge and by the api service itself.

Each checks: create, get back equal, list it, an unknown organization is NOT_FOUND (also another
tenant's), invalid input is INVALID_ARGUMENT naming the bad fields, and a field-mask update.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2  # registers google.rpc.BadRequest: grpclib decodes details with it
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from openframe_sdk.google.protobuf import FieldMask
from openframe_sdk.openframe.api.v1 import (
    CreateOrganizationRequest,
    GetOrganizationRequest,
    ListOrganizationsRequest,
    Organization,
    OrganizationServiceAsyncStub,
    OrganizationServiceStub,
    OrganizationStatus,
    UpdateOrganizationRequest,
)

from tests.rpc_status import field_violations
from tests.support.identity import Tenants, TenantSession

#: Where the SDK connects: the api service itself, or the edge (Envoy) in front of it.
TARGETS = ["api", "edge"]
BAD_FIELDS = {"organization.display_name", "organization.contact_email"}


def created_only(organizations: list[Organization]) -> list[Organization]:
    """The organizations a test created: every tenant also has exactly one default organization
    (made on first use), which is checked and then left out."""
    defaults = [o for o in organizations if o.name.startswith("organizations/default-")]
    assert len(defaults) <= 1, defaults
    return [o for o in organizations if o not in defaults]


def invalid_organization() -> Organization:
    return Organization(display_name="", contact_email="not an email")


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest) -> str:
    fixture = "api_grpc_target" if request.param == "api" else "edge_grpc_target"
    address: str = request.getfixturevalue(fixture)
    return address


class BearerToken(grpc.UnaryUnaryClientInterceptor):
    """Adds the tenant's access token to every unary call of a sync channel."""

    def __init__(self, tenant: TenantSession) -> None:
        self.tenant = tenant

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        metadata = [*(client_call_details.metadata or ()), *self.tenant.metadata]
        # grpcio passes a namedtuple; the public ClientCallDetails type has no setter
        return continuation(client_call_details._replace(metadata=metadata), request)


@pytest.fixture
def other(tenants: Tenants) -> TenantSession:
    """A second fresh tenant (to prove another tenant's organizations are NOT_FOUND)."""
    return tenants.fresh()


@pytest.fixture
def sync_client(target: str) -> Iterator[Callable[[TenantSession], OrganizationServiceStub]]:
    """`client(tenant)` -> a sync stub acting as `tenant`, all on one grpcio channel."""
    with grpc.insecure_channel(target) as channel:
        yield lambda tenant: OrganizationServiceStub(grpc.intercept_channel(channel, BearerToken(tenant)))


@pytest.fixture
async def async_client(target: str) -> AsyncIterator[Callable[[TenantSession], OrganizationServiceAsyncStub]]:
    """`client(tenant)` -> an async stub acting as `tenant` (metadata per stub), on one grpclib channel."""
    host, port = target.rsplit(":", 1)
    channel = Channel(host, int(port))
    try:
        yield lambda tenant: OrganizationServiceAsyncStub(channel, metadata=dict(tenant.metadata))
    finally:
        channel.close()


def grpclib_field_violations(err: GRPCError) -> set[str]:
    bad = [d for d in err.details or () if isinstance(d, error_details_pb2.BadRequest)]
    assert bad, f"no google.rpc.BadRequest in the details: {err.details!r}"
    return {v.field for b in bad for v in b.field_violations}


# -- sync client (grpcio) -------------------------------------------------------------------


def test_sync_create_get_list(
    sync_client: Callable[[TenantSession], OrganizationServiceStub], tenant: TenantSession
) -> None:
    stub = sync_client(tenant)
    wanted = Organization(
        display_name="SDK Sync Ltd", category="Retail", employee_count=42, contact_email="it@sync.example"
    )
    created = stub.create_organization(CreateOrganizationRequest(organization=wanted)).organization
    assert created.name.startswith("organizations/")
    assert (created.display_name, created.category, created.employee_count, created.contact_email) == (
        "SDK Sync Ltd",
        "Retail",
        42,
        "it@sync.example",
    )
    assert created.status == OrganizationStatus.ACTIVE
    assert created.etag
    assert created.create_time is not None and created.create_time == created.update_time

    got = stub.get_organization(GetOrganizationRequest(name=created.name)).organization
    assert got == created

    listed = stub.list_organizations(ListOrganizationsRequest(page_size=10))
    # a fresh tenant holds exactly what we created, plus its default organization
    assert created_only(listed.organizations) == [created]
    assert listed.next_page_token == ""


def test_sync_unknown_and_foreign_organizations_are_not_found(
    sync_client: Callable[[TenantSession], OrganizationServiceStub],
    tenant: TenantSession,
    other: TenantSession,
) -> None:
    stub = sync_client(tenant)
    with pytest.raises(grpc.RpcError) as err:
        stub.get_organization(GetOrganizationRequest(name="organizations/doesnotexist"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert err.value.details() == "organizations/doesnotexist not found"

    mine = stub.create_organization(CreateOrganizationRequest(organization=Organization(display_name="Mine")))
    with pytest.raises(grpc.RpcError) as err:
        sync_client(other).get_organization(GetOrganizationRequest(name=mine.organization.name))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_sync_invalid_input_is_invalid_argument_naming_the_fields(
    sync_client: Callable[[TenantSession], OrganizationServiceStub], tenant: TenantSession
) -> None:
    stub = sync_client(tenant)
    with pytest.raises(grpc.RpcError) as err:
        stub.create_organization(CreateOrganizationRequest(organization=invalid_organization()))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(err.value)) == BAD_FIELDS
    # nothing was stored
    assert created_only(stub.list_organizations(ListOrganizationsRequest()).organizations) == []


def test_sync_update_with_field_mask(
    sync_client: Callable[[TenantSession], OrganizationServiceStub], tenant: TenantSession
) -> None:
    stub = sync_client(tenant)
    org = stub.create_organization(
        CreateOrganizationRequest(organization=Organization(display_name="Before", notes="keep"))
    ).organization
    updated = stub.update_organization(
        UpdateOrganizationRequest(
            organization=Organization(name=org.name, display_name="After", notes="ignored", etag=org.etag),
            update_mask=FieldMask(paths=["display_name"]),
        )
    ).organization
    assert (updated.name, updated.display_name, updated.notes) == (org.name, "After", "keep")
    assert updated.etag != org.etag
    assert stub.get_organization(GetOrganizationRequest(name=org.name)).organization == updated


# -- async client (grpclib) -----------------------------------------------------------------


async def test_async_create_get_list(
    async_client: Callable[[TenantSession], OrganizationServiceAsyncStub], tenant: TenantSession
) -> None:
    stub = async_client(tenant)
    wanted = Organization(display_name="SDK Async Ltd", website_url="https://async.example", employee_count=7)
    created = (await stub.create_organization(CreateOrganizationRequest(organization=wanted))).organization
    assert created.name.startswith("organizations/")
    assert (created.display_name, created.website_url, created.employee_count) == (
        "SDK Async Ltd",
        "https://async.example",
        7,
    )
    assert created.status == OrganizationStatus.ACTIVE
    assert created.etag

    got = (await stub.get_organization(GetOrganizationRequest(name=created.name))).organization
    assert got == created
    # the SDK's JSON is the REST shape: lowerCamelCase, enum names
    assert got.to_dict()["displayName"] == "SDK Async Ltd"
    assert got.to_dict()["status"] == "ORGANIZATION_STATUS_ACTIVE"

    listed = await stub.list_organizations(ListOrganizationsRequest(page_size=10))
    assert created_only(listed.organizations) == [created]
    assert listed.next_page_token == ""


async def test_async_unknown_and_foreign_organizations_are_not_found(
    async_client: Callable[[TenantSession], OrganizationServiceAsyncStub],
    tenant: TenantSession,
    other: TenantSession,
) -> None:
    stub = async_client(tenant)
    with pytest.raises(GRPCError) as err:
        await stub.get_organization(GetOrganizationRequest(name="organizations/doesnotexist"))
    assert err.value.status == Status.NOT_FOUND
    assert err.value.message == "organizations/doesnotexist not found"

    mine = await stub.create_organization(
        CreateOrganizationRequest(organization=Organization(display_name="Mine"))
    )
    with pytest.raises(GRPCError) as err:
        await async_client(other).get_organization(GetOrganizationRequest(name=mine.organization.name))
    assert err.value.status == Status.NOT_FOUND


async def test_async_invalid_input_is_invalid_argument_naming_the_fields(
    async_client: Callable[[TenantSession], OrganizationServiceAsyncStub], tenant: TenantSession
) -> None:
    stub = async_client(tenant)
    with pytest.raises(GRPCError) as err:
        await stub.create_organization(CreateOrganizationRequest(organization=invalid_organization()))
    assert err.value.status == Status.INVALID_ARGUMENT
    assert grpclib_field_violations(err.value) == BAD_FIELDS

    with pytest.raises(GRPCError) as err:  # a malformed resource name, too
        await stub.get_organization(GetOrganizationRequest(name="not/a name"))
    assert err.value.status == Status.INVALID_ARGUMENT
    assert grpclib_field_violations(err.value) == {"name"}
    assert created_only((await stub.list_organizations(ListOrganizationsRequest())).organizations) == []


async def test_async_update_with_field_mask(
    async_client: Callable[[TenantSession], OrganizationServiceAsyncStub], tenant: TenantSession
) -> None:
    stub = async_client(tenant)
    org = (
        await stub.create_organization(
            CreateOrganizationRequest(organization=Organization(display_name="Before", category="Retail"))
        )
    ).organization
    updated = (
        await stub.update_organization(
            UpdateOrganizationRequest(
                organization=Organization(name=org.name, category="Healthcare", display_name="ignored"),
                update_mask=FieldMask(paths=["category"]),
            )
        )
    ).organization
    assert (updated.display_name, updated.category) == ("Before", "Healthcare")
    assert (await stub.get_organization(GetOrganizationRequest(name=org.name))).organization == updated
