"""An independent OIDC client library (Authlib) against a tenant's discovery document:
client credentials and authorization code + PKCE; the tokens verify with that tenant's JWKS
(joserfc) and fail with any other tenant's."""

from __future__ import annotations

import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc.errors import JoseError

from openframe.auth.v1 import oauth_clients_pb2 as pb
from tests.integration.auth.helpers import REDIRECT, Api, form_action, form_field, verify


async def test_client_credentials_with_authlib(api: Api, unique: str) -> None:
    await api.register(unique)
    other = await api.register(f"{unique}-other")
    client, secret = await api.client(unique, scopes=("devices:read",))
    metadata = (await api.http.get(f"{api.issuer(unique)}/.well-known/openid-configuration")).json()
    async with AsyncOAuth2Client(
        client.client_id, secret, scope="devices:read", token_endpoint_auth_method="client_secret_basic"
    ) as oauth:
        token = await oauth.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer" and token["scope"] == "devices:read"
    jwks = (await api.http.get(metadata["jwks_uri"])).json()
    claims = verify(token["access_token"], jwks, issuer=metadata["issuer"], audience="openframe")
    assert claims["tid"] == unique and claims["sub"] == client.client_id
    with pytest.raises(JoseError):  # another tenant's keys do not verify it
        verify(
            token["access_token"], await api.jwks(other.id), issuer=metadata["issuer"], audience="openframe"
        )


async def test_authorization_code_with_pkce_with_authlib(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    other = await api.register(f"{unique}-other")
    client, _ = await api.client(
        unique, grants=(pb.GRANT_TYPE_AUTHORIZATION_CODE, pb.GRANT_TYPE_REFRESH_TOKEN), public=True
    )
    metadata = (await api.http.get(f"{api.issuer(unique)}/.well-known/openid-configuration")).json()
    verifier, nonce = generate_token(64), generate_token(20)
    async with AsyncOAuth2Client(
        client.client_id,
        redirect_uri=REDIRECT,
        scope="openid profile email",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as oauth:
        url, state = oauth.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        # the browser: follow to the login page, post the form, stop at the redirect to the app
        page = await api.login_page(url)
        done = await api.http.post(
            form_action(page.text),
            data={
                "request": form_field(page.text, "request"),
                "csrf_token": form_field(page.text, "csrf_token"),
                "email": tenant.owner_email,
                "password": "correct horse battery staple",
            },
        )
        assert done.status_code == 303
        token = await oauth.fetch_token(
            metadata["token_endpoint"],
            authorization_response=done.headers["location"],
            code_verifier=verifier,
            state=state,
        )
        refreshed = await oauth.refresh_token(
            metadata["token_endpoint"], refresh_token=token["refresh_token"]
        )
    jwks = (await api.http.get(metadata["jwks_uri"])).json()
    id_claims = verify(token["id_token"], jwks, issuer=metadata["issuer"], audience=client.client_id)
    assert id_claims["nonce"] == nonce and id_claims["sub"] == tenant.owner_id
    access = verify(token["access_token"], jwks, issuer=metadata["issuer"], audience="openframe")
    assert access["roles"] == ["OWNER"] and access["client_id"] == client.client_id
    assert refreshed["refresh_token"] != token["refresh_token"]
    for value in (token["access_token"], token["id_token"], refreshed["access_token"]):
        with pytest.raises(JoseError):
            verify(value, await api.jwks(other.id), issuer=metadata["issuer"], audience="openframe")
