"""The HTML pages: login form, consent, one-form pages (password reset, invitation, verification),
messages and errors. Server-rendered from the Jinja2 templates in ``templates/`` (packaged with
the code) with autoescaping on: every value a page shows is escaped by the template engine, none
by hand. No scripts; a strict Content-Security-Policy and no caching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

TEMPLATES = Environment(
    loader=PackageLoader("services.auth.oauth", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,  # a value the page names but the code did not give is a bug
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


@dataclass(frozen=True)
class Link:
    """A link of the login page (a "sign in with <provider>" of SSO)."""

    url: str
    label: str


def login_page(
    *,
    tenant_name: str,
    action: str,
    request_blob: str,
    csrf: str,
    email: str = "",
    error: str = "",
    status: int = 200,
    forgot_url: str = "",
    sso_links: Sequence[Link] = (),
) -> HTMLResponse:
    return render(
        "login.html",
        status,
        title="Sign in",
        tenant_name=tenant_name,
        action=action,
        request_blob=request_blob,
        csrf=csrf,
        email=email,
        error=error,
        forgot_url=forgot_url,
        sso_links=sso_links,
    )


def consent_page(
    *, client_name: str, scopes: list[str], action: str, consent_blob: str, csrf: str
) -> HTMLResponse:
    return render(
        "consent.html",
        title="Allow access?",
        client_name=client_name,
        scopes=scopes,
        action=action,
        consent_blob=consent_blob,
        csrf=csrf,
    )


def error_page(message: str, status: int = 400) -> HTMLResponse:
    return render("message.html", status, title="Sign-in problem", message=message, is_error=True)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str = "text"
    autocomplete: str = "off"
    value: str = ""
    minlength: int = 0


def form_page(
    *,
    title: str,
    intro: str,
    action: str,
    hidden: dict[str, str],
    fields: list[Field],
    button: str,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    """A one-form page (password reset, invitation, verification)."""
    return render(
        "form.html",
        status,
        title=title,
        intro=intro,
        action=action,
        hidden=hidden,
        fields=fields,
        button=button,
        error=error,
    )


def message_page(title: str, message: str, status: int = 200) -> HTMLResponse:
    return render("message.html", status, title=title, message=message, is_error=False)
