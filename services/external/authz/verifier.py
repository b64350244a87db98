"""Checking a presented API key: cached, so the edge's check rarely touches the database.

The key record (not the verdict) is cached in-process per key id for ``ttl`` seconds (≤ 2 s,
the kit's ``TtlCache``);
the secret is checked against the cached hash on every request (one HMAC, ~1 µs), expiry
against the clock. Unknown ids are cached too (a flood of made-up keys costs one read per id per
TTL). A change notice (revoke, regenerate, update, delete) drops the entry at once in every
process; a lost notice is bounded by the TTL. Concurrent misses of one id share one read.

Last use is recorded in memory and written in one bulk update per flush interval, never one
write per request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from services.external.api_keys import material
from services.external.api_keys.material import SecretHasher
from services.external.api_keys.model import ApiKey, Status
from services.external.api_keys.repository import ApiKeyRepository
from services.kit.caching import TtlCache
from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger
from services.kit.mongo import now

log = get_logger(__name__)

MALFORMED, UNKNOWN, REVOKED, EXPIRED = "MALFORMED", "UNKNOWN", "REVOKED", "EXPIRED"
MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class Verdict:
    key: ApiKey | None  # set only when valid
    rejection: str = ""

    @property
    def valid(self) -> bool:
        return self.key is not None


class KeyVerifier:
    def __init__(
        self,
        repo: ApiKeyRepository,
        hasher: SecretHasher,
        *,
        ttl_seconds: float = 2.0,
        flush_seconds: float = 10.0,
    ) -> None:
        self.repo = repo
        self.hasher = hasher
        self.flush_seconds = flush_seconds
        self._records: TtlCache[str, ApiKey | None] = TtlCache(
            ttl_seconds, max_items=MAX_ENTRIES, cache_none=True, what="api keys"
        )
        self._uses: dict[str, tuple[datetime, str]] = {}

    def forget(self, key_id: str) -> None:
        """Drop a key's cached record (a change notice)."""
        self._records.invalidate(key_id)

    async def verify(self, presented: str, *, client_ip: str = "") -> Verdict:
        parsed = material.parse(presented)
        if parsed is None:
            return Verdict(None, MALFORMED)
        key_id, secret = parsed
        key = await self._record(key_id)
        if key is None or not self.hasher.matches(key_id, secret, key.secret_hash):
            return Verdict(None, UNKNOWN)
        status = key.status(now())
        if status is Status.REVOKED:
            return Verdict(None, REVOKED)
        if status is Status.EXPIRED:
            return Verdict(None, EXPIRED)
        self._uses[key_id] = (now(), client_ip)
        return Verdict(key)

    async def _record(self, key_id: str) -> ApiKey | None:
        return await self._records.get_or_load(key_id, partial(self.repo.get_for_verification, key_id))

    # -- last use --------------------------------------------------------------------------------

    def start(self, lifecycle: Lifecycle) -> None:
        task = asyncio.create_task(self._flush_loop(), name="api-key-last-use")

        async def stop() -> None:
            task.cancel()
            await self.flush()

        lifecycle.on_shutdown("api-key-last-use", stop)

    async def flush(self) -> None:
        uses, self._uses = self._uses, {}
        try:
            await self.repo.record_uses(uses)
        except Exception as exc:  # best effort: last use is informational
            log.warning("api key last use not recorded", keys=len(uses), error=str(exc))

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            await self.flush()
