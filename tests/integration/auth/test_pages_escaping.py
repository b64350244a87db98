"""The sign-in pages show what a visitor typed as text: a failed sign-in with an "email" carrying
markup comes back with the value escaped in its field (the pages are autoescaped templates,
services/auth/oauth/pages.py), never as markup the browser would run."""

from __future__ import annotations

import secrets

from markupsafe import escape

from openframe.auth.v1 import oauth_clients_pb2 as pb
from tests.integration.auth.helpers import Api, form_action, form_field, pkce_pair

HOSTILE = "x@y.example'><script>alert(document.cookie)</script>"


async def test_a_typed_value_with_markup_comes_back_escaped(api: Api, unique: str) -> None:
    await api.register(unique)
    client, _ = await api.client(unique, grants=(pb.GRANT_TYPE_AUTHORIZATION_CODE,), public=True)
    _, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
    response = await api.http.post(
        form_action(page.text),
        data={
            "request": form_field(page.text, "request"),
            "csrf_token": form_field(page.text, "csrf_token"),
            "email": HOSTILE,
            "password": "not the password at all",
        },
        headers={"x-forwarded-for": f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"},
    )
    assert response.status_code in (400, 401), response.text
    assert "<script>" not in response.text
    assert f"value='{escape(HOSTILE)}'" in response.text, "the field keeps what was typed, as text"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
