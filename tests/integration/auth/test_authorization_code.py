"""Authorization code + PKCE through the real login form: ID token per OIDC Core, codes bound to
client, redirect_uri and verifier and usable once, authorize errors per RFC 6749 §4.1.2.1,
consent for third-party clients, CSRF, and userinfo."""

from __future__ import annotations

import jwt as pyjwt

from openframe.auth.v1 import oauth_clients_pb2 as pb
from services.auth.grants.jwts import at_hash
from tests.integration.auth.helpers import (
    REDIRECT,
    Api,
    form_action,
    form_field,
    pkce_pair,
    query_of,
    verify,
)

CODE, REFRESH = pb.GRANT_TYPE_AUTHORIZATION_CODE, pb.GRANT_TYPE_REFRESH_TOKEN


async def test_code_flow_with_pkce_issues_tokens_for_the_user(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, _ = await api.client(unique, grants=(CODE, REFRESH), public=True)
    verifier, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
    assert "Sign in" in page.text and page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "of_csrf" in page.headers["set-cookie"] and "httponly" in page.headers["set-cookie"].lower()
    done = await api.submit_login(page, tenant.owner_email)
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith(REDIRECT + "?")
    params = query_of(location)
    assert params["state"] == "st-1" and params["iss"] == api.issuer(unique)
    resp = await api.token(
        unique,
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "client_id": client.client_id,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["scope"] == "openid profile email" and body["refresh_token"]
    jwks = await api.jwks(unique)
    access = verify(body["access_token"], jwks, issuer=api.issuer(unique), audience="openframe")
    assert access["sub"] == tenant.owner_id and access["roles"] == ["OWNER"] and access["tid"] == unique
    identity = verify(body["id_token"], jwks, issuer=api.issuer(unique), audience=client.client_id)
    assert identity["header"]["typ"] == "JWT"
    assert identity["sub"] == tenant.owner_id and identity["nonce"] == "n-1"
    assert identity["at_hash"] == at_hash(body["access_token"])
    assert identity["email"] == tenant.owner_email and identity["name"] == "Olivia Owner"
    assert abs(identity["auth_time"] - identity["iat"]) < 30
    info = await api.http.get(
        f"{api.issuer(unique)}/userinfo", headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert info.status_code == 200 and info.json()["sub"] == tenant.owner_id
    assert info.json()["email"] == tenant.owner_email


async def test_code_is_single_use_and_bound_to_client_redirect_and_verifier(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique, grants=(CODE, REFRESH))
    other, other_secret = await api.client(unique, grants=(CODE,))
    base = {"grant_type": "authorization_code", "redirect_uri": REDIRECT}
    code, verifier = await api.code(unique, client.client_id, tenant.owner_email)
    wrong_verifier = await api.token(
        unique, {**base, "code": code, "code_verifier": "x" * 50}, (client.client_id, secret)
    )
    assert wrong_verifier.status_code == 400 and wrong_verifier.json()["error"] == "invalid_grant"
    code, verifier = await api.code(unique, client.client_id, tenant.owner_email)
    stolen = await api.token(
        unique, {**base, "code": code, "code_verifier": verifier}, (other.client_id, other_secret)
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    code, verifier = await api.code(unique, client.client_id, tenant.owner_email)
    moved = await api.token(
        unique,
        {**base, "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT + "x"},
        (client.client_id, secret),
    )
    assert moved.status_code == 400 and moved.json()["error"] == "invalid_grant"
    code, verifier = await api.code(unique, client.client_id, tenant.owner_email)
    first = await api.token(
        unique, {**base, "code": code, "code_verifier": verifier}, (client.client_id, secret)
    )
    assert first.status_code == 200
    replay = await api.token(
        unique, {**base, "code": code, "code_verifier": verifier}, (client.client_id, secret)
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # the replay revoked what the code produced
    refreshed = await api.token(
        unique,
        {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        (client.client_id, secret),
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


async def test_authorize_errors(api: Api, unique: str) -> None:
    await api.register(unique)
    public, _ = await api.client(unique, grants=(CODE,), public=True)
    issuer = api.issuer(unique)
    unknown = await api.http.get(
        f"{issuer}/oauth2/authorize", params={"client_id": "nope", "response_type": "code"}
    )
    assert unknown.status_code == 400 and "Unknown application" in unknown.text  # a page, never a redirect
    bad_uri = await api.http.get(
        api.authorize_url(unique, public.client_id, challenge=None, redirect_uri="https://evil.example/cb")
    )
    assert bad_uri.status_code == 400 and "location" not in bad_uri.headers
    no_pkce = await api.http.get(api.authorize_url(unique, public.client_id, challenge=None))
    assert no_pkce.status_code == 302
    error = query_of(no_pkce.headers["location"])
    assert error["error"] == "invalid_request" and error["state"] == "st-1" and error["iss"] == issuer
    plain = await api.http.get(
        f"{issuer}/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": public.client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": "a" * 43,
            "code_challenge_method": "plain",
        },
    )
    assert query_of(plain.headers["location"])["error"] == "invalid_request"
    _, challenge = pkce_pair()
    token_type = await api.http.get(
        api.authorize_url(unique, public.client_id, challenge=challenge).replace(
            "response_type=code", "response_type=token"
        )
    )
    assert query_of(token_type.headers["location"])["error"] == "unsupported_response_type"
    scope = await api.http.get(
        api.authorize_url(unique, public.client_id, challenge=challenge, scope="openid admin")
    )
    assert query_of(scope.headers["location"])["error"] == "invalid_scope"
    cc_only, _ = await api.client(unique)
    no_grant = await api.http.get(
        api.authorize_url(unique, cc_only.client_id, challenge=challenge, redirect_uri=REDIRECT)
    )
    assert no_grant.status_code == 400  # no redirect URI registered for it: a page, no redirect


async def test_login_errors_do_not_tell_which_part_was_wrong(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, _ = await api.client(unique, grants=(CODE,), public=True)
    _, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
    wrong_password = await api.submit_login(page, tenant.owner_email, "not the password at all")
    unknown_email = await api.submit_login(page, f"nobody@{unique}.test")
    assert wrong_password.status_code == unknown_email.status_code == 401
    for resp in (wrong_password, unknown_email):
        assert "Incorrect email or password." in resp.text
    no_csrf = await api.http.post(
        form_action(page.text),
        data={"request": form_field(page.text, "request"), "email": tenant.owner_email, "password": "x"},
    )
    assert no_csrf.status_code == 403
    api.http.cookies.clear()  # another browser: its cookie nonce does not match the token
    other_browser = await api.submit_login(page, tenant.owner_email)
    assert other_browser.status_code == 403
    tampered = await api.http.get(f"{api.issuer(unique)}/login", params={"request": "e30.forged"})
    assert tampered.status_code == 400


async def test_third_party_clients_ask_for_consent(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique, grants=(CODE,), first_party=False)
    for decision in ("deny", "allow"):
        verifier, challenge = pkce_pair()
        page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
        consent = await api.submit_login(page, tenant.owner_email)
        assert consent.status_code == 200 and "Allow access?" in consent.text and "openid" in consent.text
        answer = await api.http.post(
            form_action(consent.text),
            data={
                "consent": form_field(consent.text, "consent"),
                "csrf_token": form_field(consent.text, "csrf_token"),
                "decision": decision,
            },
        )
        assert answer.status_code == 303
        params = query_of(answer.headers["location"])
        if decision == "deny":
            assert params["error"] == "access_denied" and params["state"] == "st-1"
        else:
            resp = await api.token(
                unique,
                {
                    "grant_type": "authorization_code",
                    "code": params["code"],
                    "redirect_uri": REDIRECT,
                    "code_verifier": verifier,
                },
                (client.client_id, secret),
            )
            assert resp.status_code == 200 and "refresh_token" not in resp.json()  # no refresh grant


async def test_userinfo_needs_a_valid_openid_token(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique, grants=(CODE,))
    url = f"{api.issuer(unique)}/userinfo"
    missing = await api.http.get(url)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    garbage = await api.http.get(url, headers={"authorization": "Bearer abc.def.ghi"})
    assert garbage.status_code == 401 and 'error="invalid_token"' in garbage.headers["www-authenticate"]
    machine, machine_secret = await api.client(unique)
    cc = (await api.cc_token(unique, machine.client_id, machine_secret)).json()["access_token"]
    no_openid = await api.http.get(url, headers={"authorization": f"Bearer {cc}"})
    assert no_openid.status_code == 403 and no_openid.json()["error"] == "insufficient_scope"
    other = await api.register(f"{unique}-o")
    foreign = (await api.user_tokens(unique, client.client_id, tenant.owner_email, secret))["access_token"]
    assert (
        await api.http.get(f"{other.issuer}/userinfo", headers={"authorization": f"Bearer {foreign}"})
    ).status_code == 401
    assert pyjwt.get_unverified_header(foreign)["kid"].startswith(f"{unique}.")
