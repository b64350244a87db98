"""Authorization codes in Redis: 60 s expiry, single use (GETDEL), stored under their SHA-256.

A code presented twice means it was intercepted or replayed: RFC 6749 §4.1.2 says to revoke
what it produced, so a redeemed code leaves a marker naming its refresh token family.
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

from services.auth.crypto import digest, new_secret

REDEEMED_TTL = 600  # longer than any code lives: a replay after expiry is still detected


class CodeStore:
    def __init__(self, redis: aioredis.Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    def _key(self, tenant_id: str, code: str, kind: str = "code") -> str:
        return f"auth:{kind}:{tenant_id}:{digest(code)}"

    async def issue(self, tenant_id: str, grant: dict[str, Any]) -> str:
        code = new_secret()
        await self.redis.set(self._key(tenant_id, code), json.dumps(grant), ex=self.ttl)
        return code

    async def redeem(self, tenant_id: str, code: str) -> dict[str, Any] | None:
        raw = await self.redis.getdel(self._key(tenant_id, code))
        return json.loads(raw) if raw else None

    async def mark_redeemed(self, tenant_id: str, code: str, family_id: str) -> None:
        await self.redis.set(self._key(tenant_id, code, "code-used"), family_id, ex=REDEEMED_TTL)

    async def family_of_redeemed(self, tenant_id: str, code: str) -> str | None:
        raw = await self.redis.get(self._key(tenant_id, code, "code-used"))
        return raw.decode() if isinstance(raw, bytes) else None
