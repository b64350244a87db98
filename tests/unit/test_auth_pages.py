"""The auth service's HTML pages (services/auth/oauth/pages.py): rendered from autoescaped
templates, so a value carrying markup is shown as text wherever it lands (element text, an
attribute in quotes, a link), never run."""

from __future__ import annotations

import pytest
from markupsafe import escape
from starlette.responses import HTMLResponse

from services.auth.oauth.pages import (
    HEADERS,
    Field,
    Link,
    consent_page,
    error_page,
    form_page,
    login_page,
    message_page,
)

HOSTILE = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = str(escape(HOSTILE))  # &#34;&#39;&gt;&lt;script&gt;...


def pages() -> dict[str, HTMLResponse]:
    return {
        "login": login_page(
            tenant_name=HOSTILE,
            action=HOSTILE,
            request_blob=HOSTILE,
            csrf=HOSTILE,
            email=HOSTILE,
            error=HOSTILE,
            forgot_url=HOSTILE,
            sso_links=[Link(HOSTILE, HOSTILE)],
        ),
        "consent": consent_page(
            client_name=HOSTILE, scopes=[HOSTILE], action=HOSTILE, consent_blob=HOSTILE, csrf=HOSTILE
        ),
        "error": error_page(HOSTILE),
        "form": form_page(
            title=HOSTILE,
            intro=HOSTILE,
            action=HOSTILE,
            hidden={"token": HOSTILE},
            fields=[Field("display_name", HOSTILE, value=HOSTILE)],
            button=HOSTILE,
            error=HOSTILE,
        ),
        "message": message_page(HOSTILE, HOSTILE),
    }


@pytest.mark.parametrize("name", ["login", "consent", "error", "form", "message"])
def test_markup_in_any_value_is_escaped(name: str) -> None:
    page = pages()[name]
    body = bytes(page.body).decode()
    assert "<script" not in body and "<img" not in body and "onerror=alert(2)>" not in body
    assert ESCAPED in body, "shown as text, where it was put"
    assert page.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
    assert page.headers["cache-control"] == "no-store"


def test_the_login_page_keeps_its_form_and_links() -> None:
    page = login_page(
        tenant_name="Acme MSP",
        action="https://edge.example/auth/tenants/acme/login",
        request_blob="blob-1",
        csrf="csrf-1",
        email="a@acme.example",
        error="Wrong email or password.",
        status=401,
        forgot_url="https://edge.example/auth/tenants/acme/password/forgot",
        sso_links=[Link("https://edge.example/auth/tenants/acme/sso/p1/start?request=b&x=1", "Entra ID")],
    )
    body = bytes(page.body).decode()
    assert page.status_code == 401
    assert "<title>Sign in</title>" in body and "<p>Acme MSP</p>" in body
    assert "<p class=error role=alert>Wrong email or password.</p>" in body
    assert "action='https://edge.example/auth/tenants/acme/login'" in body
    assert "name='request' value='blob-1'" in body and "name='csrf_token' value='csrf-1'" in body
    assert "value='a@acme.example'" in body
    assert "href='https://edge.example/auth/tenants/acme/sso/p1/start?request=b&amp;x=1'>Entra ID</a>" in body


def test_a_page_without_sso_or_error_shows_neither() -> None:
    body = bytes(login_page(tenant_name="Acme", action="/a", request_blob="b", csrf="c").body).decode()
    assert "role=alert" not in body and "Single sign-on" not in body and "Forgot" not in body


def test_the_consent_page_lists_the_scopes_or_basic_access() -> None:
    def consent(scopes: list[str]) -> str:
        page = consent_page(client_name="CLI", scopes=scopes, action="/c", consent_blob="b", csrf="c")
        return bytes(page.body).decode()

    assert "<li>devices:read</li>" in consent(["devices:read"])
    assert "<li>basic access</li>" in consent([])
