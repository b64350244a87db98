"""The account pages on each tenant's issuer: ``/password/forgot`` (ask for a reset link),
``/password/reset?token=`` (choose a new password), ``/email/verify?token=`` (confirm an address)
and ``/invitation?token=`` (accept an invitation: name + password). Plain HTML like the login
page, CSRF-protected the same way (signed double-submit bound to the form's purpose); a GET
never consumes a token (mail scanners follow links), only the form's POST does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from services.auth.account.tokens import TokenKind
from services.auth.oauth.base import Deps, client_ip, deps, issuer_of, path_tenant
from services.auth.oauth.pages import Field, form_page, message_page
from services.auth.oauth.signed import CSRF_COOKIE, csrf_ok, csrf_token, new_nonce, set_csrf_cookie
from services.auth.tenants.model import Tenant
from services.kit.errors import DomainError

SENT = (
    "If an account exists for that address, we sent it a link to reset the password. "
    "Check your inbox; the link expires soon."
)
LINK_BAD = "This link is invalid, already used or expired. Ask for a new one."
PASSWORD_RULE = "The password must have 12 to 128 characters, and both entries must match."  # noqa: S105


def _csrf(request: Request, d: Deps, purpose: str) -> tuple[str, str]:
    nonce = request.cookies.get(CSRF_COOKIE) or new_nonce()
    return nonce, csrf_token(d.page_key, nonce, purpose)


def _with_cookie(response: Response, request: Request, d: Deps, tenant: Tenant, nonce: str) -> Response:
    set_csrf_cookie(response, nonce, issuer_of(request, tenant.id), d.settings.login_request_ttl_seconds)
    return response


async def _posted(request: Request, d: Deps, purpose: str) -> FormData | None:
    form = await request.form()
    if not csrf_ok(d.page_key, request.cookies.get(CSRF_COOKIE), purpose, str(form.get("csrf_token", ""))):
        return None
    return form


def _password_ok(form: FormData) -> bool:
    password = str(form.get("password", ""))
    return 12 <= len(password) <= 128 and password == form.get("confirm")


PASSWORD_FIELDS = [
    Field("password", "New password", "password", "new-password", minlength=12),
    Field("confirm", "Repeat the password", "password", "new-password", minlength=12),
]


# -- forgot password ---------------------------------------------------------------------
async def forgot_form(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    return _forgot(request, d, tenant)


def _forgot(request: Request, d: Deps, tenant: Tenant, error: str = "", status: int = 200) -> Response:
    nonce, csrf = _csrf(request, d, f"forgot|{tenant.id}")
    page = form_page(
        title="Forgot your password?",
        intro=f"Enter the email address of your {tenant.display_name} account; we will send you a link.",
        action=f"{issuer_of(request, tenant.id)}/password/forgot",
        hidden={"csrf_token": csrf},
        fields=[Field("email", "Email", "email", "username")],
        button="Send the link",
        error=error,
        status=status,
    )
    return _with_cookie(page, request, d, tenant, nonce)


async def forgot_submit(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    form = await _posted(request, d, f"forgot|{tenant.id}")
    if form is None:
        return _forgot(request, d, tenant, "The form expired. Try again.", 403)
    email = str(form.get("email", "")).strip()
    if "@" not in email or len(email) > 320:
        return _forgot(request, d, tenant, "Enter a valid email address.", 400)
    await d.account.request_reset(tenant.id, email, client_ip(request, d.settings.trust_forwarded_for))
    return message_page("Check your email", SENT)


# -- reset password ----------------------------------------------------------------------
async def reset_form(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    token = request.query_params.get("token", "")
    found = await d.account.tokens.peek(TokenKind.PASSWORD_RESET, token) if token else None
    if found is None or found.tenant_id != tenant.id:
        return message_page("Link expired", LINK_BAD, 400)
    return _reset(request, d, tenant, token)


def _reset(
    request: Request, d: Deps, tenant: Tenant, token: str, error: str = "", status: int = 200
) -> Response:
    nonce, csrf = _csrf(request, d, f"reset|{token}")
    page = form_page(
        title="Choose a new password",
        intro=f"Your {tenant.display_name} account: at least 12 characters.",
        action=f"{issuer_of(request, tenant.id)}/password/reset",
        hidden={"token": token, "csrf_token": csrf},
        fields=PASSWORD_FIELDS,
        button="Set the password",
        error=error,
        status=status,
    )
    return _with_cookie(page, request, d, tenant, nonce)


async def reset_submit(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    token = str((await request.form()).get("token", ""))
    form = await _posted(request, d, f"reset|{token}")
    if form is None:
        return _reset(request, d, tenant, token, "The form expired. Try again.", 403)
    if not _password_ok(form):
        return _reset(request, d, tenant, token, PASSWORD_RULE, 400)
    return await _token_action(
        d,
        tenant,
        TokenKind.PASSWORD_RESET,
        token,
        lambda: d.account.confirm_reset(
            token, str(form["password"]), client_ip(request, d.settings.trust_forwarded_for)
        ),
        ("Password changed", "Your password was changed. Go back to the application and sign in."),
    )


# -- email verification ------------------------------------------------------------------
async def verify_form(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    token = request.query_params.get("token", "")
    found = await d.account.tokens.peek(TokenKind.EMAIL_VERIFICATION, token) if token else None
    if found is None or found.tenant_id != tenant.id:
        return message_page("Link expired", LINK_BAD, 400)
    nonce, csrf = _csrf(request, d, f"verify|{token}")
    page = form_page(
        title="Confirm your email address",
        intro=f"Confirm {found.email} for your {tenant.display_name} account.",
        action=f"{issuer_of(request, tenant.id)}/email/verify",
        hidden={"token": token, "csrf_token": csrf},
        fields=[],
        button="Confirm",
    )
    return _with_cookie(page, request, d, tenant, nonce)


async def verify_submit(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    token = str((await request.form()).get("token", ""))
    if await _posted(request, d, f"verify|{token}") is None:
        return message_page("Form expired", "The form expired. Open the link from the email again.", 403)

    async def confirm() -> object:
        return await d.account.confirm_verification(token, client_ip(request, d.settings.trust_forwarded_for))

    return await _token_action(
        d,
        tenant,
        TokenKind.EMAIL_VERIFICATION,
        token,
        confirm,
        ("Email confirmed", "Your email address is confirmed."),
    )


async def _token_action(
    d: Deps,
    tenant: Tenant,
    kind: TokenKind,
    token: str,
    action: Callable[[], Awaitable[object]],
    done: tuple[str, str],
) -> Response:
    found = await d.account.tokens.peek(kind, token) if token else None
    if found is None or found.tenant_id != tenant.id:  # another tenant's link: never consume it here
        return message_page("Link expired", LINK_BAD, 400)
    try:
        await action()
    except DomainError:
        return message_page("Link expired", LINK_BAD, 400)
    return message_page(*done)


# -- invitations -------------------------------------------------------------------------
async def invitation_form(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    return await _invitation(request, d, tenant, request.query_params.get("token", ""))


async def _invitation(
    request: Request, d: Deps, tenant: Tenant, token: str, error: str = "", status: int = 200, name: str = ""
) -> Response:
    try:
        pending = await d.invitations.lookup(token) if token else None
    except DomainError:
        pending = None
    if pending is None or pending.tenant.id != tenant.id:
        return message_page(
            "Invitation expired", "This invitation is invalid, used, revoked or expired.", 400
        )
    nonce, csrf = _csrf(request, d, f"invitation|{token}")
    invitation = pending.invitation
    page = form_page(
        title=f"Join {tenant.display_name}",
        intro=f"{invitation.inviter_name or 'An administrator'} invited {invitation.email} as "
        f"{invitation.role.value.title()}. Choose your name and password.",
        action=f"{issuer_of(request, tenant.id)}/invitation",
        hidden={"token": token, "csrf_token": csrf},
        fields=[Field("display_name", "Your name", "text", "name", value=name), *PASSWORD_FIELDS],
        button="Create my account",
        error=error,
        status=status,
    )
    return _with_cookie(page, request, d, tenant, nonce)


async def invitation_submit(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    token = str((await request.form()).get("token", ""))
    form = await _posted(request, d, f"invitation|{token}")
    if form is None:
        return await _invitation(request, d, tenant, token, "The form expired. Try again.", 403)
    name = str(form.get("display_name", "")).strip()
    if not 1 <= len(name) <= 200:
        return await _invitation(request, d, tenant, token, "Enter your name.", 400)
    if not _password_ok(form):
        return await _invitation(request, d, tenant, token, PASSWORD_RULE, 400, name)
    try:
        pending = await d.invitations.lookup(token)
        if pending.tenant.id != tenant.id:
            raise LookupError
        await d.invitations.accept(
            token, name, str(form["password"]), client_ip(request, d.settings.trust_forwarded_for)
        )
    except (DomainError, LookupError):
        return message_page(
            "Invitation expired", "This invitation is invalid, used, revoked or expired.", 400
        )
    return message_page(
        "Welcome", f"Your {tenant.display_name} account is ready. Go back to the application and sign in."
    )
