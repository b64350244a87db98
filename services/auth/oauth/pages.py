"""The HTML pages: login form, consent, errors. Plain server-rendered HTML, everything escaped,
no scripts; a strict Content-Security-Policy and no caching."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from starlette.responses import HTMLResponse

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}"
    "label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem}"
    ".error{color:#a00}"
)


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<meta name=viewport content='width=device-width'><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


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
    extra_html: str = "",
) -> HTMLResponse:
    """``extra_html`` (already escaped by its producer) goes below the form: e.g. the "sign in
    with <provider>" links of SSO."""
    message = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    body = (
        f"<p>{escape(tenant_name)}</p>{message}"
        f"<form method=post action='{escape(action)}'>"
        f"<input type=hidden name=request value='{escape(request_blob)}'>"
        f"<input type=hidden name=csrf_token value='{escape(csrf)}'>"
        f"<label for=email>Email</label><input id=email name=email type=email autocomplete=username "
        f"required value='{escape(email)}'>"
        f"<label for=password>Password</label><input id=password name=password type=password "
        f"autocomplete=current-password required>"
        f"<button type=submit>Sign in</button></form>"
        + (f"<p><a href='{escape(forgot_url)}'>Forgot your password?</a></p>" if forgot_url else "")
        + extra_html
    )
    return _page("Sign in", body, status)


def consent_page(
    *, client_name: str, scopes: list[str], action: str, consent_blob: str, csrf: str
) -> HTMLResponse:
    items = "".join(f"<li>{escape(s)}</li>" for s in scopes) or "<li>basic access</li>"
    body = (
        f"<p><strong>{escape(client_name)}</strong> asks for access to:</p><ul>{items}</ul>"
        f"<form method=post action='{escape(action)}'>"
        f"<input type=hidden name=consent value='{escape(consent_blob)}'>"
        f"<input type=hidden name=csrf_token value='{escape(csrf)}'>"
        f"<button type=submit name=decision value=allow>Allow</button>"
        f"<button type=submit name=decision value=deny>Deny</button></form>"
    )
    return _page("Allow access?", body, 200)


def error_page(message: str, status: int = 400) -> HTMLResponse:
    return _page("Sign-in problem", f"<p class=error>{escape(message)}</p>", status)


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
    """A one-form page (password reset, invitation, verification): every value escaped."""
    message = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
    inputs = "".join(f"<input type=hidden name={escape(k)} value='{escape(v)}'>" for k, v in hidden.items())
    for f in fields:
        minimum = f" minlength={f.minlength}" if f.minlength else ""
        inputs += (
            f"<label for={escape(f.name)}>{escape(f.label)}</label>"
            f"<input id={escape(f.name)} name={escape(f.name)} type={escape(f.type)} "
            f"autocomplete={escape(f.autocomplete)} required{minimum} value='{escape(f.value)}'>"
        )
    body = (
        f"<p>{escape(intro)}</p>{message}<form method=post action='{escape(action)}'>{inputs}"
        f"<button type=submit>{escape(button)}</button></form>"
    )
    return _page(title, body, status)


def message_page(title: str, message: str, status: int = 200) -> HTMLResponse:
    return _page(title, f"<p>{escape(message)}</p>", status)
