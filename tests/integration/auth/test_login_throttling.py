"""Brute-force throttling of the login form: per account and per client IP, in Redis, with
expiry; the limit answers 429 before any password check, and is audited."""

from __future__ import annotations

import httpx
import redis.asyncio as aioredis

from openframe.auth.v1 import audit_pb2
from openframe.auth.v1 import oauth_clients_pb2 as pb
from services.auth.app import Running
from tests.integration.auth.helpers import PASSWORD, Api, as_tenant, pkce_pair

CODE = pb.GRANT_TYPE_AUTHORIZATION_CODE


async def _page(api: Api, tenant: str, client_id: str) -> httpx.Response:
    _, challenge = pkce_pair()
    return await api.login_page(api.authorize_url(tenant, client_id, challenge=challenge))


async def test_account_locks_after_five_failures(auth: Running, api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, _ = await api.client(unique, grants=(CODE,), public=True)
    page = await _page(api, unique, client.client_id)
    for _ in range(5):
        assert (await api.submit_login(page, tenant.owner_email, "wrong password!")).status_code == 401
    locked = await api.submit_login(page, tenant.owner_email, PASSWORD)  # even the right password
    assert locked.status_code == 429 and "Too many sign-in attempts" in locked.text
    assert 0 < int(locked.headers["retry-after"]) <= auth.deps.settings.login_failure_window_seconds
    # the counter lives in Redis with an expiry (no address in the key)
    redis = aioredis.from_url(auth.deps.settings.redis_url)
    keys = [k async for k in redis.scan_iter(f"auth:login-fail:acct:{unique}:*")]
    assert len(keys) == 1 and 0 < await redis.ttl(keys[0]) <= 900 and b"@" not in keys[0]
    await redis.delete(*keys)  # the window passing, in short
    await redis.aclose()
    assert (await api.submit_login(page, tenant.owner_email, PASSWORD)).status_code == 303
    audit = await api.audit.ListAuditEvents(
        audit_pb2.ListAuditEventsRequest(types=[audit_pb2.AUDIT_EVENT_TYPE_ACCOUNT_LOCKED]),
        metadata=as_tenant(unique),
    )
    assert len(audit.audit_events) == 1
    failures = await api.audit.ListAuditEvents(
        audit_pb2.ListAuditEventsRequest(
            types=[audit_pb2.AUDIT_EVENT_TYPE_LOGIN], outcome=audit_pb2.AUDIT_OUTCOME_FAILURE
        ),
        metadata=as_tenant(unique),
    )
    reasons = sorted(e.failure_reason for e in failures.audit_events)
    assert reasons == ["invalid_credentials"] * 5 + ["rate_limited"]
    assert all(PASSWORD not in str(e) and "wrong password" not in str(e) for e in failures.audit_events)


async def test_unknown_accounts_are_throttled_too(api: Api, unique: str) -> None:
    await api.register(unique)
    client, _ = await api.client(unique, grants=(CODE,), public=True)
    page = await _page(api, unique, client.client_id)
    for _ in range(5):
        assert (await api.submit_login(page, f"ghost@{unique}.test", "x" * 12)).status_code == 401
    assert (await api.submit_login(page, f"ghost@{unique}.test", "x" * 12)).status_code == 429


async def test_one_ip_is_throttled_across_accounts(auth: Running, api: Api, unique: str) -> None:
    await api.register(unique)
    client, _ = await api.client(unique, grants=(CODE,), public=True)
    page = await _page(api, unique, client.client_id)
    limit = auth.deps.settings.login_max_failures_per_ip
    for i in range(limit):
        assert (await api.submit_login(page, f"user{i}@{unique}.test", "x" * 12)).status_code == 401
    assert (await api.submit_login(page, f"fresh@{unique}.test", "x" * 12)).status_code == 429
    api.http.headers["x-forwarded-for"] = "192.0.2.77"  # another client address is not affected
    assert (await api.submit_login(page, f"fresh@{unique}.test", "x" * 12)).status_code == 401
