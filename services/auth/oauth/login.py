"""{issuer}/login (GET: the form, POST: credentials) and {issuer}/consent (POST: the decision).

Throttled before any password check (per account and address with growing delays, per account,
per address: services/auth/oauth/throttle.py); one message for every credential failure
(unknown email, wrong password, disabled account); the password check costs the same whether
the account exists. On success a single-use code goes back to the client's redirect_uri
(first-party clients skip consent).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.common import new_id
from services.auth.crypto import digest
from services.auth.oauth.authorize import redirect_to_client
from services.auth.oauth.base import Deps, TenantNotFoundError, client_ip, deps, issuer_of, path_tenant
from services.auth.oauth.login_audit import failed, locked
from services.auth.oauth.pages import consent_page, error_page, login_page
from services.auth.oauth.signed import CSRF_COOKIE, csrf_ok, csrf_token, new_nonce, seal, unseal
from services.auth.passwords import verify_password
from services.auth.sso.links import login_links
from services.auth.tenants.model import Tenant
from services.auth.users.model import UserStatus
from services.kit.mongo import now

R = events.LoginFailureReason
BAD_CREDENTIALS = "Incorrect email or password."
EXPIRED = "This sign-in request expired or is invalid. Go back to the application and start again."


async def login_form(request: Request) -> Response:
    d, tenant = deps(request), await _tenant(request)
    data = _pending(d, tenant, request.query_params.get("request", ""))
    if tenant is None or data is None:
        return error_page(EXPIRED)
    return await _form(request, d, tenant, request.query_params["request"])


async def login_submit(request: Request) -> Response:
    d, tenant, form = deps(request), await _tenant(request, active=False), await request.form()
    blob, email, password = (str(form.get(k, "")) for k in ("request", "email", "password"))
    data = _pending(d, tenant, blob)
    if tenant is None or data is None:
        return error_page(EXPIRED)
    if not csrf_ok(d.page_key, request.cookies.get(CSRF_COOKIE), blob, str(form.get("csrf_token", ""))):
        return error_page("The sign-in form expired. Go back and try again.", 403)
    ip, agent = client_ip(request, d.settings.trust_forwarded_for), request.headers.get("user-agent", "")
    audit = {"tenant": tenant, "email": email, "ip": ip, "agent": agent, "client_id": data["c"]}
    if not tenant.active:
        await failed(d, R.LOGIN_FAILURE_REASON_TENANT_INACTIVE, None, **audit)
        return error_page("This account is not available.", 403)
    verdict = await d.throttle.attempt(tenant.id, email, ip)
    if verdict.refused_by is not None:
        await failed(d, R.LOGIN_FAILURE_REASON_RATE_LIMITED, None, budget=verdict.refused_by, **audit)
        response = await _form(request, d, tenant, blob, email, _too_many(verdict.retry_after), 429)
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    user = await d.users.by_email(tenant_id=tenant.id, email=email)
    valid = await verify_password(user.password_hash if user else None, password)
    if not valid or user is None or user.status is not UserStatus.ACTIVE:
        reason = (
            R.LOGIN_FAILURE_REASON_ACCOUNT_DISABLED if valid else R.LOGIN_FAILURE_REASON_INVALID_CREDENTIALS
        )
        await failed(d, reason, user.id if user else None, count=verdict.failures, **audit)
        if verdict.account_failures == d.settings.login_max_failures_per_account:
            await locked(d, tenant, email, user.id if user else None, ip)
        return await _form(request, d, tenant, blob, email, BAD_CREDENTIALS, 401)
    await d.throttle.succeeded(tenant.id, email, ip)
    at = now()
    await d.users.touch_login(tenant_id=tenant.id, user_id=user.id, at=at)
    await d.audit.record(
        AuditEntry(
            tenant_id=tenant.id,
            type=audit_pb2.AUDIT_EVENT_TYPE_LOGIN,
            subject=user.name,
            target=user.name,
            client_id=data["c"],
            actor=user_actor(user.id, user.email),
            ip_address=ip,
            user_agent=agent,
            payload=events.LoginSucceeded(
                user=user.name,
                method=events.LOGIN_METHOD_PASSWORD,
                client_id=data["c"],
                ip_address=ip,
                user_agent=agent[:512],
            ),
        )
    )
    return await finish_login(request, d, tenant, data, user.id, at)


def _too_many(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    wait = "a few seconds" if seconds < 30 else "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"Too many sign-in attempts. Try again in {wait}."


async def finish_login(
    request: Request, d: Deps, tenant: Tenant, data: dict[str, Any], user_id: str, at: datetime
) -> Response:
    """The user is authenticated (password or SSO): continue the pending authorization request
    ``data`` — a code for first-party clients, the consent page for the others."""
    client = await d.clients.cached(tenant.id, data["c"])
    if client is None or client.disabled:
        return error_page("Unknown application. Check the link you followed.")
    granted = {**data, "u": user_id, "at": int(at.timestamp())}
    if client.first_party:
        return await _code_redirect(request, d, tenant, granted)
    consent = seal(d.page_key, granted, d.settings.login_request_ttl_seconds)
    nonce = request.cookies.get(CSRF_COOKIE) or ""
    return consent_page(
        client_name=client.display_name,
        scopes=data["s"].split(),
        action=f"{issuer_of(request, tenant.id)}/consent",
        consent_blob=consent,
        csrf=csrf_token(d.page_key, nonce, consent),
    )


async def consent_submit(request: Request) -> Response:
    d, tenant, form = deps(request), await _tenant(request), await request.form()
    blob = str(form.get("consent", ""))
    data = _pending(d, tenant, blob)
    if tenant is None or data is None or "u" not in data:
        return error_page(EXPIRED)
    if not csrf_ok(d.page_key, request.cookies.get(CSRF_COOKIE), blob, str(form.get("csrf_token", ""))):
        return error_page("The form expired. Go back and try again.", 403)
    # A decision is taken once: the sealed blob stays valid for minutes, and replaying an
    # "allow" would mint another code without the user. SET NX: one of concurrent posts wins.
    taken = f"auth:consent-used:{tenant.id}:{digest(blob)}"
    if not await d.redis.set(taken, "1", nx=True, ex=d.settings.login_request_ttl_seconds):
        return error_page(EXPIRED)
    if form.get("decision") != "allow":
        return redirect_to_client(
            data["r"],
            {
                "error": "access_denied",
                "error_description": "the user declined",
                "state": data["st"],
                "iss": issuer_of(request, tenant.id),
            },
            303,
        )
    user = await d.users.get(tenant_id=tenant.id, user_id=data["u"])
    if user is None or user.status is not UserStatus.ACTIVE:
        return error_page(EXPIRED)
    return await _code_redirect(request, d, tenant, data)


async def _code_redirect(request: Request, d: Deps, tenant: Tenant, data: dict[str, Any]) -> Response:
    code = await d.codes.issue(
        tenant.id,
        {
            "client_id": data["c"],
            "redirect_uri": data["r"],
            "scope": data["s"],
            "nonce": data["n"] or None,
            "code_challenge": data["cc"] or None,
            "user_id": data["u"],
            "auth_time": data["at"],
            "family_id": new_id(),
        },
    )
    params = {"code": code, "state": data["st"], "iss": issuer_of(request, tenant.id)}
    return redirect_to_client(data["r"], params, 303)  # 303: the browser follows with GET


async def _form(
    request: Request, d: Deps, tenant: Tenant, blob: str, email: str = "", error: str = "", status: int = 200
) -> Response:
    nonce = request.cookies.get(CSRF_COOKIE) or new_nonce()
    issuer = issuer_of(request, tenant.id)
    response = login_page(
        tenant_name=tenant.display_name,
        action=f"{issuer}/login",
        request_blob=blob,
        csrf=csrf_token(d.page_key, nonce, blob),
        email=email,
        error=error,
        status=status,
        forgot_url=f"{issuer}/password/forgot",
        sso_links=await login_links(request, tenant.id, blob),
    )
    path = "/" + issuer.split("://", 1)[-1].partition("/")[2]
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        max_age=d.settings.login_request_ttl_seconds,
        path=path,
        httponly=True,
        samesite="lax",
        secure=issuer.startswith("https://"),
    )
    return response


async def _tenant(request: Request, *, active: bool = True) -> Tenant | None:
    try:
        return await path_tenant(request, active=active)
    except TenantNotFoundError:
        return None


def _pending(d: Deps, tenant: Tenant | None, blob: str) -> dict[str, Any] | None:
    data = unseal(d.page_key, blob) if blob else None
    return data if data is not None and tenant is not None and data.get("t") == tenant.id else None
