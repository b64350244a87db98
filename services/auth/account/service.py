"""Self-service account flows: password reset, password change, email verification.

No enumeration: a reset request answers the same, and as fast, whether or not the address has an
account — the lookup and the email happen after the answer, in the background, and requests are
throttled per account (tenant + SHA-256 of the email) and per client IP whatever the outcome.
A confirmed reset sets the password, verifies the address (the link proved the mailbox) and
revokes every refresh token family of the user."""

from __future__ import annotations

import redis.asyncio as aioredis

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import user_events_pb2 as events
from services.auth.account.tokens import EmailTokens, TokenKind
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.common import ts
from services.auth.crypto import digest
from services.auth.grants.refresh import RefreshTokens
from services.auth.mail import messages
from services.auth.mail.background import Background
from services.auth.mail.sender import Mailer
from services.auth.oauth.throttle import LoginThrottle
from services.auth.passwords import hash_password, verify_password
from services.auth.settings import AuthSettings
from services.auth.tenants.service import TenantService
from services.auth.users.model import User, UserStatus, email_key
from services.auth.users.repository import UserRepository
from services.kit.errors import EtagMismatch, InvalidArgument, NotFound
from services.kit.identity import Identity

T = audit_pb2
BAD_TOKEN = "the link is invalid, already used or expired; ask for a new one"  # noqa: S105


