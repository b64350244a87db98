"""Invitation rules: ADMIN/OWNER invite an address with a role (never OWNER); the email carries a
single-use link that expires; resending replaces the token (the old link stops working);
accepting creates the user (email verified: the link proved the mailbox) and consumes the
token by compare-and-set, so two accepts of one link cannot both succeed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import user_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.common import new_id, uuid7
from services.auth.crypto import digest, new_secret
from services.auth.invitations.convert import to_pb
from services.auth.invitations.model import Invitation, InvitationStatus
from services.auth.invitations.repository import PENDING, InvitationRepository
from services.auth.mail import messages
from services.auth.mail.sender import Mailer
from services.auth.passwords import hash_password
from services.auth.tenants.model import Tenant
from services.auth.tenants.service import TenantService
from services.auth.users import convert as users_convert
from services.auth.users.model import ADMINS, Role, User, UserStatus
from services.auth.users.repository import UserRepository
from services.kit.errors import AlreadyExists, EtagMismatch, FailedPrecondition, InvalidArgument, NotFound
from services.kit.identity import Identity
from services.kit.mongo import now
from services.kit.pagination import Page, decode_token, page_of, page_size

T = audit_pb2
#: What an unknown, used, revoked or expired token is (the contract says NOT_FOUND).
INVITATION_TOKEN = "invitation token"  # noqa: S105 (a resource label)


@dataclass(frozen=True)
class Pending:
    """What an accept page shows about a token (LookupInvitation)."""

    invitation: Invitation
    tenant: Tenant


class InvitationService:
    def __init__(
        self,
        repo: InvitationRepository,
        users: UserRepository,
        tenants: TenantService,
        audit: AuditLog,
        mailer: Mailer,
        *,
        default_ttl_seconds: int,
    ) -> None:
        self.repo = repo
        self.users = users
        self.tenants = tenants
        self.audit = audit
        self.mailer = mailer
        self.default_ttl = default_ttl_seconds

    def accept_link(self, tenant_id: str, token: str) -> str:
        return f"{self.tenants.issuer(tenant_id)}/invitation?token={token}"

    async def get(self, who: Identity, invitation_id: str) -> Invitation:
        who.require_any_role(*ADMINS)
        found = await self.repo.get(tenant_id=who.tenant_id, invitation_id=invitation_id)
        if found is None:
            raise NotFound(f"invitations/{invitation_id}")
        return found

    async def list(
        self, who: Identity, *, status: InvitationStatus | None, search: str, size: int, token: str
    ) -> Page[Invitation]:
        who.require_any_role(*ADMINS)
        position = decode_token(token, keys={"id"})
        limit = page_size(size)
        rows = await self.repo.find_page(
            tenant_id=who.tenant_id,
            status=status,
            search=search,
            before=str(position["id"]) if position else None,
            limit=limit + 1,
        )
        return page_of(rows, limit, lambda invitation: {"id": invitation.id})

    async def create(
        self, who: Identity, *, email: str, role: Role | None, message: str, ttl_seconds: int | None
    ) -> Invitation:
        who.require_any_role(*ADMINS)
        if role is Role.OWNER:
            raise InvalidArgument.field("invitation.role", "OWNER is reached only through TransferOwnership")
        if await self.users.by_email(tenant_id=who.tenant_id, email=email) is not None:
            raise AlreadyExists(f"a user with the email {email!r} already exists")
        if await self.repo.open_for(tenant_id=who.tenant_id, email=email) is not None:
            raise AlreadyExists(f"a pending invitation for {email!r} already exists")
        inviter = await self.users.get(tenant_id=who.tenant_id, user_id=who.subject)
        token = new_secret()
        # Stored as sent (send_count 1): removed again below if the mail server refuses it.
        sent = await self.repo.insert(
            Invitation(
                id=uuid7(),
                tenant_id=who.tenant_id,
                email=email,
                role=role or Role.TECHNICIAN,
                message=message,
                expire_time=now() + timedelta(seconds=ttl_seconds or self.default_ttl),
                inviter_id=who.subject,
                inviter_name=inviter.display_name if inviter else "",
                send_count=1,
                last_send_time=now(),
            ),
            digest(token),
        )
        try:
            await self._send(sent, token)
        except Exception:
            # Never sent: nobody holds the token, so the invitation would only block a retry.
            await self.repo.delete(tenant_id=who.tenant_id, invitation_id=sent.id, etag=sent.etag)
            raise
        await self._audit(
            who, sent, T.AUDIT_EVENT_TYPE_INVITATION_SENT, events.InvitationSent(invitation=to_pb(sent))
        )
        return sent

    async def resend(
        self, who: Identity, invitation_id: str, ttl_seconds: int | None, etag: str
    ) -> Invitation:
        current = await self.get(who, invitation_id)
        if current.status is not InvitationStatus.PENDING:
            raise FailedPrecondition(
                f"{current.name} is {current.status.value.lower()}; only pending or expired can be resent"
            )
        token = new_secret()
        updated = await self.repo.update(
            tenant_id=who.tenant_id,
            invitation_id=invitation_id,
            changes={
                "token_hash": digest(token),
                "expire_time": now() + timedelta(seconds=ttl_seconds or self.default_ttl),
                "send_count": current.send_count + 1,
                "last_send_time": now(),
            },
            expect={"status": PENDING, "etag": etag or current.etag},
        )
        if updated is None:
            raise EtagMismatch(current.name)
        await self._send(updated, token)
        await self._audit(
            who,
            updated,
            T.AUDIT_EVENT_TYPE_INVITATION_SENT,
            events.InvitationSent(invitation=to_pb(updated), resend=True),
        )
        return updated

    async def revoke(self, who: Identity, invitation_id: str, etag: str) -> Invitation:
        current = await self.get(who, invitation_id)
        if current.status is not InvitationStatus.PENDING:
            raise FailedPrecondition(
                f"{current.name} is {current.status.value.lower()}; only pending ones can be revoked"
            )
        updated = await self.repo.update(
            tenant_id=who.tenant_id,
            invitation_id=invitation_id,
            changes={"status": InvitationStatus.REVOKED.value, "token_hash": None},
            expect={"status": PENDING, "etag": etag or current.etag},
        )
        if updated is None:
            raise EtagMismatch(current.name)
        await self._audit(
            who,
            updated,
            T.AUDIT_EVENT_TYPE_INVITATION_REVOKED,
            events.InvitationRevoked(invitation=to_pb(updated)),
        )
        return updated

    async def lookup(self, token: str) -> Pending:
        invitation = await self.repo.by_token(digest(token))
        tenant = await self.tenants.cached(invitation.tenant_id) if invitation else None
        if invitation is None or tenant is None or not tenant.active:
            raise NotFound(INVITATION_TOKEN)
        return Pending(invitation, tenant)

    async def accept(self, token: str, display_name: str, password: str, ip: str = "") -> tuple[User, Tenant]:
        pending = await self.lookup(token)
        invitation, tenant = pending.invitation, pending.tenant
        password_hash = await hash_password(password)  # the slow part, before the token is taken
        taken = await self.repo.update(
            tenant_id=tenant.id,
            invitation_id=invitation.id,
            changes={"status": InvitationStatus.ACCEPTED.value, "accept_time": now(), "token_hash": None},
            expect={"status": PENDING, "token_hash": digest(token), "expire_time": {"$gt": now()}},
        )
        if taken is None:
            raise NotFound(INVITATION_TOKEN)
        try:
            user = await self.users.insert(
                User(
                    id=new_id(),
                    tenant_id=tenant.id,
                    email=invitation.email,
                    display_name=display_name,
                    role=invitation.role,
                    status=UserStatus.ACTIVE,
                    email_verified=True,
                    password_hash=password_hash,
                )
            )
        except BaseException:
            # The user could not be created (e.g. the address got an account meanwhile): the
            # invitation stays usable rather than consumed for nothing.
            await self.repo.update(
                tenant_id=tenant.id,
                invitation_id=invitation.id,
                changes={"status": PENDING, "accept_time": None, "token_hash": digest(token)},
                expect={"etag": taken.etag},  # as we took it: nothing else wrote since
            )
            raise
        accepted = await self.repo.update(
            tenant_id=tenant.id,
            invitation_id=invitation.id,
            changes={"user_id": user.id},
            expect={"etag": taken.etag},
        )
        assert accepted is not None
        actor = user_actor(user.id, user.email)
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant.id,
                type=T.AUDIT_EVENT_TYPE_INVITATION_ACCEPTED,
                subject=accepted.name,
                target=user.name,
                actor=actor,
                ip_address=ip,
                payload=events.InvitationAccepted(invitation=to_pb(accepted), user=user.name),
            )
        )
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant.id,
                type=T.AUDIT_EVENT_TYPE_USER_CREATED,
                subject=user.name,
                target=user.name,
                actor=actor,
                ip_address=ip,
                details={"role": user.role.value, "invitation": accepted.name},
                payload=events.UserCreated(
                    user=users_convert.to_pb(user), method=events.USER_CREATION_METHOD_INVITATION
                ),
            )
        )
        return user, tenant

    async def _send(self, invitation: Invitation, token: str) -> None:
        tenant = await self.tenants.cached(invitation.tenant_id)
        mail = messages.invitation(
            tenant_name=tenant.display_name if tenant else invitation.tenant_id,
            inviter=invitation.inviter_name,
            role=invitation.role.value.title(),
            link=self.accept_link(invitation.tenant_id, token),
            expires=invitation.expire_time,
            message=invitation.message,
        )
        await self.mailer.send(invitation.email, mail.subject, mail.text)

    async def _audit(self, who: Identity, invitation: Invitation, kind: Any, payload: Any) -> None:
        await self.audit.record(
            AuditEntry(
                tenant_id=who.tenant_id,
                type=kind,
                subject=invitation.name,
                target=invitation.name,
                actor=user_actor(who.subject),
                details={"email": invitation.email, "role": invitation.role.value},
                payload=payload,
            )
        )
