"""Audit retention: entries older than the configured days go (a range delete on the
time-ordered UUIDv7 ids), newer ones stay; expired single-use tokens are dropped too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from services.auth.app import Running
from services.auth.audit.retention import Retention, uuid7_floor
from services.auth.common import uuid7


def test_uuid7_floor_orders_below_every_later_id() -> None:
    assert uuid7_floor(datetime.now(UTC) - timedelta(seconds=1)) < uuid7()
    assert uuid7() < uuid7_floor(datetime.now(UTC) + timedelta(seconds=1))


async def test_purge_keeps_recent_entries(
    auth: Running,
    audit_db: AsyncDatabase[dict[str, object]],
    db: AsyncDatabase[dict[str, object]],
    unique: str,
) -> None:
    events = audit_db["audit_events"]
    old = uuid7_floor(datetime.now(UTC) - timedelta(days=400)).replace(
        "8000-000000000000", "8000-00000000beef"
    )
    recent = uuid7()
    # written straight into the store: an entry as it was written 400 days ago, and one of now
    for entry_id in (old, recent):
        await events.insert_one(
            {"_id": entry_id, "tenant_id": unique, "type": "AUDIT_EVENT_TYPE_LOGIN", "seq": 0}
        )
    await db["email_tokens"].insert_one(
        {"_id": f"expired-{unique}", "tenant_id": unique, "kind": "password_reset", "user_id": "u",
         "email": "x@y.test", "expire_time": datetime.now(UTC) - timedelta(minutes=1)}
    )  # fmt: skip
    retention = Retention(
        events,
        auth.deps.redis,
        days=365,
        interval_seconds=3600,
        purgers=[auth.deps.account.tokens.purge_expired, auth.deps.registration.purge_expired],
    )
    assert await retention.run_once() >= 1
    assert await events.count_documents({"_id": old}) == 0
    assert await events.count_documents({"_id": recent}) == 1
    assert await db["email_tokens"].count_documents({"_id": f"expired-{unique}"}) == 0
    keep_all = Retention(events, auth.deps.redis, days=0, interval_seconds=3600, purgers=[])
    assert await keep_all.run_once() == 0
