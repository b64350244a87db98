"""SSO providers over REST through the real edge (Envoy transcoding to the running auth service),
with real owner tokens: create/read/list/update/enable/delete, field errors as 400 naming the
field, and another tenant's provider is 404 with the same body as a missing one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from infra.layout import Layout
from tests.support.identity import Tenants, TenantSession

SECRET = "upstream-client-secret-value"
GOOGLE = {
    "displayName": "Sign in with Google",
    "preset": "SSO_PROVIDER_PRESET_GOOGLE",
    "clientId": "1234.apps.googleusercontent.com",
    "clientSecret": SECRET,
}


@pytest.fixture(scope="module")
def pair(infra_up: Layout) -> tuple[TenantSession, TenantSession]:
    tenants = Tenants(f"http://127.0.0.1:{infra_up.port('envoy')}", infra_up, batch=2)
    return tenants.fresh(), tenants.fresh()


@pytest.fixture
def edge(infra_up: Layout) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{infra_up.port('envoy')}", timeout=20) as client:
        yield client


def test_rest_crud_and_tenant_isolation(
    edge: httpx.Client, pair: tuple[TenantSession, TenantSession]
) -> None:
    mine, theirs = pair
    created = edge.post("/auth/v1/ssoProviders", json=GOOGLE, headers=theirs.bearer)
    assert created.status_code == 200, created.text
    provider = created.json()["ssoProvider"]  # the response message, as JSON
    assert provider["issuerUri"] == "https://accounts.google.com" and provider["clientSecretSet"] is True
    assert provider.get("clientSecret", "") == "" and SECRET not in created.text  # write-only
    assert provider["redirectUri"] == f"{theirs.issuer}/sso/callback"
    name = provider["name"]

    got = edge.get(f"/auth/v1/{name}", headers=theirs.bearer)
    assert got.status_code == 200 and got.json()["ssoProvider"] == provider
    patched = edge.patch(
        f"/auth/v1/{name}",
        params={"updateMask": "displayName"},
        json={**GOOGLE, "displayName": "Google Workspace"},
        headers=theirs.bearer,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["ssoProvider"]["displayName"] == "Google Workspace"
    listed = edge.get("/auth/v1/ssoProviders", headers=theirs.bearer)
    assert [p["name"] for p in listed.json()["ssoProviders"]] == [name]

    missing = "ssoProviders/0123456789abcdef"
    for target in (name, missing):
        answers = [
            edge.get(f"/auth/v1/{target}", headers=mine.bearer),
            edge.patch(
                f"/auth/v1/{target}", params={"updateMask": "displayName"}, json=GOOGLE, headers=mine.bearer
            ),
            edge.post(f"/auth/v1/{target}:setEnabled", json={"enabled": False}, headers=mine.bearer),
            edge.delete(f"/auth/v1/{target}", headers=mine.bearer),
        ]
        for answer in answers:
            assert answer.status_code == 404, answer.text
            assert answer.json()["message"] == f"{target} not found"
    mine_listed = edge.get("/auth/v1/ssoProviders", headers=mine.bearer)
    assert mine_listed.status_code == 200 and mine_listed.json().get("ssoProviders", []) == []

    bad = edge.post(
        "/auth/v1/ssoProviders",
        json={"displayName": "x", "preset": "SSO_PROVIDER_PRESET_GENERIC_OIDC", "clientId": "c"},
        headers=mine.bearer,
    )
    assert bad.status_code == 400 and "issuer_uri" in bad.text
    assert edge.get("/auth/v1/ssoProviders").status_code == 401

    deleted = edge.delete(f"/auth/v1/{name}", headers=theirs.bearer)
    assert deleted.status_code == 200
    assert edge.get(f"/auth/v1/{name}", headers=theirs.bearer).status_code == 404
