"""User rules: tenant-scoped, ADMIN/OWNER administer, only the OWNER changes an ADMIN, exactly one
OWNER (moved only by TransferOwnership; the tenant document's owner pointer is the truth)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import user_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.common import new_id
from services.auth.grants.refresh import RefreshTokens
from services.auth.passwords import hash_password
from services.auth.tenants.repository import TenantRepository
from services.auth.users.convert import ROLE_TO_PB, STATUS_TO_PB, to_pb
from services.auth.users.model import ADMINS, MUTABLE_FIELDS, PROFILE_FIELDS, Role, User, UserStatus
from services.auth.users.pages import find_page
from services.auth.users.repository import UserRepository
from services.kit.errors import EtagMismatch, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.kit.identity import Identity
from services.kit.resources import check_update_mask

T = audit_pb2


class UserService:
    def __init__(
        self, repo: UserRepository, tenants: TenantRepository, audit: AuditLog, revoker: RefreshTokens
    ) -> None:
        self.repo = repo
        self.tenants = tenants
        self.audit = audit
        self.revoker = revoker
        self.find_page = find_page(repo)
        #: Called with every user created here (the app sends the verification email).
        self.on_created: Callable[[User], None] = lambda user: None

    async def get(self, tenant_id: str, user_id: str) -> User:
        user = await self.repo.get(tenant_id=tenant_id, user_id=user_id)
        if user is None:
            raise NotFound(f"users/{user_id}")
        return user

    async def create(self, who: Identity, fields: dict[str, Any], role: Role | None, password: str) -> User:
        _require_admin(who)
        if role is Role.OWNER:
            raise InvalidArgument.field("user.role", "OWNER is reached only through TransferOwnership")
        user = User(
            id=new_id(),
            tenant_id=who.tenant_id,
            role=role or Role.TECHNICIAN,
            status=UserStatus.ACTIVE if password else UserStatus.PENDING,
            password_hash=await hash_password(password) if password else None,
            **{k: v for k, v in fields.items() if k in MUTABLE_FIELDS},
        )
        created = await self.repo.insert(user)
        await self._audit(
            who,
            created,
            T.AUDIT_EVENT_TYPE_USER_CREATED,
            events.UserCreated(user=to_pb(created), method=events.USER_CREATION_METHOD_DIRECT),
        )
        self.on_created(created)
        return created

    async def update(
        self, who: Identity, user_id: str, fields: dict[str, Any], mask: list[str], etag: str
    ) -> User:
        check_update_mask(mask, MUTABLE_FIELDS)
        target = await self.get(who.tenant_id, user_id)
        if user_id != who.subject:
            self._may_change(who, target)
        elif set(mask) - PROFILE_FIELDS:
            _require_admin(who)  # changing one's own email needs ADMIN or OWNER
        changes = {path: fields[path] for path in mask}
        if "email" in changes and changes["email"].lower() != target.email.lower():
            changes["email_verified"] = False
        updated = await self._write(who.tenant_id, user_id, changes, {"etag": etag or target.etag})
        await self._audit(
            who,
            updated,
            T.AUDIT_EVENT_TYPE_USER_UPDATED,
            events.UserUpdated(user=to_pb(updated), update_mask=FieldMask(paths=mask)),
        )
        return updated

    async def delete(self, who: Identity, user_id: str, etag: str) -> None:
        target = await self.get(who.tenant_id, user_id)
        self._may_change(who, target)
        if target.role is Role.OWNER:
            raise FailedPrecondition("the owner cannot be deleted; transfer ownership first")
        expect: dict[str, Any] = {"role": target.role.value, **({"etag": etag} if etag else {})}
        if not await self.repo.delete(tenant_id=who.tenant_id, user_id=user_id, expect=expect):
            raise EtagMismatch(target.name)
        await self.revoker.revoke_user(tenant_id=who.tenant_id, user_id=user_id)
        await self._audit(
            who,
            target,
            T.AUDIT_EVENT_TYPE_USER_DELETED,
            events.UserDeleted(user=target.name, email=target.email),
        )

    async def set_role(self, who: Identity, user_id: str, role: Role, etag: str) -> User:
        target = await self.get(who.tenant_id, user_id)
        self._may_change(who, target)
        if target.role is Role.OWNER:
            raise FailedPrecondition("the owner's role changes only through TransferOwnership")
        expect = {"role": target.role.value, **({"etag": etag} if etag else {})}
        updated = await self._write(who.tenant_id, user_id, {"role": role.value}, expect)
        await self._role_changed(who, updated, target.role)
        return updated

    async def set_enabled(self, who: Identity, user_id: str, enabled: bool, etag: str) -> User:
        target = await self.get(who.tenant_id, user_id)
        self._may_change(who, target)
        if target.role is Role.OWNER and not enabled:
            raise FailedPrecondition("the owner cannot be disabled")
        status = (
            (UserStatus.ACTIVE if target.has_password else UserStatus.PENDING)
            if enabled
            else UserStatus.DISABLED
        )
        expect = {"role": target.role.value, **({"etag": etag} if etag else {})}
        updated = await self._write(who.tenant_id, user_id, {"status": status.value}, expect)
        if not enabled:
            await self.revoker.revoke_user(tenant_id=who.tenant_id, user_id=user_id)
        await self._audit(
            who,
            updated,
            T.AUDIT_EVENT_TYPE_USER_STATUS_CHANGED,
            events.UserStatusChanged(
                user=to_pb(updated), previous_status=STATUS_TO_PB[target.status], status=STATUS_TO_PB[status]
            ),
        )
        return updated

    async def transfer_ownership(self, who: Identity, user_id: str) -> tuple[User, User]:
        tenant = await self.tenants.get(who.tenant_id)
        if tenant is None or Role.OWNER.value not in who.roles or who.subject != tenant.owner_id:
            raise PermissionDenied("only the current owner can transfer ownership")
        target = await self.get(who.tenant_id, user_id)
        if target.status is not UserStatus.ACTIVE or target.id == tenant.owner_id:
            raise FailedPrecondition("the new owner must be another, active user")
        # The tenant's pointer moves first (compare-and-set), then the two roles follow.
        if (
            await self.tenants.update(
                tenant.id, {"owner_id": target.id}, expect={"owner_id": tenant.owner_id}
            )
            is None
        ):
            raise EtagMismatch(tenant.name)
        previous = await self._write(
            who.tenant_id, tenant.owner_id, {"role": Role.ADMIN.value}, {"role": "OWNER"}
        )
        new_owner = await self.repo.update(
            tenant_id=who.tenant_id,
            user_id=target.id,
            changes={"role": Role.OWNER.value},
            expect={"status": "ACTIVE"},
        )
        if new_owner is None:  # disabled meanwhile: put everything back
            await self.repo.update(
                tenant_id=who.tenant_id,
                user_id=previous.id,
                changes={"role": Role.OWNER.value},
                expect={"etag": previous.etag},  # as the transfer left it
            )
            await self.tenants.update(tenant.id, {"owner_id": previous.id}, expect={"owner_id": target.id})
            raise FailedPrecondition("the new owner must be another, active user")
        await self._audit(
            who,
            new_owner,
            T.AUDIT_EVENT_TYPE_OWNERSHIP_TRANSFERRED,
            events.OwnershipTransferred(previous_owner=previous.name, new_owner=new_owner.name),
            subject=tenant.name,
        )
        await self._role_changed(who, previous, Role.OWNER)
        await self._role_changed(who, new_owner, target.role)
        return new_owner, previous

    def _may_change(self, who: Identity, target: User) -> None:
        _require_admin(who)
        if (
            target.role in (Role.ADMIN, Role.OWNER)
            and Role.OWNER.value not in who.roles
            and target.id != who.subject
        ):
            raise PermissionDenied("only the owner can change an administrator")

    async def _write(
        self, tenant_id: str, user_id: str, changes: dict[str, Any], expect: dict[str, Any]
    ) -> User:
        updated = await self.repo.update(tenant_id=tenant_id, user_id=user_id, changes=changes, expect=expect)
        if updated is None:
            await self.get(tenant_id, user_id)
            raise EtagMismatch(f"users/{user_id}")
        return updated

    async def _role_changed(self, who: Identity, user: User, previous: Role) -> None:
        await self._audit(
            who,
            user,
            T.AUDIT_EVENT_TYPE_USER_ROLE_CHANGED,
            events.UserRoleChanged(
                user=to_pb(user), previous_role=ROLE_TO_PB[previous], role=ROLE_TO_PB[user.role]
            ),
            old_role=previous.value,
            new_role=user.role.value,
        )

    async def _audit(
        self,
        who: Identity,
        user: User,
        kind: audit_pb2.AuditEventType,
        payload: Any,
        subject: str = "",
        **details: str,
    ) -> None:
        await self.audit.record(
            AuditEntry(
                tenant_id=who.tenant_id,
                type=kind,
                subject=subject or user.name,
                target=user.name,
                actor=user_actor(who.subject),
                details=details,
                payload=payload,
            )
        )


def _require_admin(who: Identity) -> None:
    who.require_any_role(*ADMINS)
