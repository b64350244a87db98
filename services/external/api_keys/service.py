"""API key rules: tenant scoping, secret shown once, etags, revocation, expiry, pagination.

Every change that can make a key stop working (revoke, regenerate, scope or expiry changes,
delete) is announced on Redis (``CHANNEL``, :class:`~services.kit.notices.ChangeNotices`) so every
edge checker drops its cached verdict at once instead of waiting for the cache TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.external.api_keys import material
from services.external.api_keys.material import SecretHasher
from services.external.api_keys.model import KNOWN_SCOPES, MUTABLE_FIELDS, ApiKey, Limits, Status
from services.external.api_keys.repository import ApiKeyRepository
from services.kit.errors import EtagMismatch, FailedPrecondition, InvalidArgument, NotFound
from services.kit.identity import Identity
from services.kit.mongo import now
from services.kit.notices import ChangeNotices
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask

#: Redis channel of key changes (the key id).
CHANNEL = "openframe:external:api-key-changed"


@dataclass(frozen=True)
class Issued:
    """A key together with its full secret form, which exists only in this response."""

    key: ApiKey
    full_key: str


class ApiKeyService:
    def __init__(self, repo: ApiKeyRepository, hasher: SecretHasher, notices: ChangeNotices) -> None:
        self.repo = repo
        self.hasher = hasher
        self.notices = notices

    async def create(self, caller: Identity, fields: dict[str, Any]) -> Issued:
        _check_scopes(fields["scopes"], "api_key.scopes")
        _check_expiry(fields.get("expire_time"), "api_key.expire_time")
        key_id, secret = material.new_key_id(), material.new_secret()
        key = ApiKey(
            id=key_id,
            tenant_id=caller.tenant_id,
            display_name=fields["display_name"],
            description=fields.get("description", ""),
            scopes=sorted(fields["scopes"]),
            expire_time=fields.get("expire_time"),
            rate_limits=fields.get("rate_limits") or Limits(),
            secret_hash=self.hasher.hash(key_id, secret),
            creator_type=caller.kind,
            creator_id=caller.subject,
        )
        stored = await self.repo.insert(key)
        return Issued(stored, material.full_key(key_id, secret))

    async def get(self, tenant_id: str, key_id: str) -> ApiKey:
        key = await self.repo.get(tenant_id=tenant_id, key_id=key_id)
        if key is None:
            raise NotFound(f"apiKeys/{key_id}")
        return key

    async def find_page(
        self, tenant_id: str, *, status: Status | None, search: str, size: int, token: str
    ) -> Page[ApiKey]:
        position = decode_token(token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await self.repo.find_page(
            tenant_id=tenant_id,
            status_query=_status_query(status),
            search=search,
            after=after,
            limit=limit + 1,
        )
        return page_of(rows, limit, _position)

    async def update(
        self, tenant_id: str, key_id: str, fields: dict[str, Any], mask: list[str], etag: str
    ) -> ApiKey:
        check_update_mask(mask, MUTABLE_FIELDS)
        changes = {path: fields.get(path) for path in mask}
        if "scopes" in changes:
            _check_scopes(changes["scopes"] or [], "api_key.scopes")
            changes["scopes"] = sorted(changes["scopes"] or [])
        if "display_name" in changes and not changes["display_name"]:
            raise InvalidArgument.field("api_key.display_name", "must not be empty")
        if changes.get("expire_time") is not None:
            _check_expiry(changes["expire_time"], "api_key.expire_time")
        if "rate_limits" in changes and changes["rate_limits"] is None:
            changes["rate_limits"] = Limits()
        current = await self.get(tenant_id, key_id)
        if current.revoked:
            raise FailedPrecondition(f"apiKeys/{key_id} is revoked and cannot be changed")
        key = await self._write(tenant_id, key_id, changes, etag)
        await self.notices.changed(key_id)
        return key

    async def regenerate(
        self, tenant_id: str, key_id: str, expire_time: datetime | None, etag: str
    ) -> Issued:
        current = await self.get(tenant_id, key_id)
        if current.revoked:
            raise FailedPrecondition(f"apiKeys/{key_id} is revoked; create a new key")
        if expire_time is not None:
            _check_expiry(expire_time, "expire_time")
        elif current.status(now()) is Status.EXPIRED:
            raise InvalidArgument.field("expire_time", "the key has expired: give it a new expiry")
        secret = material.new_secret()
        changes: dict[str, Any] = {"secret_hash": self.hasher.hash(key_id, secret), "regenerate_time": now()}
        if expire_time is not None:
            changes["expire_time"] = expire_time
        # Written only over the state read (its etag, when the caller sent none): of concurrent
        # regenerations one wins and the others are ABORTED, so no caller is handed a secret
        # that another one's write already replaced, and a revocation in between is not missed.
        key = await self._write(tenant_id, key_id, changes, etag or current.etag)
        await self.notices.changed(key_id)
        return Issued(key, material.full_key(key_id, secret))

    async def revoke(self, tenant_id: str, key_id: str, etag: str) -> ApiKey:
        current = await self.get(tenant_id, key_id)
        if current.revoked:
            return current  # idempotent: revoking twice changes nothing
        key = await self._write(tenant_id, key_id, {"revoked": True, "revoke_time": now()}, etag)
        await self.notices.changed(key_id)
        return key

    async def delete(self, tenant_id: str, key_id: str, etag: str) -> None:
        current = await self.get(tenant_id, key_id)
        if current.status(now()) is Status.ACTIVE:
            raise FailedPrecondition(f"apiKeys/{key_id} is active: revoke it before deleting it")
        if etag and etag != current.etag:
            raise EtagMismatch(f"apiKeys/{key_id}")
        await self.repo.delete(tenant_id=tenant_id, key_id=key_id)
        await self.notices.changed(key_id)

    async def _write(self, tenant_id: str, key_id: str, changes: dict[str, Any], etag: str) -> ApiKey:
        key = await self.repo.update(
            tenant_id=tenant_id, key_id=key_id, changes=changes, expected_etag=etag or None
        )
        if key is None:
            await self.get(tenant_id, key_id)  # NOT_FOUND when it does not exist (or is another tenant's)
            raise EtagMismatch(f"apiKeys/{key_id}")
        return key


def _status_query(status: Status | None) -> dict[str, Any]:
    t = now()
    if status is Status.REVOKED:
        return {"revoked": True}
    if status is Status.EXPIRED:
        return {"revoked": False, "expire_time": {"$lte": t}}
    if status is Status.ACTIVE:
        return {"revoked": False, "$nor": [{"expire_time": {"$lte": t}}]}
    return {}


def _check_scopes(scopes: list[str], field: str) -> None:
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if not scopes:
        raise InvalidArgument.field(field, "name at least one scope")
    if unknown:
        raise InvalidArgument.field(field, f"unknown scope(s) {unknown}; known: {sorted(KNOWN_SCOPES)}")


def _check_expiry(expire_time: datetime | None, field: str) -> None:
    if expire_time is not None and expire_time <= now():
        raise InvalidArgument.field(field, "must be in the future")


def _position(key: ApiKey) -> dict[str, Any]:
    """A key's place in the list (newest first): its creation time, then its id."""
    assert key.create_time is not None  # every stored key has one
    return {"t": key.create_time.isoformat(), "id": key.id}
