"""Schemathesis against the OpenAPI 3 document Envoy serves, through Envoy, for organizations.

Property-based: for every organizations operation in `/openapi.json`, schemathesis generates
valid and invalid requests (body, path, query) and checks that the edge + api service never
answer 5xx, that every response matches the documented schema (the operation's 200 schema or
the `default` google.rpc.Status), and that its content type is the documented one. Bounded
(examples per operation, derandomized) so it stays well under a minute.

The other services in the document have no server yet (Envoy answers 503 for them), so the run is
restricted to `/api/v1/organizations...`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from infra.layout import REPO
from tests.support.identity import Tenants, TenantSession

OPENAPI_FILE = REPO / "gen/openapi/openframe.openapi.json"
ORGANIZATIONS = r"^/api/v1/organizations"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def rest_mapped_rpcs(service: str = "openframe.api.v1.OrganizationService") -> set[str]:
    """operationIds (`<Service>_<Method>`, protoc-gen-openapiv2's naming) of the service's RPCs
    that carry a google.api.http rule in the descriptor set Envoy loads."""
    fds = descriptor_pb2.FileDescriptorSet.FromString((REPO / "gen/descriptor/openframe.binpb").read_bytes())
    return {
        f"{s.name}_{m.name}"
        for f in fds.file
        for s in f.service
        if f"{f.package}.{s.name}" == service
        for m in s.method
        if m.options.HasExtension(annotations_pb2.http)
    }


EXPECTED_OPERATIONS = rest_mapped_rpcs()
#: Status codes seen per operation over the whole run (asserted on by the last test).
SEEN: dict[str, set[int]] = {}


@pytest.fixture(scope="module")
def fuzz_tenant(tenants: Tenants) -> TenantSession:
    """A tenant of its own: fuzzed writes never meet other tests' (or earlier runs') data."""
    return tenants.fresh()


@pytest.fixture(scope="module")
def served_openapi(edge_url: str) -> dict[str, Any]:
    resp = httpx.get(f"{edge_url}/openapi.json", timeout=10)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    document: dict[str, Any] = resp.json()
    return document


def test_served_openapi_is_the_generated_file(served_openapi: dict[str, Any]) -> None:
    """tests/contract/test_codegen.py checks the file against the descriptor; Envoy must serve that file."""
    on_disk = json.loads(OPENAPI_FILE.read_text())
    assert served_openapi == on_disk
    assert served_openapi["openapi"].startswith("3.")
    assert len(EXPECTED_OPERATIONS) == 7  # Create, Get, List, Update, Archive, Unarchive, CanArchive
    served_ids = {
        op["operationId"]
        for path, item in served_openapi["paths"].items()
        if path.startswith("/api/v1/organizations")
        for op in item.values()
    }
    assert served_ids == EXPECTED_OPERATIONS


# The generated file, loaded at collection (no server needed then); requests go to the edge
# (`base_url=edge_url`), and test_served_openapi_is_the_generated_file proves Envoy serves exactly
# this document. Not `schemathesis.pytest.from_fixture(...)` + `from_url`: its lazy wrapper reads
# `request.node._nodeid`, which pytest 9.2 no longer has (AttributeError at run time).
schema = schemathesis.openapi.from_path(OPENAPI_FILE).include(path_regex=ORGANIZATIONS)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_organizations_operations_conform_to_the_served_schema(
    case: schemathesis.Case, edge_url: str, fuzz_tenant: TenantSession
) -> None:
    response = case.call_and_validate(
        base_url=edge_url,
        headers=fuzz_tenant.bearer,
        checks=CHECKS,
        timeout=10,
    )
    # call_and_validate raised on any failed check; record what the run actually exercised
    assert 200 <= response.status_code < 500
    SEEN.setdefault(case.operation.definition.raw["operationId"], set()).add(response.status_code)


def test_the_fuzz_run_reached_every_operation_and_real_successes() -> None:
    """Guards the fuzz test itself: a filter typo or a dead edge must not pass as 'no failures'."""
    if not SEEN:
        pytest.skip("run together with the fuzz test above")
    assert set(SEEN) == EXPECTED_OPERATIONS
    # the service answered 2xx for real generated input, not only 4xx rejections ...
    assert 200 in SEEN["OrganizationService_CreateOrganization"]
    assert 200 in SEEN["OrganizationService_ListOrganizations"]
    # ... and the invalid or unknown input it was sent came back as 400 / 404 (checked above to be
    # google.rpc.Status JSON), for every operation
    assert all(codes & {400, 404} for codes in SEEN.values()), SEEN
