"""Audit retention and token clean-up: entries older than the configured days go (a range delete
on the time-ordered UUIDv7 ids), newer ones stay; expired single-use tokens and refresh tokens
go, live ones stay; each job runs once per period across processes (the kit's Periodic)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from services.auth.app import Running
from services.auth.audit.retention import Retention, uuid7_floor
from services.auth.common import uuid7

Db = AsyncDatabase[dict[str, object]]


def test_uuid7_floor_orders_below_every_later_id() -> None:
    assert uuid7_floor(datetime.now(UTC) - timedelta(seconds=1)) < uuid7()
    assert uuid7() < uuid7_floor(datetime.now(UTC) + timedelta(seconds=1))


async def _old_and_recent_entries(audit_db: Db, tenant: str) -> tuple[str, str]:
    """An entry as it was written 400 days ago and one of now, straight into the store."""
    old = uuid7_floor(datetime.now(UTC) - timedelta(days=400)).replace(
        "8000-000000000000", f"8000-{secrets.token_hex(6)}"
    )
    recent = uuid7()
    for entry_id in (old, recent):
        await audit_db["audit_events"].insert_one(
            {"_id": entry_id, "tenant_id": tenant, "type": "AUDIT_EVENT_TYPE_LOGIN", "seq": 0}
        )
    return old, recent


async def test_purge_keeps_recent_entries(auth: Running, audit_db: Db, unique: str) -> None:
    events = audit_db["audit_events"]
    old, recent = await _old_and_recent_entries(audit_db, unique)
    assert await Retention(events, days=0, purges=[]).purge_audit() == 0  # 0 keeps everything
    assert await events.count_documents({"_id": old}) == 1
    assert await Retention(events, days=365, purges=[]).purge_audit() >= 1
    assert await events.count_documents({"_id": old}) == 0
    assert await events.count_documents({"_id": recent}) == 1


async def test_token_cleanup_removes_only_expired_tokens(
    auth: Running, audit_db: Db, db: Db, unique: str
) -> None:
    past, future = datetime.now(UTC) - timedelta(minutes=1), datetime.now(UTC) + timedelta(hours=1)
    for state, expiry in (("expired", past), ("live", future)):
        token = {"tenant_id": unique, "expire_time": expiry}
        await db["email_tokens"].insert_one(
            {"_id": f"{state}-{unique}", **token, "kind": "password_reset", "user_id": "u", "email": "e"}
        )
        await db["initial_access_tokens"].insert_one(
            {"_id": f"{state}-{unique}", **token, "remaining": 1, "max_uses": 1}
        )
        await db["refresh_families"].insert_one(
            {"_id": f"{state}-{unique}", **token, "current": "h", "revoked": False, "client_id": "c"}
        )
        await db["refresh_tokens"].insert_one(
            {"_id": f"{state}-{unique}", **token, "family_id": f"{state}-{unique}", "client_id": "c"}
        )
    deps = auth.deps
    purges = [deps.account.tokens.purge_expired, deps.registration.purge_expired, deps.refresh.purge_expired]
    retention = Retention(audit_db["audit_events"], days=365, purges=purges)
    assert await retention.purge_tokens() >= 4
    for name in ("email_tokens", "initial_access_tokens", "refresh_families", "refresh_tokens"):
        assert await db[name].count_documents({"_id": f"expired-{unique}"}) == 0, name
        assert await db[name].count_documents({"_id": f"live-{unique}"}) == 1, name


async def test_each_job_runs_once_per_slot_across_processes(
    auth: Running, audit_db: Db, db: Db, unique: str
) -> None:
    """Two processes' schedules of the same jobs (as two workers or replicas have): of every slot
    exactly one runs each job, and that run did the work."""
    events = audit_db["audit_events"]
    old, recent = await _old_and_recent_entries(audit_db, unique)
    await db["email_tokens"].insert_one(
        {"_id": f"expired-{unique}", "tenant_id": unique, "kind": "password_reset", "user_id": "u",
         "email": "x@y.test", "expire_time": datetime.now(UTC) - timedelta(minutes=1)}
    )  # fmt: skip
    processes = [
        Retention(events, days=365, purges=[auth.deps.account.tokens.purge_expired]).periodic(
            auth.deps.redis, database=f"{db.name}-{unique}", audit_seconds=3600, tokens_seconds=600
        )
        for _ in range(2)
    ]
    assert [job.name for job in processes[0]] == [
        f"auth-audit-retention:{audit_db.name}",
        f"auth-token-cleanup:{db.name}-{unique}",
    ]
    slot = 10**9 + secrets.randbelow(10**9)  # far from the slots the running service's jobs claim
    for first, second in zip(*processes, strict=True):
        outcomes = await asyncio.gather(first.run_slot(slot), second.run_slot(slot))
        assert sorted(o.ran for o in outcomes) == [False, True], first.name
        assert await auth.deps.redis.hget(first.runs_key, str(slot)) == b"1"
        assert not any(o.error for o in outcomes)
    assert await events.count_documents({"_id": old}) == 0
    assert await events.count_documents({"_id": recent}) == 1
    assert await db["email_tokens"].count_documents({"_id": f"expired-{unique}"}) == 0
