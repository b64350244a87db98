"""Login throttling in Redis: failures counted per account (tenant + email) and per client IP in
fixed windows that expire by themselves. Over the limit, the form answers 429 before any
password check; the account counter also counts unknown emails, so it reveals nothing."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from services.auth.crypto import digest


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    retry_after: int = 0


class LoginThrottle:
    def __init__(self, redis: aioredis.Redis, *, per_account: int, per_ip: int, window_seconds: int) -> None:
        self.redis = redis
        self.per_account = per_account
        self.per_ip = per_ip
        self.window = window_seconds

    def _keys(self, tenant_id: str, email: str, ip: str) -> tuple[str, str]:
        # Digest of the email: no addresses in Redis keys (they show up in monitoring).
        return (
            f"auth:login-fail:acct:{tenant_id}:{digest(email.strip().lower())[:32]}",
            f"auth:login-fail:ip:{ip}",
        )

    async def check(self, tenant_id: str, email: str, ip: str) -> Verdict:
        account, by_ip = self._keys(tenant_id, email, ip)
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(account)
        pipe.get(by_ip)
        pipe.ttl(account)
        pipe.ttl(by_ip)
        acct_n, ip_n, acct_ttl, ip_ttl = await pipe.execute()
        over_account = int(acct_n or 0) >= self.per_account
        over_ip = int(ip_n or 0) >= self.per_ip
        if not (over_account or over_ip):
            return Verdict(False)
        waits = [int(t) for t, over in ((acct_ttl, over_account), (ip_ttl, over_ip)) if over and int(t) > 0]
        return Verdict(True, max(waits, default=self.window))

    async def fail(self, tenant_id: str, email: str, ip: str) -> int:
        """Count a failure; returns the account's failures in the current window."""
        account, by_ip = self._keys(tenant_id, email, ip)
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(account)
        pipe.expire(account, self.window, nx=True)
        pipe.incr(by_ip)
        pipe.expire(by_ip, self.window, nx=True)
        count, *_ = await pipe.execute()
        return int(count)

    async def succeeded(self, tenant_id: str, email: str, ip: str) -> None:
        account, _ = self._keys(tenant_id, email, ip)
        await self.redis.delete(account)
