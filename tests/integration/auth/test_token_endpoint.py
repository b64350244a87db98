"""The token endpoint with client credentials: client authentication methods, RFC 6749 errors,
no-store responses, and the access token contract (header, claims, TTL, roles, scope)."""

from __future__ import annotations

import base64

import jwt as pyjwt

from openframe.auth.v1 import users_pb2
from tests.integration.auth.helpers import Api, verify


async def test_client_credentials_token_follows_the_contract(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(
        unique, roles=(users_pb2.USER_ROLE_ADMIN,), scopes=("devices:read", "x")
    )
    resp = await api.cc_token(unique, client.client_id, secret, scope="devices:read")
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store" and resp.headers["pragma"] == "no-cache"
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["scope"] == "devices:read"
    assert "refresh_token" not in body and "id_token" not in body
    header = pyjwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt" and header["kid"].startswith(f"{unique}.")
    claims = verify(
        body["access_token"], await api.jwks(unique), issuer=api.issuer(unique), audience="openframe"
    )
    assert claims["sub"] == client.client_id and claims["client_id"] == client.client_id
    assert claims["tid"] == unique and claims["roles"] == ["ADMIN"] and claims["scope"] == "devices:read"
    assert (
        claims["aud"] == ["openframe"]
        and claims["exp"] - claims["iat"] == 900
        and claims["nbf"] == claims["iat"]
    )
    assert len(claims["jti"]) == 32
    default = (await api.cc_token(unique, client.client_id, secret)).json()
    assert default["scope"] == "devices:read x"  # no scope asked: the client's configured scopes


async def test_client_secret_post_works_and_both_methods_at_once_do_not(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(unique)
    form = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
    assert (await api.token(unique, form)).status_code == 200
    both = await api.token(unique, form, (client.client_id, secret))
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"


async def test_authentication_failures_are_401_invalid_client(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(unique)
    wrong = await api.cc_token(unique, client.client_id, secret + "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic realm=")
    assert wrong.headers["cache-control"] == "no-store"
    unknown = await api.cc_token(unique, "no-such-client", secret)
    assert unknown.status_code == 401 and unknown.json() == wrong.json()  # same answer: nothing to learn
    anonymous = await api.token(unique, {"grant_type": "client_credentials"})
    assert anonymous.status_code == 401
    garbled = await api.http.post(
        f"{api.issuer(unique)}/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"authorization": "Basic !!!" + base64.b64encode(b"x").decode()},
    )
    assert garbled.status_code == 401 and garbled.json()["error"] == "invalid_client"


async def test_grant_and_scope_errors(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(unique, scopes=("a",))
    unsupported = await api.token(unique, {"grant_type": "password"}, (client.client_id, secret))
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"
    not_allowed = await api.token(
        unique, {"grant_type": "refresh_token", "refresh_token": "x"}, (client.client_id, secret)
    )
    assert not_allowed.status_code == 400 and not_allowed.json()["error"] == "unauthorized_client"
    bad_scope = await api.cc_token(unique, client.client_id, secret, scope="a admin")
    assert bad_scope.status_code == 400 and bad_scope.json()["error"] == "invalid_scope"
    missing = await api.token(unique, {}, (client.client_id, secret))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    repeated = await api.http.post(
        f"{api.issuer(unique)}/oauth2/token",
        content="grant_type=client_credentials&grant_type=client_credentials",
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=(client.client_id, secret),
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"
    assert (await api.http.get(f"{api.issuer(unique)}/oauth2/token")).status_code == 405


async def test_unknown_tenant_is_404(api: Api, unique: str) -> None:
    resp = await api.token(f"{unique}-nobody", {"grant_type": "client_credentials"}, ("a", "b"))
    assert resp.status_code == 404
    assert (await api.http.get(f"{api.public_url}/auth/tenants/Not_A_Tenant/jwks")).status_code == 404


async def test_discovery_document(api: Api, unique: str) -> None:
    await api.register(unique)
    issuer = api.issuer(unique)
    doc = (await api.http.get(f"{issuer}/.well-known/openid-configuration")).json()
    assert doc["issuer"] == issuer
    assert doc["jwks_uri"] == f"{issuer}/jwks" and doc["token_endpoint"] == f"{issuer}/oauth2/token"
    assert doc["authorization_endpoint"] == f"{issuer}/oauth2/authorize"
    assert doc["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert doc["revocation_endpoint"] == f"{issuer}/oauth2/revoke"
    assert doc["introspection_endpoint"] == f"{issuer}/oauth2/introspect"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    rfc8414 = await api.http.get(
        f"{api.public_url}/.well-known/oauth-authorization-server/auth/tenants/{unique}"
    )
    assert rfc8414.json() == doc
