"""services/kit/preconditions.py on the real generated messages: header parsing, where each RPC's
etag is found, the If-Match merge, the response headers. Through the edge: tests/contract/
test_preconditions.py."""

from __future__ import annotations

import pytest
from google.protobuf.message import Message

from openframe.agents.v1 import registration_secrets_pb2 as secrets_pb
from openframe.api.v1 import devices_pb2, events_pb2, tags_pb2
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.auth.v1 import invitations_pb2, sso_providers_pb2, tenants_pb2, users_pb2
from openframe.external.v1 import api_keys_pb2, tools_pb2
from openframe.ratelimit.v1 import rate_limit_policies_pb2
from services.kit import preconditions
from services.kit.errors import EtagMismatch, IfMatchFailed, InvalidArgument, NotFound
from services.kit.preconditions import Condition, Tag

UPDATE = "/openframe.api.v1.OrganizationService/UpdateOrganization"
ARCHIVE = "/openframe.api.v1.OrganizationService/ArchiveOrganization"
GET = "/openframe.api.v1.OrganizationService/GetOrganization"


def test_entity_tags_are_parsed_per_rfc_9110() -> None:
    assert Condition.parse("*", "If-Match") == Condition(any=True)
    assert Condition.parse(' "a1" , W/"b2",c3', "If-Match").tags == (
        Tag("a1"),
        Tag("b2", weak=True),
        Tag("c3"),
    )
    for bad in ('"open', "two words", '"a",,"b"', "", 'W/"x" y'):
        with pytest.raises(InvalidArgument) as refused:
            Condition.parse(bad, "If-None-Match")
        assert refused.value.violations[0].field == "If-None-Match"


@pytest.mark.parametrize(
    ("method", "request_message", "path"),
    [
        (UPDATE, org_pb.UpdateOrganizationRequest(), ("organization", "etag")),
        (ARCHIVE, org_pb.ArchiveOrganizationRequest(), ("etag",)),
        ("/x/UnarchiveOrganization", org_pb.UnarchiveOrganizationRequest(), ("etag",)),
        ("/x/UpdateDevice", devices_pb2.UpdateDeviceRequest(), ("device", "etag")),
        ("/x/SetDeviceStatus", devices_pb2.SetDeviceStatusRequest(), ("etag",)),
        ("/x/DeleteTagKey", tags_pb2.DeleteTagKeyRequest(), ("etag",)),
        ("/x/UpdateEvent", events_pb2.UpdateEventRequest(), ("event", "etag")),
        ("/x/DeleteApiKey", api_keys_pb2.DeleteApiKeyRequest(), ("etag",)),
        ("/x/UpdateIntegratedTool", tools_pb2.UpdateIntegratedToolRequest(), ("integrated_tool", "etag")),
        ("/x/DeleteIntegratedTool", tools_pb2.DeleteIntegratedToolRequest(), ("etag",)),
        ("/x/RevokeRegistrationSecret", secrets_pb.RevokeRegistrationSecretRequest(), ("etag",)),
        ("/x/SetUserRole", users_pb2.SetUserRoleRequest(), ("etag",)),
        ("/x/RevokeInvitation", invitations_pb2.RevokeInvitationRequest(), ("etag",)),
        ("/x/UpdateSsoProvider", sso_providers_pb2.UpdateSsoProviderRequest(), ("sso_provider", "etag")),
        ("/x/UpdateTenant", tenants_pb2.UpdateTenantRequest(), ("tenant", "etag")),
        (
            "/x/UpdateRateLimitPolicy",
            rate_limit_policies_pb2.UpdateRateLimitPolicyRequest(),
            ("rate_limit_policy", "etag"),
        ),
        # no etag to compare with: If-Match is ignored
        ("/x/CreateOrganization", org_pb.CreateOrganizationRequest(), None),
        (GET, org_pb.GetOrganizationRequest(), None),
    ],
)
def test_every_kind_of_write_finds_its_etag(
    method: str, request_message: Message, path: tuple[str, ...] | None
) -> None:
    assert preconditions._request_shape(request_message.DESCRIPTOR, method).etag_path == path