class AccountService:
    def __init__(
        self,
        users: UserRepository,
        tenants: TenantService,
        tokens: EmailTokens,
        refresh: RefreshTokens,
        login_throttle: LoginThrottle,
        audit: AuditLog,
        mailer: Mailer,
        redis: aioredis.Redis,
        settings: AuthSettings,
    ) -> None:
        self.users = users
        self.tenants = tenants
        self.tokens = tokens
        self.refresh = refresh
        self.login_throttle = login_throttle
        self.audit = audit
        self.mailer = mailer
        self.redis = redis
        self.settings = settings
        self.background = Background()

    # -- password reset -------------------------------------------------------------------
    async def request_reset(self, tenant_id: str, email: str, ip: str) -> None:
        """Returns at once, the same for every address; the email (if any) goes out after."""
        if await self._reset_allowed(tenant_id, email, ip):
            self.background.spawn(self._send_reset(tenant_id, email, ip), "password reset email")

    async def _reset_allowed(self, tenant_id: str, email: str, ip: str) -> bool:
        s = self.settings
        account = f"auth:reset:acct:{tenant_id}:{digest(email.strip().lower())[:32]}"
        by_ip = f"auth:reset:ip:{ip}"
        pipe = self.redis.pipeline(transaction=False)
        for key in (account, by_ip):
            pipe.incr(key)
            pipe.expire(key, s.reset_window_seconds, nx=True)
        account_n, _, ip_n, _ = await pipe.execute()
        return int(account_n) <= s.reset_max_per_account and int(ip_n) <= s.reset_max_per_ip

    async def _send_reset(self, tenant_id: str, email: str, ip: str) -> None:
        tenant = await self.tenants.cached(tenant_id)
        user = (
            await self.users.by_email(tenant_id=tenant_id, email=email) if tenant and tenant.active else None
        )
        if tenant is None or user is None or user.status is UserStatus.DISABLED:
            return
        token, expires = await self.tokens.issue(
            TokenKind.PASSWORD_RESET,
            tenant_id=tenant_id,
            user_id=user.id,
            email=user.email,
            ttl_seconds=self.settings.password_reset_ttl_seconds,
        )
        link = f"{self.tenants.issuer(tenant_id)}/password/reset?token={token}"
        mail = messages.password_reset(tenant_name=tenant.display_name, link=link, expires=expires)
        await self.mailer.send(user.email, mail.subject, mail.text)
        await self._audit(
            user,
            T.AUDIT_EVENT_TYPE_PASSWORD_RESET_REQUESTED,
            events.PasswordResetRequested(user=user.name, expire_time=ts(expires), ip_address=ip),
            ip,
        )

    async def reset_token_valid(self, token: str) -> bool:
        return await self.tokens.peek(TokenKind.PASSWORD_RESET, token) is not None

    async def confirm_reset(self, token: str, new_password: str, ip: str = "") -> str:
        """Sets the password; returns the issuer where the user signs in."""
        password_hash = await hash_password(new_password)
        found = await self.tokens.consume(TokenKind.PASSWORD_RESET, token)
        user = await self._user_of(found.tenant_id, found.user_id, found.email) if found else None
        if found is None or user is None:
            raise InvalidArgument.field("token", BAD_TOKEN)
        changes: dict[str, object] = {"password_hash": password_hash, "email_verified": True}
        if user.status is UserStatus.PENDING:
            changes["status"] = UserStatus.ACTIVE.value
        # Only while the user is as checked: the address the link went to, the status it had.
        expect = {"email_key": email_key(user.email), "status": user.status.value}
        updated = await self.users.update(
            tenant_id=user.tenant_id, user_id=user.id, changes=changes, expect=expect
        )
        if updated is None:
            raise InvalidArgument.field("token", BAD_TOKEN)
        await self.refresh.revoke_user(tenant_id=user.tenant_id, user_id=user.id)
        # The link proved the mailbox: sign-in is open again, however many failures strangers
        # ran up (OWASP: the reset path works while an account's login is throttled).
        await self.login_throttle.forgive(user.tenant_id, user.email, ip)
        await self._audit(
            user,
            T.AUDIT_EVENT_TYPE_PASSWORD_RESET_COMPLETED,
            events.PasswordResetCompleted(user=user.name, ip_address=ip),
            ip,
        )
        return self.tenants.issuer(user.tenant_id)

    async def change_password(self, who: Identity, current: str, new: str) -> None:
        user = await self.users.get(tenant_id=who.tenant_id, user_id=who.subject)
        if user is None:
            raise NotFound(f"users/{who.subject}")
        if not await verify_password(user.password_hash, current):
            raise InvalidArgument.field("current_password", "the current password is not correct")
        changed = await self.users.update(
            tenant_id=user.tenant_id,
            user_id=user.id,
            changes={"password_hash": await hash_password(new)},
            expect={"password_hash": user.password_hash},  # the one just verified
        )
        if changed is None:
            raise EtagMismatch(user.name)  # changed meanwhile: the caller checks again
        await self.refresh.revoke_user(tenant_id=user.tenant_id, user_id=user.id)
        await self._audit(user, T.AUDIT_EVENT_TYPE_PASSWORD_CHANGED, events.PasswordChanged(user=user.name))

    # -- email verification ---------------------------------------------------------------
    def verify_later(self, user: User) -> None:
        """After a user was created, in the background (a mail server outage must not fail the
        creation): the verification email, or — for a user created without a password — a link
        to choose one (a reset token: confirming it sets the password, verifies the address and
        activates the account)."""
        if not user.has_password:
            self.background.spawn(self.send_set_password(user), "set-password email")
        elif not user.email_verified:
            self.background.spawn(self.send_verification(user), "verification email")

    async def send_set_password(self, user: User) -> None:
        tenant = await self.tenants.cached(user.tenant_id)
        token, expires = await self.tokens.issue(
            TokenKind.PASSWORD_RESET,
            tenant_id=user.tenant_id,
            user_id=user.id,
            email=user.email,
            ttl_seconds=self.settings.email_verification_ttl_seconds,
        )
        link = f"{self.tenants.issuer(user.tenant_id)}/password/reset?token={token}"
        mail = messages.set_password(
            tenant_name=tenant.display_name if tenant else user.tenant_id, link=link, expires=expires
        )
        await self.mailer.send(user.email, mail.subject, mail.text)

    async def send_verification(self, user: User) -> None:
        tenant = await self.tenants.cached(user.tenant_id)
        token, expires = await self.tokens.issue(
            TokenKind.EMAIL_VERIFICATION,
            tenant_id=user.tenant_id,
            user_id=user.id,
            email=user.email,
            ttl_seconds=self.settings.email_verification_ttl_seconds,
        )
        link = f"{self.tenants.issuer(user.tenant_id)}/email/verify?token={token}"
        mail = messages.email_verification(
            tenant_name=tenant.display_name if tenant else user.tenant_id, link=link, expires=expires
        )
        await self.mailer.send(user.email, mail.subject, mail.text)

    async def request_verification(self, who: Identity) -> bool:
        """True when the address is already verified (nothing sent)."""
        user = await self.users.get(tenant_id=who.tenant_id, user_id=who.subject)
        if user is None:
            raise NotFound(f"users/{who.subject}")
        if user.email_verified:
            return True
        await self.send_verification(user)
        return False

    async def confirm_verification(self, token: str, ip: str = "") -> User:
        found = await self.tokens.consume(TokenKind.EMAIL_VERIFICATION, token)
        user = await self._user_of(found.tenant_id, found.user_id, found.email) if found else None
        if user is None:
            raise InvalidArgument.field("token", BAD_TOKEN)
        updated = await self.users.update(
            tenant_id=user.tenant_id,
            user_id=user.id,
            changes={"email_verified": True},
            expect={"email_key": email_key(user.email)},
        )
        if updated is None:
            raise InvalidArgument.field("token", BAD_TOKEN)
        await self._audit(
            updated,
            T.AUDIT_EVENT_TYPE_EMAIL_VERIFIED,
            events.EmailVerified(user=user.name, email=user.email),
            ip,
        )
        return updated

    async def _user_of(self, tenant_id: str, user_id: str, email: str) -> User | None:
        """The token's user, if it still has the address the link was sent to and may sign in."""
        tenant = await self.tenants.cached(tenant_id)
        user = await self.users.get(tenant_id=tenant_id, user_id=user_id)
        if tenant is None or not tenant.active or user is None or user.status is UserStatus.DISABLED:
            return None
        return user if user.email.strip().lower() == email.strip().lower() else None

    async def _audit(self, user: User, kind: T.AuditEventType, payload: object, ip: str = "") -> None:
        await self.audit.record(
            AuditEntry(
                tenant_id=user.tenant_id,
                type=kind,
                subject=user.name,
                target=user.name,
                actor=user_actor(user.id, user.email),
                ip_address=ip,
                payload=payload,  # type: ignore[arg-type]
            )
        )
