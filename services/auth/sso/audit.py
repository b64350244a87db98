"""Audit entries of SSO sign-ins: successes, refusals (with the reason we log but never show in
detail), new links and auto-provisioned users. Never a token, code, state or secret in them."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from openframe.events.v1 import user_events_pb2 as user_events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import FAILURE, AuditEntry, user_actor
from services.auth.users.convert import to_pb as user_pb
from services.auth.users.model import User

R = events.LoginFailureReason


@dataclass(frozen=True)
class Attempt:
    """Who tries to sign in where: what every SSO audit entry of one callback shares."""

    tenant_id: str
    provider: str  # "ssoProviders/{id}"
    client_id: str
    ip: str
    agent: str


async def succeeded(audit: AuditLog, at: Attempt, user: User, how: str) -> None:
    await audit.record(
        AuditEntry(
            tenant_id=at.tenant_id,
            type=audit_pb2.AUDIT_EVENT_TYPE_LOGIN,
            subject=user.name,
            target=user.name,
            client_id=at.client_id,
            actor=user_actor(user.id, user.email),
            ip_address=at.ip,
            user_agent=at.agent,
            details={"sso_provider": at.provider, "account": how},
            payload=events.LoginSucceeded(
                user=user.name,
                method=events.LOGIN_METHOD_SSO,
                sso_provider=at.provider,
                client_id=at.client_id,
                ip_address=at.ip,
                user_agent=at.agent[:512],
            ),
        )
    )


async def failed(
    audit: AuditLog,
    at: Attempt,
    reason: str,
    *,
    code: events.LoginFailureReason = R.LOGIN_FAILURE_REASON_SSO_ERROR,
    email: str = "",
    user_id: str = "",
    detail: str = "",
) -> None:
    subject = f"users/{user_id}" if user_id else f"tenants/{at.tenant_id}"
    details = {"sso_provider": at.provider} if at.provider else {}
    if detail:
        details["detail"] = detail[:200]
    await audit.record(
        AuditEntry(
            tenant_id=at.tenant_id,
            type=audit_pb2.AUDIT_EVENT_TYPE_LOGIN,
            outcome=FAILURE,
            subject=subject,
            target=subject,
            client_id=at.client_id,
            actor=user_actor(user_id, email[:320]),
            ip_address=at.ip,
            user_agent=at.agent,
            failure_reason=reason,
            details=details,
            payload=events.LoginFailed(
                email=email[:320],
                user=f"users/{user_id}" if user_id else "",
                reason=code,
                method=events.LOGIN_METHOD_SSO,
                ip_address=at.ip,
                user_agent=at.agent[:512],
            ),
        )
    )


async def linked(audit: AuditLog, at: Attempt, user: User, upstream_subject: str) -> None:
    """A user gained a linked identity: a change of the user (its ``linked_identities``)."""
    await audit.record(
        AuditEntry(
            tenant_id=at.tenant_id,
            type=audit_pb2.AUDIT_EVENT_TYPE_USER_UPDATED,
            subject=user.name,
            target=user.name,
            client_id=at.client_id,
            actor=user_actor(user.id, user.email),
            ip_address=at.ip,
            user_agent=at.agent,
            details={
                "change": "sso_identity_linked",
                "sso_provider": at.provider,
                "upstream_sub": upstream_subject[:255],
            },
            payload=user_events.UserUpdated(
                user=user_pb(user), update_mask=FieldMask(paths=["linked_identities"])
            ),
        )
    )


async def provisioned(audit: AuditLog, at: Attempt, user: User) -> None:
    await audit.record(
        AuditEntry(
            tenant_id=at.tenant_id,
            type=audit_pb2.AUDIT_EVENT_TYPE_USER_CREATED,
            subject=user.name,
            target=user.name,
            client_id=at.client_id,
            actor=user_actor(user.id, user.email),
            ip_address=at.ip,
            user_agent=at.agent,
            details={"method": "sso", "sso_provider": at.provider},
            payload=user_events.UserCreated(user=user_pb(user), method=user_events.USER_CREATION_METHOD_SSO),
        )
    )
