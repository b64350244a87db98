"""Authorization codes in Redis: 60 s expiry, single use, stored under their SHA-256.

A code presented twice means it was intercepted or replayed: RFC 6749 §4.1.2 says to revoke
what it produced. Redeeming is one Redis script: the code is taken and, in the same step, left
behind as a marker naming its refresh token family — so a replay racing the first redemption
always finds the family to revoke, even before that family's first token is stored.
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

from services.auth.crypto import digest, new_secret

REDEEMED_TTL = 600  # longer than any code lives: a replay after expiry is still detected

#: KEYS[1] the code, KEYS[2] its redeemed marker; ARGV[1] the marker's lifetime (seconds).
REDEEM = """
local grant = redis.call('GETDEL', KEYS[1])
if grant then redis.call('SET', KEYS[2], grant, 'EX', ARGV[1]) end
return grant
"""


class CodeStore:
    def __init__(self, redis: aioredis.Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self._redeem = redis.register_script(REDEEM)

    def _key(self, tenant_id: str, code: str, kind: str = "code") -> str:
        return f"auth:{kind}:{tenant_id}:{digest(code)}"

    async def issue(self, tenant_id: str, grant: dict[str, Any]) -> str:
        """A new code for ``grant`` (which names the refresh token family it will start)."""
        code = new_secret()
        await self.redis.set(self._key(tenant_id, code), json.dumps(grant), ex=self.ttl)
        return code

    async def redeem(self, tenant_id: str, code: str) -> dict[str, Any] | None:
        """The grant, for exactly one caller; None for every other (and for unknown codes)."""
        keys = [self._key(tenant_id, code), self._key(tenant_id, code, "code-used")]
        raw = await self._redeem(keys=keys, args=[REDEEMED_TTL])
        return json.loads(raw) if raw else None

    async def family_of_redeemed(self, tenant_id: str, code: str) -> str | None:
        raw = await self.redis.get(self._key(tenant_id, code, "code-used"))
        return str(json.loads(raw)["family_id"]) if raw else None
