"""Which of the tenant's users an upstream identity signs in as.

1. An identity already linked (provider + upstream ``sub``) signs in as its user — whatever its
   email says today.
2. Otherwise the upstream must vouch for the email (``email_verified``): an unverified email is
   never linked nor provisioned — anyone can type any address at some providers.
3. A user with that email gets the identity linked (once per provider: a second upstream account
   claiming the same email of an already linked user is refused, not silently re-linked).
4. No such user: created when the provider auto-provisions, with its (non-admin) role.
Email domains: the provider's allowed_email_domains, else the tenant's email_domains; when the
list is non-empty every SSO sign-in must match it, and auto-provisioning requires a non-empty one
(otherwise a public provider such as Google would let anyone in).
"""

from __future__ import annotations

from dataclasses import dataclass

from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.common import new_id
from services.auth.sso import audit
from services.auth.sso.audit import Attempt
from services.auth.sso.model import SsoProvider
from services.auth.sso.presets import email_domain
from services.auth.sso.repository import SsoRepository
from services.auth.sso.upstream import UpstreamIdentity
from services.auth.tenants.model import Tenant
from services.auth.users.model import User, UserStatus
from services.auth.users.repository import UserRepository
from services.kit.errors import AlreadyExists
from services.kit.mongo import now

R = events.LoginFailureReason


class Refused(Exception):
    """No sign-in: ``reason`` for the audit log, ``message`` for the person."""

    def __init__(
        self,
        reason: str,
        message: str,
        code: events.LoginFailureReason = R.LOGIN_FAILURE_REASON_SSO_ERROR,
        user_id: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.code = code
        self.user_id = user_id
        self.email = ""  # the upstream's, when known


NO_ACCOUNT = "There is no account for this email address here. Ask an administrator for an invitation."


@dataclass(frozen=True)
class Accounts:
    repo: SsoRepository
    users: UserRepository
    audit: AuditLog

    async def resolve(
        self, tenant: Tenant, provider: SsoProvider, ident: UpstreamIdentity, at: Attempt
    ) -> tuple[User, str]:
        """(user, how: "linked" | "new_link" | "provisioned"), or Refused."""
        if not ident.email:
            raise Refused("email_missing", "The sign-in provider did not share an email address.")
        domains = provider.allowed_email_domains or tenant.email_domains
        if domains and email_domain(ident.email) not in domains:
            raise Refused("domain_not_allowed", "This email domain cannot sign in here.")
        link = await self.repo.link_of(tenant_id=tenant.id, provider_id=provider.id, subject=ident.subject)
        if link is not None:
            user = await self.users.get(tenant_id=tenant.id, user_id=link.user_id)
            if user is not None:
                _usable(user)
                await self.repo.touch_link(tenant_id=tenant.id, link_id=link.id, email=ident.email, at=now())
                return user, "linked"
            await self.repo.unlink(tenant_id=tenant.id, link_id=link.id, user_id=link.user_id)  # user deleted
        if not ident.email_verified:
            raise Refused(
                "email_not_verified",
                "The sign-in provider has not verified this email address.",
                R.LOGIN_FAILURE_REASON_EMAIL_NOT_VERIFIED,
            )
        user = await self.users.by_email(tenant_id=tenant.id, email=ident.email)
        how = "new_link"
        if user is None:
            user = await self._provision(tenant, provider, ident, domains, at)
            how = "provisioned"
        _usable(user)
        await self._link(tenant, provider, ident, user, at)
        return user, how

    async def _link(
        self, tenant: Tenant, provider: SsoProvider, ident: UpstreamIdentity, user: User, at: Attempt
    ) -> None:
        existing = await self.repo.links_of_user(tenant_id=tenant.id, user_id=user.id)
        if any(link.provider_id == provider.id and link.subject != ident.subject for link in existing):
            raise Refused(
                "already_linked_to_another_upstream_account",
                "This account is already linked to another account of this provider.",
                user_id=user.id,
            )
        made = await self.repo.link(
            tenant_id=tenant.id,
            provider_id=provider.id,
            subject=ident.subject,
            user_id=user.id,
            email=ident.email,
        )
        if made is None:  # a concurrent sign-in linked it first: fine if to the same user
            again = await self.repo.link_of(
                tenant_id=tenant.id, provider_id=provider.id, subject=ident.subject
            )
            if again is None or again.user_id != user.id:
                raise Refused(
                    "link_conflict", "This account could not be linked. Try again.", user_id=user.id
                )
            return
        await audit.linked(self.audit, at, user, ident.subject)

    async def _provision(
        self, tenant: Tenant, provider: SsoProvider, ident: UpstreamIdentity, domains: list[str], at: Attempt
    ) -> User:
        if not provider.auto_provision:
            raise Refused("no_account", NO_ACCOUNT)
        if not domains:
            raise Refused("no_account", NO_ACCOUNT)  # never provision from an unrestricted provider
        claims = ident.claims
        user = User(
            id=new_id(),
            tenant_id=tenant.id,
            email=ident.email,
            display_name=_text(claims.get("name"), 200) or ident.email,
            given_name=_text(claims.get("given_name"), 100),
            family_name=_text(claims.get("family_name"), 100),
            role=provider.auto_provision_role,
            status=UserStatus.ACTIVE,
            email_verified=True,  # the upstream verified it; we checked above
        )
        try:
            created = await self.users.insert(user)
        except AlreadyExists:  # created concurrently: sign in as that user
            found = await self.users.by_email(tenant_id=tenant.id, email=ident.email)
            if found is None:
                raise Refused("no_account", NO_ACCOUNT) from None
            return found
        await audit.provisioned(self.audit, at, created)
        return created


def _usable(user: User) -> None:
    # PENDING users (created without a password, e.g. awaiting an invitation) may sign in with a
    # verified upstream email: it proves the same thing the invitation email would.
    if user.status is UserStatus.DISABLED:
        raise Refused(
            "account_disabled",
            "This account is not available.",
            R.LOGIN_FAILURE_REASON_ACCOUNT_DISABLED,
            user_id=user.id,
        )


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""