def _update(etag: str = "") -> org_pb.UpdateOrganizationRequest:
    return org_pb.UpdateOrganizationRequest(
        organization=org_pb.Organization(name="organizations/x", etag=etag)
    )


def test_if_match_becomes_the_requests_etag() -> None:
    request = _update()
    asked = preconditions.before(UPDATE, request, {"if-match": '"e1"'})
    assert request.organization.etag == "e1" and asked is not None and asked.if_match == "e1"
    archive = org_pb.ArchiveOrganizationRequest(name="organizations/x")
    preconditions.before(ARCHIVE, archive, {"if-match": 'W/"zz", "e2"'})
    assert archive.etag == "e2"
    agreeing = _update("e1")
    assert preconditions.before(UPDATE, agreeing, {"if-match": '"e1"'}) is not None


def test_if_match_that_cannot_hold_fails_before_the_handler() -> None:
    with pytest.raises(IfMatchFailed):
        preconditions.before(UPDATE, _update("e1"), {"if-match": '"e2"'})
    with pytest.raises(IfMatchFailed):
        preconditions.before(UPDATE, _update(), {"if-match": 'W/"e1"'})
    with pytest.raises(InvalidArgument):
        preconditions.before(UPDATE, _update(), {"if-match": '"e1", "e2"'})


def test_star_and_absent_headers_change_nothing() -> None:
    request = _update()
    asked = preconditions.before(UPDATE, request, {"if-match": "*"})
    assert request.organization.etag == "" and asked is not None and asked.if_match is None
    assert preconditions.before(UPDATE, request, {"x-request-id": "r"}) is None


def test_a_stale_if_match_is_a_412_a_stale_body_etag_a_409() -> None:
    mismatch = EtagMismatch("organizations/x")
    asked = preconditions.before(UPDATE, _update(), {"if-match": '"e1"'})
    failed = preconditions.failure(mismatch, asked)
    assert isinstance(failed, IfMatchFailed) and failed.http_status == 412
    assert failed.to_status().code == 9 and failed.reason == "ERROR_REASON_ETAG_MISMATCH"
    assert failed.metadata == {"resource": "organizations/x"}
    body_only = preconditions.before(UPDATE, _update("e1"), {"if-none-match": '"e1"'})
    assert preconditions.failure(mismatch, body_only) is mismatch
    assert preconditions.failure(mismatch, None) is mismatch
    missing = NotFound("organizations/x")
    assert preconditions.failure(missing, asked) is missing


def _got(etag: str) -> org_pb.GetOrganizationResponse:
    return org_pb.GetOrganizationResponse(organization=org_pb.Organization(name="organizations/x", etag=etag))


def test_response_headers_carry_the_quoted_etag_and_the_not_modified_signal() -> None:
    assert preconditions.response_headers(_got("e1"), None) == (("etag", '"e1"'),)
    for header in ('"e1"', 'W/"e1"', '"e0", "e1"', "*"):
        asked = preconditions.before(GET, org_pb.GetOrganizationRequest(), {"if-none-match": header})
        assert preconditions.response_headers(_got("e1"), asked) == (
            ("etag", '"e1"'),
            ("x-openframe-http-status", "304"),
        ), header
    stale = preconditions.before(GET, org_pb.GetOrganizationRequest(), {"if-none-match": '"e0"'})
    assert preconditions.response_headers(_got("e1"), stale) == (("etag", '"e1"'),)
    # If-None-Match is for reads: a write answers normally
    on_write = preconditions.before(UPDATE, _update(), {"if-none-match": '"e1"'})
    assert preconditions.response_headers(_got("e1"), on_write) == (("etag", '"e1"'),)


def test_no_etag_header_without_exactly_one_resource() -> None:
    listed = org_pb.ListOrganizationsResponse(organizations=[org_pb.Organization(etag="e1")])
    assert preconditions.response_headers(listed, None) == ()
    assert preconditions.response_headers(org_pb.GetOrganizationResponse(), None) == ()
    registered = tenants_pb2.RegisterTenantResponse(
        tenant=tenants_pb2.Tenant(etag="t1"), owner=users_pb2.User(etag="u1")
    )
    assert preconditions.response_headers(registered, None) == ()
    assert preconditions.response_headers(_got('with"quote'), None) == ()
