"""SSO provider rules: presets fill issuer and scopes, issuers are https (loopback aside), the
client secret is sealed and write-only, a provider is enabled only when its discovery document
answers, deleting one unlinks its identities; every change is audited (no secret in it)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.sso.convert import to_pb
from services.auth.sso.model import MUTABLE_FIELDS, PROVISION_ROLES, Preset, SsoProvider
from services.auth.sso.presets import discovery_url, effective_scopes, issuer_problem, preset_issuer
from services.auth.sso.repository import SsoRepository
from services.auth.sso.secretbox import SecretBox
from services.auth.sso.upstream import UpstreamError, Upstreams
from services.kit.destinations import Refused
from services.kit.errors import EtagMismatch, FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask

CHANGED = audit_pb2.AUDIT_EVENT_TYPE_SSO_PROVIDER_CHANGED
MICROSOFT_TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")
FIELD = "sso_provider"


class SsoProviderService:
    def __init__(
        self,
        repo: SsoRepository,
        box: SecretBox,
        upstreams: Upstreams,
        audit: AuditLog,
        *,
        callback_uri: Callable[[str], str],
    ) -> None:
        self.repo = repo
        self.box = box
        self.upstreams = upstreams
        self.audit = audit
        self.callback_uri = callback_uri

    def to_pb(self, provider: SsoProvider) -> Any:
        return to_pb(provider, self.callback_uri(provider.tenant_id))

    async def create(self, tenant_id: str, preset: Preset, fields: dict[str, Any], actor: str) -> SsoProvider:
        provider_id = secrets.token_hex(8)
        secret = fields.pop("client_secret", "")
        provider = SsoProvider(id=provider_id, tenant_id=tenant_id, preset=preset, **fields)
        _normalise(provider)
        await self._allowed(provider)
        if secret:
            provider.client_secret_sealed = self.box.seal(
                secret, tenant_id=tenant_id, provider_id=provider_id
            )
        if provider.enabled:
            await self._reachable(provider)
        created = await self.repo.insert(provider)
        await self._audit(
            created, actor, "created", events.SsoProviderCreated(sso_provider=self.to_pb(created))
        )
        return created

    async def get(self, tenant_id: str, provider_id: str) -> SsoProvider:
        provider = await self.repo.get(tenant_id=tenant_id, provider_id=provider_id)
        if provider is None:
            raise NotFound(f"ssoProviders/{provider_id}")  # also another tenant's: same message
        return provider

    async def find_page(
        self, tenant_id: str, *, enabled_only: bool, size: int, token: str
    ) -> Page[SsoProvider]:
        position = decode_token(token, keys={"n", "id"})
        after = (str(position["n"]), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await self.repo.find_page(
            tenant_id=tenant_id, enabled_only=enabled_only, after=after, limit=limit + 1
        )
        return page_of(rows, limit, lambda provider: {"n": provider.display_name, "id": provider.id})

    async def enabled(self, tenant_id: str) -> list[SsoProvider]:
        """The tenant's enabled providers (the login page's buttons)."""
        return (await self.find_page(tenant_id, enabled_only=True, size=20, token="")).items

    async def update(
        self, tenant_id: str, provider_id: str, fields: dict[str, Any], mask: list[str], etag: str, actor: str
    ) -> SsoProvider:
        check_update_mask(mask, MUTABLE_FIELDS)
        current = await self.get(tenant_id, provider_id)
        changes = {path: fields[path] for path in mask if path != "client_secret"}
        candidate = SsoProvider(**{**current.__dict__, **changes})
        if "issuer_uri" not in mask and "microsoft_tenant" in mask:
            candidate.issuer_uri = ""  # derived again from the new directory
        _normalise(candidate)
        if candidate.issuer_uri != current.issuer_uri:
            await self._allowed(candidate)
        stored = {k: getattr(candidate, k) for k in (*changes, "issuer_uri", "scopes")}
        if "client_secret" in mask:
            secret = fields["client_secret"]
            stored["client_secret_sealed"] = (
                self.box.seal(secret, tenant_id=tenant_id, provider_id=provider_id) if secret else None
            )
        if candidate.enabled and (not current.enabled or candidate.issuer_uri != current.issuer_uri):
            await self._reachable(candidate)
        updated = await self.repo.update(
            tenant_id=tenant_id, provider_id=provider_id, changes=stored, etag=etag or current.etag
        )
        if updated is None:
            raise EtagMismatch(current.name)
        payload = events.SsoProviderUpdated(
            sso_provider=self.to_pb(updated), update_mask=FieldMask(paths=mask)
        )
        await self._audit(updated, actor, "updated", payload)
        return updated

    async def set_enabled(
        self, tenant_id: str, provider_id: str, enabled: bool, etag: str, actor: str
    ) -> SsoProvider:
        current = await self.get(tenant_id, provider_id)
        if enabled and not current.enabled:
            await self._reachable(current)
        updated = await self.repo.update(
            tenant_id=tenant_id,
            provider_id=provider_id,
            changes={"enabled": enabled},
            etag=etag or current.etag,
        )
        if updated is None:
            raise EtagMismatch(current.name)
        payload = events.SsoProviderUpdated(
            sso_provider=self.to_pb(updated), update_mask=FieldMask(paths=["enabled"])
        )
        await self._audit(updated, actor, "enabled" if enabled else "disabled", payload)
        return updated

    async def delete(self, tenant_id: str, provider_id: str, etag: str, actor: str) -> None:
        current = await self.repo.delete(tenant_id=tenant_id, provider_id=provider_id, etag=etag)
        if current is None:
            await self.get(tenant_id, provider_id)  # NOT_FOUND when it is gone
            raise EtagMismatch(f"ssoProviders/{provider_id}")
        unlinked = await self.repo.unlink_provider(tenant_id=tenant_id, provider_id=provider_id)
        payload = events.SsoProviderDeleted(sso_provider=current.name)
        await self._audit(current, actor, "deleted", payload, unlinked_identities=str(unlinked))

    def client_secret(self, provider: SsoProvider) -> str | None:
        """The upstream client secret in clear, for the code exchange only."""
        if provider.client_secret_sealed is None:
            return None
        try:
            return self.box.open(
                provider.client_secret_sealed, tenant_id=provider.tenant_id, provider_id=provider.id
            )
        except (InvalidTag, ValueError):  # another master key, or a record copied elsewhere
            raise UpstreamError(
                "client_secret_unreadable", "the stored client secret does not open"
            ) from None

    async def _allowed(self, provider: SsoProvider) -> None:
        """A tenant-supplied issuer must be a destination the policy allows (checked before
        anything is stored or fetched; the presets' issuers are fixed by us)."""
        if provider.preset is not Preset.GENERIC_OIDC:
            return
        try:
            await self.upstreams.destinations.check(discovery_url(provider.issuer_uri))
        except Refused as exc:
            raise InvalidArgument.field(
                f"{FIELD}.issuer_uri", f"not an allowed destination: the host {exc} (see docs/security.md)"
            ) from None

    async def _reachable(self, provider: SsoProvider) -> None:
        try:
            await self.upstreams.discover(provider.issuer_uri)
        except UpstreamError as exc:
            raise FailedPrecondition(
                f"the provider's discovery document is not usable: {exc}; "
                "fix issuer_uri, or create the provider disabled"
            ) from None

    async def _audit(
        self, provider: SsoProvider, actor: str, change: str, payload: Message, **details: str
    ) -> None:
        await self.audit.record(
            AuditEntry(
                tenant_id=provider.tenant_id,
                type=CHANGED,
                subject=provider.name,
                target=provider.name,
                actor=user_actor(actor),
                details={"change": change, "preset": provider.preset.value, **details},
                payload=payload,
            )
        )


def _normalise(provider: SsoProvider) -> None:
    """Fill what the preset fixes and check the rules across fields; InvalidArgument names the field."""
    problems: list[FieldViolation] = []
    if provider.preset is Preset.MICROSOFT:
        if provider.microsoft_tenant and not MICROSOFT_TENANT_RE.fullmatch(provider.microsoft_tenant):
            problems.append(
                FieldViolation(f"{FIELD}.microsoft_tenant", "a directory id or common/organizations")
            )
    elif provider.microsoft_tenant:
        problems.append(FieldViolation(f"{FIELD}.microsoft_tenant", "only for the MICROSOFT preset"))
    if provider.preset is Preset.GENERIC_OIDC:
        if not provider.issuer_uri:
            problems.append(FieldViolation(f"{FIELD}.issuer_uri", "required for GENERIC_OIDC"))
        elif problem := issuer_problem(provider.issuer_uri):
            problems.append(FieldViolation(f"{FIELD}.issuer_uri", problem))
    else:
        fixed = preset_issuer(provider.preset, "", provider.microsoft_tenant)
        if provider.issuer_uri and provider.issuer_uri != fixed:
            problems.append(FieldViolation(f"{FIELD}.issuer_uri", f"fixed by the preset: {fixed}"))
        provider.issuer_uri = fixed
    if provider.auto_provision_role not in PROVISION_ROLES:
        problems.append(FieldViolation(f"{FIELD}.auto_provision_role", "TECHNICIAN or VIEWER"))
    if problems:
        raise InvalidArgument(problems)
    provider.scopes = effective_scopes(provider.scopes)
    provider.allowed_email_domains = sorted({d.lower() for d in provider.allowed_email_domains})
