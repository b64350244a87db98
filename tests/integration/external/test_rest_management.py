"""Key management and usage over REST through the edge, as a real tenant owner (a token of the
auth service, tests/support/identity.py), and the public API with a bearer token instead of a key."""

from __future__ import annotations

import httpx
import pytest

from infra.layout import Layout
from tests.support.identity import Tenants, TenantSession


@pytest.fixture(scope="module")
def owner(edge_url: str, external_up: Layout) -> TenantSession:
    return Tenants(edge_url, external_up).fresh()


async def test_an_owner_manages_keys_over_rest(edge: httpx.AsyncClient, owner: TenantSession) -> None:
    created = await edge.post(
        "/external-api/v1/apiKeys",
        headers=owner.bearer,
        json={"displayName": "zapier", "scopes": ["organizations:read"], "rateLimits": {"perMinute": 50}},
    )
    assert created.status_code == 200, created.text
    body = created.json()
    key, name = body["key"], body["apiKey"]["name"]
    assert key.startswith(body["apiKey"]["keyPrefix"] + ".sk_")
    assert body["apiKey"]["creator"]["type"] == "ACTOR_TYPE_USER"

    listed = await edge.get("/external-api/v1/apiKeys", headers=owner.bearer)
    assert listed.status_code == 200
    assert [k["name"] for k in listed.json()["apiKeys"]] == [name]
    assert key not in listed.text and key.split(".sk_")[1] not in listed.text

    used = await edge.get("/external-api/v1/organizations", headers={"x-api-key": key})
    assert used.status_code == 200, used.text

    revoked = await edge.post(f"/external-api/v1/{name}:revoke", headers=owner.bearer, json={})
    assert revoked.status_code == 200 and revoked.json()["apiKey"]["status"] == "API_KEY_STATUS_REVOKED"
    usage = await edge.get(f"/external-api/v1/{name}/usage", headers=owner.bearer)
    assert usage.status_code == 200 and "totals" in usage.json()
    tenant_usage = await edge.get("/external-api/v1/usage", headers=owner.bearer)
    assert tenant_usage.status_code == 200


async def test_bad_input_over_rest_names_the_field(edge: httpx.AsyncClient, owner: TenantSession) -> None:
    response = await edge.post(
        "/external-api/v1/apiKeys", headers=owner.bearer, json={"displayName": "", "scopes": []}
    )
    assert response.status_code == 400
    assert "display_name" in response.text and "scopes" in response.text


async def test_a_bearer_token_reaches_the_public_api_without_a_key(
    edge: httpx.AsyncClient, owner: TenantSession
) -> None:
    response = await edge.get("/external-api/v1/organizations", headers=owner.bearer)
    assert response.status_code == 200, response.text
    assert response.json()["organizations"]  # the tenant's default organization
    bad = await edge.get("/external-api/v1/organizations", headers={"authorization": "Bearer not.a.jwt"})
    assert bad.status_code == 401


async def test_another_tenants_key_usage_is_not_found(
    edge: httpx.AsyncClient, owner: TenantSession, edge_url: str, external_up: Layout
) -> None:
    """A nested collection of another tenant's key answers exactly like one of a missing key."""
    other = Tenants(edge_url, external_up).fresh()
    created = await edge.post(
        "/external-api/v1/apiKeys",
        headers=other.bearer,
        json={"displayName": "theirs", "scopes": ["organizations:read"]},
    )
    assert created.status_code == 200, created.text
    theirs = created.json()["apiKey"]["name"].removeprefix("apiKeys/")
    missing = "ak_" + "0" * 16
    found = await edge.get(f"/external-api/v1/apiKeys/{theirs}/usage", headers=owner.bearer)
    nowhere = await edge.get(f"/external-api/v1/apiKeys/{missing}/usage", headers=owner.bearer)
    assert (found.status_code, nowhere.status_code) == (404, 404), found.text
    assert found.json()["message"].replace(theirs, "<id>") == nowhere.json()["message"].replace(
        missing, "<id>"
    )
    assert (
        await edge.get(f"/external-api/v1/apiKeys/{theirs}/usage", headers=other.bearer)
    ).status_code == 200
