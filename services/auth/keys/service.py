"""Signing key rules: one ACTIVE key per tenant (the tenant document points at it), rotation with
an overlap window, JWKS per tenant and for all tenants, decrypted keys cached per process."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
import redis.asyncio as aioredis
from cachetools import LRUCache
from cryptography.hazmat.primitives.asymmetric import rsa

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.log import AuditLog
from services.auth.audit.model import AuditEntry, user_actor
from services.auth.crypto import KeyVault, load_private_der, new_rsa_key, private_der, public_jwk
from services.auth.keys.convert import to_pb
from services.auth.keys.model import SigningKey
from services.auth.keys.repository import SigningKeyRepository
from services.auth.tenants.model import Tenant, TenantStatus
from services.auth.tenants.repository import TenantRepository
from services.kit.caching import TtlCache
from services.kit.errors import EtagMismatch, NotFound
from services.kit.mongo import now

VERSION_KEY = "auth:signing-keys-version"
#: Parsed signing keys kept per process (a tenant has one or two in use).
KEYS_CACHED = 10_000


@dataclass(frozen=True)
class Signer:
    kid: str
    key: rsa.RSAPrivateKey


class SigningKeyService:
    def __init__(
        self,
        repo: SigningKeyRepository,
        tenants: TenantRepository,
        vault: KeyVault,
        audit: AuditLog,
        redis: aioredis.Redis,
        *,
        cache_ttl: float,
        overlap_seconds: int,
    ) -> None:
        self.repo = repo
        self.tenants = tenants
        self.vault = vault
        self.audit = audit
        self.overlap_seconds = overlap_seconds
        # Parsed keys by key id (a key's material never changes, so nothing here goes stale); the
        # least recently used go first beyond KEYS_CACHED. Private keys are never logged.
        self._private: LRUCache[str, rsa.RSAPrivateKey] = LRUCache(KEYS_CACHED)
        self._public: LRUCache[str, rsa.RSAPublicKey] = LRUCache(KEYS_CACHED)
        self.redis = redis
        # Cached key lists are keyed by a version counter in Redis that every key or tenant
        # status change bumps: a new tenant's key is in every worker's JWKS at once.
        self._keys: TtlCache[tuple[str, str], list[SigningKey]] = TtlCache(cache_ttl)
        self._all: TtlCache[str, list[dict[str, str]]] = TtlCache(cache_ttl)

    async def generate(self, tenant_id: str) -> SigningKey:
        private = await asyncio.to_thread(new_rsa_key)  # ~50-200 ms of CPU: off the event loop
        at = now()
        key = SigningKey(
            id=secrets.token_hex(8),
            tenant_id=tenant_id,
            public_jwk={},
            sealed_private_key={},
            create_time=at,
            activate_time=at,
        )
        key.public_jwk = public_jwk(private.public_key(), key.kid)
        key.sealed_private_key = self.vault.seal(private_der(private), aad=key.kid)
        await self.repo.insert(key)
        await self.changed()
        return key

    async def signer(self, tenant: Tenant) -> Signer:
        key_id = tenant.active_key_id
        private = self._private.get(key_id)
        if private is None:
            key = await self.repo.get(tenant_id=tenant.id, key_id=key_id)
            if key is None:
                raise NotFound(f"signingKeys/{key_id}")
            private = load_private_der(self.vault.open(key.sealed_private_key, aad=key.kid))
            self._private[key_id] = private
        return Signer(kid=f"{tenant.id}.{key_id}", key=private)

    async def keys(self, tenant_id: str) -> list[SigningKey]:
        version = await self._version()
        return await self._keys.get_or_load((tenant_id, version), lambda: self.repo.for_tenant(tenant_id))

    async def jwks(self, tenant: Tenant) -> list[dict[str, str]]:
        """ACTIVE and VERIFY_ONLY public keys of a tenant (none when it is not active)."""
        if not tenant.active:
            return []
        at = now()
        return [
            k.public_jwk
            for k in await self.keys(tenant.id)
            if k.verifies(active_id=tenant.active_key_id, at=at)
        ]

    async def all_jwks(self) -> list[dict[str, str]]:
        """Public keys of every active tenant: what the edge and the services verify with."""
        return await self._all.get_or_load(await self._version(), self._load_all)

    async def _load_all(self) -> list[dict[str, str]]:
        statuses = await self.tenants.statuses()
        keys = await self.repo.unretired(now())
        return [k.public_jwk for k in keys if statuses.get(k.tenant_id) is TenantStatus.ACTIVE]

    async def verification_keys(self, tenant: Tenant) -> dict[str, rsa.RSAPublicKey]:
        found: dict[str, rsa.RSAPublicKey] = {}
        for jwk in await self.jwks(tenant):
            kid = jwk["kid"]
            if kid not in self._public:
                loaded = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
                assert isinstance(loaded, rsa.RSAPublicKey)
                self._public[kid] = loaded
            found[kid] = self._public[kid]
        return found

    async def get(self, tenant: Tenant, key_id: str) -> SigningKey:
        key = next((k for k in await self.repo.for_tenant(tenant.id) if k.id == key_id), None)
        if key is None:
            raise NotFound(f"signingKeys/{key_id}")
        return key

    async def rotate(
        self, tenant_id: str, *, overlap: timedelta | None, actor_id: str
    ) -> tuple[SigningKey, SigningKey]:
        """New key signs from now on; the previous one verifies until now + overlap."""
        tenant = await self.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"tenants/{tenant_id}")
        previous = await self.get(tenant, tenant.active_key_id)
        fresh = await self.generate(tenant_id)
        # Compare-and-set on the tenant's pointer: of two concurrent rotations one wins.
        swapped = await self.tenants.update(
            tenant_id, {"active_key_id": fresh.id}, expect={"active_key_id": previous.id}
        )
        if swapped is None:
            await self.repo.delete(tenant_id=tenant_id, key_id=fresh.id)
            raise EtagMismatch("signingKeys (rotated concurrently)")
        at = now()
        retire = at + (overlap or timedelta(seconds=self.overlap_seconds))
        await self.repo.deactivate(tenant_id=tenant_id, key_id=previous.id, at=at, retire_at=retire)
        previous.deactivate_time, previous.retire_time = at, retire
        await self.changed()
        await self.audit.record(
            AuditEntry(
                tenant_id=tenant_id,
                type=audit_pb2.AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED,
                subject=fresh.name,
                target=fresh.name,
                actor=user_actor(actor_id),
                details={"kid": fresh.kid, "previous_kid": previous.kid},
                payload=events.SigningKeyRotated(
                    signing_key=to_pb(fresh, active_id=fresh.id, at=at),
                    previous_signing_key=to_pb(previous, active_id=fresh.id, at=at),
                ),
            )
        )
        return fresh, previous

    async def changed(self) -> None:
        """A key was added or retired, or a tenant changed status: every worker reloads."""
        await self.redis.incr(VERSION_KEY)

    async def _version(self) -> str:
        raw = await self.redis.get(VERSION_KEY)
        return raw.decode() if isinstance(raw, bytes) else "0"
