"""Tenant rules: registration (tenant + OWNER + first signing key, all or nothing), discovery,
availability, status. Suspended and deleted tenants cannot sign in or get tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as security_events
from openframe.events.v1 import user_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.clients import convert as clients_convert
from services.auth.clients.console import console_client
from services.auth.clients.repository import ClientRepository
from services.auth.common import new_id
from services.auth.keys.service import SigningKeyService
from services.auth.passwords import hash_password
from services.auth.tenants import convert
from services.auth.tenants.model import PUBLIC_MAIL_DOMAINS, Tenant, TenantStatus, claimable_domain
from services.auth.tenants.repository import TenantRepository, is_stale
from services.auth.users import convert as users_convert
from services.auth.users.model import ADMINS, Role, User
from services.auth.users.repository import UserRepository
from services.kit.caching import TtlCache
from services.kit.errors import EtagMismatch, FailedPrecondition, InvalidArgument, NotFound
from services.kit.identity import Identity
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask

#: Fields UpdateTenant may change.
UPDATABLE = frozenset({"display_name", "email_domains"})


@dataclass(frozen=True)
class Registration:
    tenant_id: str
    display_name: str
    owner_email: str
    owner_password: str
    owner_display_name: str


class TenantService:
    def __init__(
        self,
        repo: TenantRepository,
        users: UserRepository,
        keys: SigningKeyService,
        audit: AuditLog,
        clients: ClientRepository,
        *,
        public_url: str,
        console_redirect_uris: list[str],
        cache_ttl: float,
    ) -> None:
        self.repo = repo
        self.clients = clients
        self.console_redirect_uris = console_redirect_uris
        self.users = users
        self.keys = keys
        self.audit = audit
        self.public_url = public_url.rstrip("/")
        self._cache: TtlCache[str, Tenant | None] = TtlCache(cache_ttl)
        #: Called with the owner of every registered tenant (the app sends the verification email).
        self.on_registered: Callable[[User], None] = lambda owner: None

    def issuer(self, tenant_id: str) -> str:
        return f"{self.public_url}/auth/tenants/{tenant_id}"

    async def cached(self, tenant_id: str) -> Tenant | None:
        """The tenant as the token endpoint sees it (per-process cache, see TtlCache)."""
        return await self._cache.get_or_load(tenant_id, lambda: self.repo.get(tenant_id))

    def forget(self, tenant_id: str) -> None:
        """Drop the cached tenant (after a change made elsewhere, e.g. a key rotation)."""
        self._cache.invalidate(tenant_id)

    async def register(self, reg: Registration) -> tuple[Tenant, User]:
        tenant = await self.repo.claim_id(Tenant(id=reg.tenant_id, display_name=reg.display_name))
        domain = claimable_domain(reg.owner_email)
        try:
            await self._remove_remnants(tenant.id)
            if domain:
                await self.repo.claim_domain(domain=domain, tenant_id=tenant.id)
            key = await self.keys.generate(tenant.id)
            console = await self.clients.insert(console_client(tenant.id, self.console_redirect_uris))
            owner = await self.users.insert(
                User(
                    id=new_id(),
                    tenant_id=tenant.id,
                    email=reg.owner_email,
                    display_name=reg.owner_display_name,
                    role=Role.OWNER,
                    password_hash=await hash_password(reg.owner_password),
                )
            )
            activated = await self.repo.update(
                tenant.id,
                {
                    "status": TenantStatus.ACTIVE.value,
                    "owner_id": owner.id,
                    "active_key_id": key.id,
                    "email_domains": [domain] if domain else [],
                },
                expect={"status": TenantStatus.PROVISIONING.value, "etag": tenant.etag},
            )
            if activated is None:
                raise EtagMismatch(f"tenants/{tenant.id}")
        except BaseException:
            # Nothing half-written: undo in reverse (each step is idempotent).
            await self._remove_remnants(tenant.id)
            await self.repo.delete_provisioning(tenant.id)
            raise
        self._cache.invalidate(tenant.id)
        await self.keys.changed()
        actor = user_actor(owner.id, owner.email)
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant.id,
                type=audit_pb2.AUDIT_EVENT_TYPE_TENANT_CHANGED,
                subject=activated.name,
                target=activated.name,
                actor=actor,
                details={"change": "registered"},
                payload=events.TenantCreated(
                    tenant=convert.to_pb(activated, self.issuer(tenant.id)), owner=users_convert.to_pb(owner)
                ),
            )
        )
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant.id,
                type=audit_pb2.AUDIT_EVENT_TYPE_USER_CREATED,
                subject=owner.name,
                target=owner.name,
                actor=actor,
                details={"role": Role.OWNER.value},
                payload=events.UserCreated(
                    user=users_convert.to_pb(owner), method=events.USER_CREATION_METHOD_TENANT_REGISTRATION
                ),
            )
        )
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant.id,
                type=audit_pb2.AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED,
                subject=console.name,
                target=console.name,
                client_id=console.id,
                details={"change": "created"},
                payload=security_events.OAuthClientCreated(oauth_client=clients_convert.to_pb(console)),
            )
        )
        self.on_registered(owner)
        return activated, owner

    async def _remove_remnants(self, tenant_id: str) -> None:
        await self.users.delete_tenant(tenant_id)
        await self.clients.delete_tenant(tenant_id)
        await self.keys.repo.delete_tenant(tenant_id)
        await self.repo.release_domains(tenant_id)

    async def discover(self, email: str) -> tuple[list[Tenant], bool]:
        """Active tenants where ``email`` has an account or whose domain it is; nothing more."""
        ids = set(await self.users.tenants_of_email(email))
        domain = claimable_domain(email)
        owner = await self.repo.domain_owner(domain) if domain else None
        if owner:
            ids.add(owner)
        tenants = [t for t in await self.repo.get_many(sorted(ids)) if t.active]
        return sorted(tenants, key=lambda t: t.id), owner is not None

    async def availability(self, tenant_id: str, domain: str) -> tuple[bool, bool]:
        tenant_free = False
        if tenant_id:
            found = await self.repo.get(tenant_id)
            tenant_free = found is None or (
                found.status is TenantStatus.PROVISIONING and is_stale(found.create_time)
            )
        domain_free = bool(domain) and await self.repo.domain_owner(domain.lower()) is None
        return tenant_free, domain_free

    async def get(self, tenant_id: str) -> Tenant:
        tenant = await self.repo.get(tenant_id)
        if tenant is None or tenant.status is TenantStatus.PROVISIONING:
            raise NotFound(f"tenants/{tenant_id}")
        return tenant

    async def set_status(
        self, tenant_id: str, status: TenantStatus, reason: str, etag: str, actor_id: str
    ) -> Tenant:
        current = await self.get(tenant_id)
        if current.status is TenantStatus.DELETED and status is not TenantStatus.DELETED:
            raise FailedPrecondition(f"tenants/{tenant_id} is deleted; it cannot change status")
        expect = {"etag": etag} if etag else {"status": current.status.value}
        updated = await self.repo.update(
            tenant_id, {"status": status.value, "status_reason": reason}, expect=expect
        )
        if updated is None:
            raise EtagMismatch(f"tenants/{tenant_id}")
        self._cache.invalidate(tenant_id)
        await self.keys.changed()
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant_id,
                type=audit_pb2.AUDIT_EVENT_TYPE_TENANT_CHANGED,
                subject=updated.name,
                target=updated.name,
                actor=user_actor(actor_id),
                details={"change": "status", "old_status": current.status.value, "new_status": status.value},
                payload=events.TenantStatusChanged(
                    tenant=convert.to_pb(updated, self.issuer(tenant_id)),
                    reason=reason,
                    previous_status=convert.STATUS_TO_PB[current.status],
                    status=convert.STATUS_TO_PB[status],
                ),
            )
        )
        return updated

    async def update(
        self, who: Identity, tenant_id: str, fields: dict[str, Any], mask: list[str], etag: str
    ) -> Tenant:
        """display_name and/or email_domains of the caller's own tenant (OWNER or ADMIN)."""
        if tenant_id != who.tenant_id:
            raise NotFound(f"tenants/{tenant_id}")  # another tenant looks exactly like a missing one
        who.require_any_role(*ADMINS)
        check_update_mask(mask, UPDATABLE)
        current = await self.get(tenant_id)
        changes: dict[str, Any] = {}
        if "display_name" in mask:
            changes["display_name"] = fields["display_name"]
        added: list[str] = []
        removed: list[str] = []
        if "email_domains" in mask:
            wanted = list(dict.fromkeys(d.strip().lower() for d in fields["email_domains"]))
            for domain in wanted:
                if domain in PUBLIC_MAIL_DOMAINS or "." not in domain:
                    raise InvalidArgument.field(
                        "tenant.email_domains", f"{domain!r} is a public mail domain or not a domain"
                    )
            added = [d for d in wanted if d not in current.email_domains]
            removed = [d for d in current.email_domains if d not in wanted]
            changes["email_domains"] = wanted
        claimed: list[str] = []
        try:
            for domain in added:  # a domain belongs to one tenant: claimed first, all or nothing
                await self.repo.claim_domain(domain=domain, tenant_id=tenant_id)
                claimed.append(domain)
            updated = await self.repo.update(tenant_id, changes, expect={"etag": etag or current.etag})
            if updated is None:
                raise EtagMismatch(current.name)
        except BaseException:
            for domain in claimed:
                await self.repo.release_domain(domain=domain, tenant_id=tenant_id)
            raise
        for domain in removed:
            await self.repo.release_domain(domain=domain, tenant_id=tenant_id)
        self._cache.invalidate(tenant_id)
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant_id,
                type=audit_pb2.AUDIT_EVENT_TYPE_TENANT_CHANGED,
                subject=updated.name,
                target=updated.name,
                actor=user_actor(who.subject),
                details={"change": "updated", "fields": ",".join(sorted(mask))},
                payload=events.TenantUpdated(
                    tenant=convert.to_pb(updated, self.issuer(tenant_id)),
                    update_mask=FieldMask(paths=sorted(mask)),
                ),
            )
        )
        return updated

    async def list_for(
        self,
        who: Identity,
        *,
        operator: bool,
        status: TenantStatus | None,
        search: str,
        size: int,
        token: str,
    ) -> Page[Tenant]:
        """Platform operators page through every tenant; anyone else sees the one they belong to."""
        if not operator:
            own = await self.repo.get(who.tenant_id)
            keep = (
                own is not None
                and own.status is not TenantStatus.PROVISIONING
                and (status is None or own.status is status)
                and (not search or search.lower() in f"{own.id} {own.display_name}".lower())
            )
            return Page([own] if keep and own else [], "")
        position = decode_token(token, keys={"t", "id"})
        after = (datetime.fromisoformat(str(position["t"])), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await self.repo.find_page(status=status, search=search, after=after, limit=limit + 1)
        return page_of(rows, limit, _position)


def _position(tenant: Tenant) -> dict[str, str]:
    """A tenant's place in the list order (create_time, id): what the next page starts after."""
    assert tenant.create_time is not None  # stored tenants have one
    return {"t": tenant.create_time.isoformat(), "id": tenant.id}
