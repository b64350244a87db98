"""REST through Envoy and gRPC through the same Envoy port are one API: same data, same errors.

Covers every RPC with an HTTP rule of the services that run today (checked against the
descriptor set, so a new RPC without a parity check fails here).
"""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.json_format import MessageToDict

from infra.layout import REPO
from openframe.api.v1 import organizations_pb2 as pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from tests.rpc_status import field_violations
from tests.support.identity import TenantSession

RUNNING_SERVICES = {"openframe.api.v1.OrganizationService"}
EXERCISED: set[str] = set()


def as_json(message: Any) -> dict[str, Any]:
    """What Envoy's transcoder prints: lowerCamelCase names, zero values included."""
    return MessageToDict(message, always_print_fields_with_no_presence=True)


@pytest.fixture
def stub(edge_channel: grpc.aio.Channel) -> OrganizationServiceStub:
    return OrganizationServiceStub(edge_channel)


@pytest.fixture
def md(tenant: TenantSession) -> tuple[tuple[str, str], ...]:
    """gRPC metadata of the same tenant the `rest` client acts as: its owner's bearer token."""
    return tenant.metadata


def is_default(name: str) -> bool:
    """Every tenant also has its default organization (made on first use); tests leave it out."""
    return name.startswith("organizations/default-")


def exercised(*methods: str) -> None:
    EXERCISED.update(f"openframe.api.v1.OrganizationService.{m}" for m in methods)


async def test_create_over_rest_read_over_grpc(
    rest: httpx.AsyncClient, stub: OrganizationServiceStub, md: Any
) -> None:
    created = await rest.post(
        "/api/v1/organizations", json={"displayName": "Parity A", "contactEmail": "a@parity.example"}
    )
    assert created.status_code == 200, created.text
    body = created.json()["organization"]
    got = await stub.GetOrganization(pb.GetOrganizationRequest(name=body["name"]), metadata=md)
    assert as_json(got.organization) == body
    listed = await stub.ListOrganizations(pb.ListOrganizationsRequest(), metadata=md)
    assert [as_json(o) for o in listed.organizations if not is_default(o.name)] == [body]
    exercised("CreateOrganization", "GetOrganization", "ListOrganizations")


async def test_create_over_grpc_read_over_rest(
    rest: httpx.AsyncClient, stub: OrganizationServiceStub, md: Any
) -> None:
    created = await stub.CreateOrganization(
        pb.CreateOrganizationRequest(organization=pb.Organization(display_name="Parity B", employee_count=7)),
        metadata=md,
    )
    expected = as_json(created.organization)
    got = await rest.get(f"/api/v1/{created.organization.name}")
    assert got.status_code == 200
    assert got.json() == {"organization": expected}
    listed = (await rest.get("/api/v1/organizations", params={"pageSize": 10})).json()
    assert [o for o in listed["organizations"] if not is_default(o["name"])] == [expected]
    assert listed["nextPageToken"] == ""
    exercised("CreateOrganization", "GetOrganization", "ListOrganizations")


