"""Dynamic client registration (RFC 7591) behind an initial access token: the token is created
over gRPC by an ADMIN (shown once), expires, is usable N times and only in its tenant; the
registered client works (client credentials, consent for the code flow); bad metadata gets the
RFC's error codes and spends no use."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import oauth_clients_pb2 as pb
from tests.integration.auth.helpers import Api, as_tenant, pkce_pair, verify


async def _iat(api: Api, tenant: str, uses: int = 1, roles: str = "ADMIN") -> str:
    reply = await api.clients.CreateInitialAccessToken(
        pb.CreateInitialAccessTokenRequest(ttl=Duration(seconds=600), max_uses=uses),
        metadata=as_tenant(tenant, roles),
    )
    assert reply.expire_time.seconds > 0
    return reply.token


async def test_register_and_use_a_client(api: Api, unique: str, db: AsyncDatabase[dict[str, object]]) -> None:
    tenant = await api.register(unique)
    discovery = (await api.http.get(f"{tenant.issuer}/.well-known/openid-configuration")).json()
    assert discovery["registration_endpoint"] == f"{tenant.issuer}/oauth2/register"
    token = await _iat(api, unique, uses=2)
    assert await db["initial_access_tokens"].count_documents({"tenant_id": unique}) == 1
    assert await db["initial_access_tokens"].count_documents({"_id": token}) == 0  # only its hash

    machine = await api.http.post(
        discovery["registration_endpoint"],
        json={"client_name": "Backup agent", "grant_types": ["client_credentials"], "scope": "backups:read"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert machine.status_code == 201, machine.text
    body = machine.json()
    assert body["client_secret"] and body["client_secret_expires_at"] == 0 and body["scope"] == "backups:read"
    assert body["token_endpoint_auth_method"] == "client_secret_basic" and body["response_types"] == []
    issued = await api.cc_token(unique, body["client_id"], body["client_secret"])
    assert issued.status_code == 200, issued.text
    claims = verify(
        issued.json()["access_token"], await api.jwks(unique), issuer=tenant.issuer, audience="openframe"
    )
    assert claims["sub"] == body["client_id"] and claims["roles"] == []

    app = await api.http.post(
        discovery["registration_endpoint"],
        json={
            "client_name": "Mobile app",
            "redirect_uris": ["https://mobile.example.test/cb"],
            "token_endpoint_auth_method": "none",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert app.status_code == 201, app.text
    assert "client_secret" not in app.json() and app.json()["grant_types"] == ["authorization_code"]
    _, challenge = pkce_pair()
    page = await api.login_page(
        api.authorize_url(
            unique,
            app.json()["client_id"],
            challenge=challenge,
            redirect_uri="https://mobile.example.test/cb",
        )
    )
    consent = await api.submit_login(page, tenant.owner_email)
    assert consent.status_code == 200 and "Allow access?" in consent.text  # third party: consent

    spent = await api.http.post(
        discovery["registration_endpoint"],
        json={"grant_types": ["client_credentials"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert spent.status_code == 401 and spent.json()["error"] == "invalid_token"
    listed = await api.clients.ListOAuthClients(pb.ListOAuthClientsRequest(), metadata=tenant.owner)
    assert {c.display_name for c in listed.oauth_clients} >= {"Backup agent", "Mobile app"}


async def test_registration_errors(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    other = await api.register(f"{unique}-b")
    url = f"{tenant.issuer}/oauth2/register"
    token = await _iat(api, unique)
    bearer = {"Authorization": f"Bearer {token}"}
    cases = [
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://x.test/cb#frag"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["http://evil.test/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": "https://x.test/cb"}, "invalid_redirect_uri"),
        ({"grant_types": ["password"]}, "invalid_client_metadata"),
        (
            {"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"},
            "invalid_client_metadata",
        ),
        (
            {"grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt"},
            "invalid_client_metadata",
        ),
        ({"redirect_uris": ["https://x.test/cb"], "response_types": ["token"]}, "invalid_client_metadata"),
        ({"grant_types": ["client_credentials"], "client_name": ""}, "invalid_client_metadata"),
        ({"grant_types": ["client_credentials"], "scope": 5}, "invalid_client_metadata"),
        (["not", "an", "object"], "invalid_client_metadata"),
        # passes the RFC 7591 checks, refused by the rules of every client (after the use was
        # spent: it is given back)
        ({"redirect_uris": ["myapp://callback"]}, "invalid_client_metadata"),
    ]
    for metadata, error in cases:
        resp = await api.http.post(url, json=metadata, headers=bearer)
        assert (resp.status_code, resp.json()["error"]) == (400, error), (metadata, resp.text)
    # none of that spent the single use
    ok = await api.http.post(url, json={"grant_types": ["client_credentials"]}, headers=bearer)
    assert ok.status_code == 201
    missing = await api.http.post(url, json={"grant_types": ["client_credentials"]})
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    # another tenant's token does not register here, nor this one there
    foreign = await _iat(api, other.id)
    wrong = await api.http.post(
        url, json={"grant_types": ["client_credentials"]}, headers={"Authorization": f"Bearer {foreign}"}
    )
    assert wrong.status_code == 401
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await _iat(api, unique, roles="TECHNICIAN")
    assert viewer.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as no_ttl:
        await api.clients.CreateInitialAccessToken(
            pb.CreateInitialAccessTokenRequest(), metadata=tenant.owner
        )
    assert no_ttl.value.code() == grpc.StatusCode.INVALID_ARGUMENT
