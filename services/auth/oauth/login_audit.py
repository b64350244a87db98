"""Audit entries of the login form: failures (with the reason we never tell the user, and the
budget that refused a throttled attempt) and an account's spent budget (ACCOUNT_LOCKED)."""

from __future__ import annotations

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.model import FAILURE, AuditEntry, user_actor
from services.auth.oauth.base import Deps
from services.auth.oauth.throttle import Budget
from services.auth.tenants.model import Tenant

R = events.LoginFailureReason


async def failed(
    d: Deps,
    reason: events.LoginFailureReason,
    user_id: str | None,
    *,
    tenant: Tenant,
    email: str,
    ip: str,
    agent: str,
    client_id: str,
    count: int = 0,
    budget: Budget | None = None,
) -> None:
    """A failed sign-in; ``budget`` names the throttle that refused it (reason RATE_LIMITED)."""
    subject = f"users/{user_id}" if user_id else tenant.name
    await d.audit.record(
        AuditEntry(
            tenant_id=tenant.id,
            type=audit_pb2.AUDIT_EVENT_TYPE_LOGIN,
            outcome=FAILURE,
            subject=subject,
            target=subject,
            client_id=client_id,
            actor=user_actor(user_id or "", email[:320]),
            ip_address=ip,
            user_agent=agent,
            failure_reason=R.Name(reason).removeprefix("LOGIN_FAILURE_REASON_").lower(),
            details={"budget": budget.value} if budget else {},
            payload=events.LoginFailed(
                email=email[:320],
                user=f"users/{user_id}" if user_id else "",
                reason=reason,
                method=events.LOGIN_METHOD_PASSWORD,
                ip_address=ip,
                user_agent=agent[:512],
                consecutive_failures=count,
            ),
        )
    )


async def locked(d: Deps, tenant: Tenant, email: str, user_id: str | None, ip: str) -> None:
    """The account's budget (every address together) is spent: addresses it never signed in
    from wait for the end of the window."""
    subject = f"users/{user_id}" if user_id else tenant.name
    await d.audit.record(
        AuditEntry(
            tenant_id=tenant.id,
            type=audit_pb2.AUDIT_EVENT_TYPE_ACCOUNT_LOCKED,
            outcome=FAILURE,
            subject=subject,
            target=subject,
            actor=user_actor(user_id or "", email[:320]),
            ip_address=ip,
            failure_reason="rate_limited",
            details={
                "budget": Budget.ACCOUNT.value,
                "window_seconds": str(d.settings.login_account_window_seconds),
            },
            payload=events.LoginFailed(
                email=email[:320],
                user=f"users/{user_id}" if user_id else "",
                reason=R.LOGIN_FAILURE_REASON_ACCOUNT_LOCKED,
                method=events.LOGIN_METHOD_PASSWORD,
                ip_address=ip,
                consecutive_failures=d.settings.login_max_failures_per_account,
            ),
        )
    )
