"""OAuth client rules: public clients get no secret and cannot use client credentials, the code
grant needs redirect URIs, secrets are shown once and stored as digests, changes are audited."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.clients.convert import to_pb
from services.auth.clients.model import MUTABLE_FIELDS, ClientType, Grant, OAuthClient, Purpose
from services.auth.clients.repository import ClientRepository, to_storage
from services.auth.crypto import digest, new_secret
from services.auth.grants.refresh import RefreshTokens
from services.kit.caching import TtlCache
from services.kit.errors import EtagMismatch, FieldViolation, InvalidArgument, NotFound
from services.kit.mongo import now
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask

CHANGED = audit_pb2.AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED


class ClientService:
    def __init__(
        self, repo: ClientRepository, audit: AuditLog, revoker: RefreshTokens, *, cache_ttl: float
    ) -> None:
        self.repo = repo
        self.audit = audit
        self.revoker = revoker
        self._cache: TtlCache[tuple[str, str], OAuthClient | None] = TtlCache(cache_ttl)

    async def cached(self, tenant_id: str, client_id: str) -> OAuthClient | None:
        """The client as the token endpoint sees it (per-process cache, see TtlCache)."""
        return await self._cache.get_or_load(
            (tenant_id, client_id), lambda: self.repo.get(tenant_id=tenant_id, client_id=client_id)
        )

    async def create(
        self, tenant_id: str, client_type: ClientType, purpose: Purpose, fields: dict[str, Any], actor: str
    ) -> tuple[OAuthClient, str]:
        client = OAuthClient(
            id=secrets.token_hex(12),
            tenant_id=tenant_id,
            client_type=client_type,
            purpose=purpose,
            creator={"type": "ACTOR_TYPE_USER", "id": actor},
            **fields,
        )
        _check(client)
        secret = ""
        if client.confidential:
            secret = new_secret()
            client.secret_digest, client.secret_hint, client.secret_rotate_time = (
                digest(secret),
                secret[-4:],
                now(),
            )
        created = await self.repo.insert(client)
        await self._audit(created, actor, "created", events.OAuthClientCreated(oauth_client=to_pb(created)))
        return created, secret

    async def get(self, tenant_id: str, client_id: str) -> OAuthClient:
        client = await self.repo.get(tenant_id=tenant_id, client_id=client_id)
        if client is None:
            raise NotFound(f"oauthClients/{client_id}")
        return client

    async def find_page(
        self, tenant_id: str, *, purpose: Purpose | None, search: str, size: int, token: str
    ) -> Page[OAuthClient]:
        position = decode_token(token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await self.repo.find_page(
            tenant_id=tenant_id, purpose=purpose, search=search, after=after, limit=limit + 1
        )
        return page_of(rows, limit, _position)

    async def update(
        self, tenant_id: str, client_id: str, fields: dict[str, Any], mask: list[str], etag: str, actor: str
    ) -> OAuthClient:
        check_update_mask(mask, MUTABLE_FIELDS)
        current = await self.get(tenant_id, client_id)
        changes = {path: fields[path] for path in mask}
        candidate = OAuthClient(**{**current.__dict__, **changes})
        _check(candidate)
        updated = await self.repo.update(
            tenant_id=tenant_id, client_id=client_id, changes=to_storage(changes), etag=etag or current.etag
        )
        if updated is None:
            raise EtagMismatch(f"oauthClients/{client_id}")
        self._cache.invalidate((tenant_id, client_id))
        payload = events.OAuthClientUpdated(oauth_client=to_pb(updated), update_mask=FieldMask(paths=mask))
        await self._audit(updated, actor, "updated", payload)
        return updated

    async def delete(self, tenant_id: str, client_id: str, etag: str, actor: str) -> None:
        client = await self.repo.delete(tenant_id=tenant_id, client_id=client_id, etag=etag)
        if client is None:
            await self.get(tenant_id, client_id)  # NOT_FOUND when it is gone
            raise EtagMismatch(f"oauthClients/{client_id}")
        self._cache.invalidate((tenant_id, client_id))
        revoked = await self.revoker.revoke_client(tenant_id=tenant_id, client_id=client_id)
        payload = events.OAuthClientDeleted(oauth_client=client.name, client_id=client.id)
        await self._audit(client, actor, "deleted", payload, revoked_refresh_tokens=str(revoked))

    async def rotate_secret(
        self, tenant_id: str, client_id: str, overlap: timedelta, etag: str, actor: str
    ) -> tuple[OAuthClient, str]:
        current = await self.get(tenant_id, client_id)
        if not current.confidential:
            raise InvalidArgument.field("name", "public clients have no secret")
        secret, at = new_secret(), now()
        changes: dict[str, Any] = {
            "secret_digest": digest(secret),
            "secret_hint": secret[-4:],
            "secret_rotate_time": at,
            "previous_secret_digest": current.secret_digest if overlap else "",
            "previous_secret_expire_time": at + overlap if overlap else None,
        }
        updated = await self.repo.update(
            tenant_id=tenant_id, client_id=client_id, changes=changes, etag=etag or current.etag
        )
        if updated is None:
            raise EtagMismatch(f"oauthClients/{client_id}")
        self._cache.invalidate((tenant_id, client_id))
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant_id,
                type=audit_pb2.AUDIT_EVENT_TYPE_OAUTH_CLIENT_SECRET_ROTATED,
                subject=updated.name,
                target=updated.name,
                client_id=updated.id,
                actor=user_actor(actor),
                details={"overlap_seconds": str(int(overlap.total_seconds()))},
                payload=events.OAuthClientSecretRotated(
                    oauth_client=to_pb(updated),
                    previous_secret_expire_time=changes["previous_secret_expire_time"],
                ),
            )
        )
        return updated, secret

    async def _audit(
        self, client: OAuthClient, actor: str, change: str, payload: Any, **details: str
    ) -> None:
        await self.audit.record(
            AuditEntry(
                tenant_id=client.tenant_id,
                type=CHANGED,
                subject=client.name,
                target=client.name,
                client_id=client.id,
                actor=user_actor(actor),
                details={"change": change, **details},
                payload=payload,
            )
        )


def _position(client: OAuthClient) -> dict[str, str]:
    """A client's place in the list order (create_time, id): what the next page starts after."""
    assert client.create_time is not None  # stored clients have one
    return {"t": client.create_time.isoformat(), "id": client.id}


def _check(client: OAuthClient) -> None:
    """Rules across fields that the contract's per-field validation cannot express."""
    problems: list[FieldViolation] = []
    if client.client_type is ClientType.PUBLIC and Grant.CLIENT_CREDENTIALS in client.grant_types:
        problems.append(
            FieldViolation("oauth_client.grant_types", "public clients cannot use client_credentials")
        )
    if Grant.AUTHORIZATION_CODE in client.grant_types and not client.redirect_uris:
        problems.append(
            FieldViolation("oauth_client.redirect_uris", "the authorization_code grant needs at least one")
        )
    for i, uri in enumerate(client.redirect_uris):
        parts = urlsplit(uri)
        if parts.fragment or (parts.scheme not in ("https", "http") and "." not in parts.scheme):
            problems.append(
                FieldViolation(
                    f"oauth_client.redirect_uris[{i}]",
                    "absolute https/http (or app scheme) URI without fragment",
                )
            )
    if problems:
        raise InvalidArgument(problems)