async def test_update_archive_cycle_across_both(
    rest: httpx.AsyncClient, stub: OrganizationServiceStub, md: Any
) -> None:
    org = (await rest.post("/api/v1/organizations", json={"displayName": "Parity C"})).json()["organization"]
    patched = await rest.patch(
        f"/api/v1/{org['name']}",
        params={"updateMask": "notes,category"},
        json={"notes": "via REST", "category": "Retail", "etag": org["etag"]},
    )
    assert patched.status_code == 200, patched.text
    after = await stub.GetOrganization(pb.GetOrganizationRequest(name=org["name"]), metadata=md)
    assert (after.organization.notes, after.organization.category) == ("via REST", "Retail")
    assert as_json(after.organization) == patched.json()["organization"]

    updated = await stub.UpdateOrganization(
        pb.UpdateOrganizationRequest(
            organization=pb.Organization(name=org["name"], display_name="Parity C2"),
            update_mask=FieldMask(paths=["display_name"]),
        ),
        metadata=md,
    )
    assert (await rest.get(f"/api/v1/{org['name']}")).json()["organization"] == as_json(updated.organization)

    can = await rest.get(f"/api/v1/{org['name']}:canArchive")
    assert can.json() == {"canArchive": True, "reason": "", "activeDeviceCount": "0"}
    archived = await stub.ArchiveOrganization(pb.ArchiveOrganizationRequest(name=org["name"]), metadata=md)
    assert archived.organization.status == pb.ORGANIZATION_STATUS_ARCHIVED
    rest_view = (await rest.get(f"/api/v1/{org['name']}")).json()["organization"]
    assert rest_view["status"] == "ORGANIZATION_STATUS_ARCHIVED"
    restored = await rest.post(f"/api/v1/{org['name']}:unarchive", json={"etag": rest_view["etag"]})
    assert restored.status_code == 200
    grpc_view = await stub.GetOrganization(pb.GetOrganizationRequest(name=org["name"]), metadata=md)
    assert as_json(grpc_view.organization) == restored.json()["organization"]
    exercised(
        "UpdateOrganization",
        "CanArchiveOrganization",
        "ArchiveOrganization",
        "UnarchiveOrganization",
        "GetOrganization",
    )


async def test_invalid_input_is_400_naming_fields_and_invalid_argument(
    rest: httpx.AsyncClient, stub: OrganizationServiceStub, md: Any
) -> None:
    resp = await rest.post("/api/v1/organizations", json={"displayName": "", "websiteUrl": "not a url"})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    bad_request = next(d for d in body["details"] if d["@type"].endswith("google.rpc.BadRequest"))
    rest_fields = {v["field"] for v in bad_request["fieldViolations"]}
    assert rest_fields == {"organization.display_name", "organization.website_url"}

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.CreateOrganization(
            pb.CreateOrganizationRequest(
                organization=pb.Organization(display_name="", website_url="not a url")
            ),
            metadata=md,
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(err.value)) == rest_fields
    assert "Traceback" not in resp.text


async def test_missing_is_404_and_not_found(
    rest: httpx.AsyncClient, stub: OrganizationServiceStub, md: Any
) -> None:
    name = "organizations/doesnotexist"
    resp = await rest.get(f"/api/v1/{name}")
    assert resp.status_code == 404
    assert resp.json()["message"] == f"{name} not found"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetOrganization(pb.GetOrganizationRequest(name=name), metadata=md)
    assert (err.value.code(), err.value.details()) == (grpc.StatusCode.NOT_FOUND, f"{name} not found")


async def test_stale_etag_is_409_and_aborted(
    rest: httpx.AsyncClient, stub: OrganizationServiceStub, md: Any
) -> None:
    org = (await rest.post("/api/v1/organizations", json={"displayName": "Parity D"})).json()["organization"]
    await rest.patch(
        f"/api/v1/{org['name']}", params={"updateMask": "notes"}, json={"notes": "1", "etag": org["etag"]}
    )
    stale = await rest.patch(
        f"/api/v1/{org['name']}", params={"updateMask": "notes"}, json={"notes": "2", "etag": org["etag"]}
    )
    assert stale.status_code == 409
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ArchiveOrganization(
            pb.ArchiveOrganizationRequest(name=org["name"], etag=org["etag"]), metadata=md
        )
    assert err.value.code() == grpc.StatusCode.ABORTED
    assert (await rest.get(f"/api/v1/{org['name']}")).json()["organization"]["notes"] == "1"


def test_every_http_rpc_of_running_services_was_checked() -> None:
    fds = descriptor_pb2.FileDescriptorSet.FromString((REPO / "gen/descriptor/openframe.binpb").read_bytes())
    with_http = {
        f"{f.package}.{s.name}.{m.name}"
        for f in fds.file
        for s in f.service
        if f"{f.package}.{s.name}" in RUNNING_SERVICES
        for m in s.method
        if m.options.HasExtension(annotations_pb2.http)
    }
    assert with_http, "no HTTP-mapped RPCs found for the running services"
    assert with_http <= EXERCISED, f"RPCs without a REST/gRPC parity check: {sorted(with_http - EXERCISED)}"
