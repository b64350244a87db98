"""Refresh tokens in MongoDB: the state of a family lives in one document, the tokens point at it.

``refresh_families`` (_id = the family id): the SHA-256 of the one token that may be used next
(``current``), ``revoked``, the expiry every token of the family shares. ``refresh_tokens``
(_id = SHA-256 of a token): which family, client, user and scope a token belongs to; written
once, never changed.

Rotation is one conditional write on the family: ``current`` must still be the presented
token's hash (and the family unrevoked, unexpired), and the same write makes the successor
current. Of any number of concurrent uses of one token, in any process, exactly one matches.
A token of the family that is no longer current was used before: it leaked, or a client
misbehaves, and the family is revoked (OAuth 2.0 Security BCP §4.14) — again one conditional
write on the family document, so it covers the successor however late that is issued. Losers
of a concurrent rotation are reuses too: the winner keeps its access token (it cannot be told
from the owner) but its refresh token dies with the family.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from pymongo.results import UpdateResult

from services.auth.common import aware
from services.auth.crypto import digest, new_secret
from services.kit.mongo import Document, ensure_indexes, now

FAMILY_INDEXES = [
    IndexModel([("tenant_id", ASCENDING), ("client_id", ASCENDING)], name="tenant_client"),
    IndexModel([("tenant_id", ASCENDING), ("user_id", ASCENDING)], name="tenant_user"),
]
TOKEN_INDEXES = [IndexModel([("tenant_id", ASCENDING), ("family_id", ASCENDING)], name="tenant_family")]
#: The clean-up job's range (services/auth/audit/retention.py): cross-tenant by nature.
EXPIRY_INDEX = IndexModel([("expire_time", ASCENDING)], name="expiry")
#: How long a family revoked before it was created (a replayed authorization code) is kept.
STUB_TTL = timedelta(days=1)


class Use(Enum):
    OK = "ok"
    REUSED = "reused"  # not the current token of its family: the family is now revoked
    INVALID = "invalid"  # revoked or expired family, or a lost race on an already revoked one


@dataclass(frozen=True)
class RefreshGrant:
    family_id: str
    client_id: str
    user_id: str
    scope: str
    auth_time: datetime
    expire_time: datetime


@dataclass(frozen=True)
class Presented:
    """A refresh token the store knows (valid or not): its hash and what it was issued for."""

    token_hash: str
    grant: RefreshGrant


class RefreshTokens:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.families = db["refresh_families"]
        self.tokens = db["refresh_tokens"]

    async def init(self) -> None:
        # the purge's range spans every tenant
        await ensure_indexes(self.families, FAMILY_INDEXES, cross_tenant=[EXPIRY_INDEX])
        await ensure_indexes(self.tokens, TOKEN_INDEXES, cross_tenant=[EXPIRY_INDEX])

    async def purge_expired(self) -> int:
        """Remove expired families and tokens (a token expires with its family): once a family is
        past ``expire_time`` nothing of it is usable or needed to detect a reuse."""
        at = now()
        families = await self.families.delete_many({"expire_time": {"$lt": at}})
        tokens = await self.tokens.delete_many({"expire_time": {"$lt": at}})
        return families.deleted_count + tokens.deleted_count

    async def issue(self, tenant_id: str, grant: RefreshGrant) -> str:
        """The first token of a new family. A family revoked before it was stored (its code was
        replayed while being redeemed) stays revoked: the token is born dead."""
        token = new_secret()
        await self._store(tenant_id, token, grant)
        await self._upsert_family(
            tenant_id,
            grant.family_id,
            {
                "$set": {
                    "client_id": grant.client_id,
                    "user_id": grant.user_id,
                    "current": digest(token),
                    "expire_time": grant.expire_time,
                },
                "$setOnInsert": {"revoked": False, "create_time": now()},
            },
        )
        return token

    async def find(self, tenant_id: str, token: str, client_id: str | None = None) -> Presented | None:
        """The stored token (whatever its state), of ``client_id`` when given."""
        query: dict[str, Any] = {"_id": digest(token), "tenant_id": tenant_id}
        if client_id is not None:
            query["client_id"] = client_id
        doc = await self.tokens.find_one(query)
        return Presented(str(doc["_id"]), _grant(doc)) if doc else None

    async def rotate(self, tenant_id: str, presented: Presented, scope: str) -> tuple[Use, str | None]:
        """Spend ``presented`` and issue its successor (with ``scope``), or detect its reuse."""
        successor, at = new_secret(), now()
        family = presented.grant.family_id
        won = await self.families.find_one_and_update(
            {
                "_id": family,
                "tenant_id": tenant_id,
                "current": presented.token_hash,
                "revoked": False,
                "expire_time": {"$gt": at},
            },
            {"$set": {"current": digest(successor), "rotate_time": at}},
        )
        if won is not None:
            await self._store(tenant_id, successor, replace(presented.grant, scope=scope))
            return Use.OK, successor
        reused = await self.families.update_one(
            {
                "_id": family,
                "tenant_id": tenant_id,
                "current": {"$ne": presented.token_hash},
                "revoked": False,
                "expire_time": {"$gt": at},
            },
            {"$set": {"revoked": True, "revoke_time": at, "revoke_reason": "reuse"}},
        )
        return (Use.REUSED if reused.modified_count else Use.INVALID), None

    async def lookup(self, tenant_id: str, token: str) -> tuple[Presented | None, bool]:
        """The token and whether it is active (its family's current, unrevoked, unexpired)."""
        presented = await self.find(tenant_id, token)
        if presented is None:
            return None, False
        family = await self.families.find_one({"_id": presented.grant.family_id, "tenant_id": tenant_id})
        active = bool(
            family
            and family["current"] == presented.token_hash
            and not family["revoked"]
            and aware(family["expire_time"]) > now()
        )
        return presented, active

    async def revoke_family(self, tenant_id: str, family_id: str) -> int:
        """Revoke one family: 1 when it was active, else 0. A family not stored yet is stored
        revoked, so that its first token, issued later, is born dead (see ``issue``)."""
        at = now()
        result = await self._upsert_family(
            tenant_id,
            family_id,
            {
                "$set": {"revoked": True},
                "$min": {"revoke_time": at},  # unchanged when revoked before: counts as no change
                "$setOnInsert": {"current": "", "expire_time": at + STUB_TTL, "create_time": at},
            },
        )
        return result.modified_count

    async def revoke_client(self, *, tenant_id: str, client_id: str) -> int:
        return await self._revoke({"tenant_id": tenant_id, "client_id": client_id})

    async def revoke_user(self, *, tenant_id: str, user_id: str) -> int:
        return await self._revoke({"tenant_id": tenant_id, "user_id": user_id})

    async def _revoke(self, query: dict[str, Any]) -> int:
        """Revoke every matching family; the number of active tokens revoked (one per family)."""
        result = await self.families.update_many(
            {**query, "revoked": False}, {"$set": {"revoked": True, "revoke_time": now()}}
        )
        return result.modified_count

    async def _upsert_family(self, tenant_id: str, family_id: str, update: Document) -> UpdateResult:
        query = {"_id": family_id, "tenant_id": tenant_id}
        try:
            return await self.families.update_one(query, update, upsert=True)
        except DuplicateKeyError:  # inserted concurrently: apply the change to what is there now
            update = {op: fields for op, fields in update.items() if op != "$setOnInsert"}
            return await self.families.update_one(query, update)

    async def _store(self, tenant_id: str, token: str, grant: RefreshGrant) -> None:
        await self.tokens.insert_one(
            {
                "_id": digest(token),
                "tenant_id": tenant_id,
                "family_id": grant.family_id,
                "client_id": grant.client_id,
                "user_id": grant.user_id,
                "scope": grant.scope,
                "auth_time": grant.auth_time,
                "expire_time": grant.expire_time,
                "create_time": now(),
            }
        )


def _grant(doc: Document) -> RefreshGrant:
    return RefreshGrant(
        family_id=doc["family_id"],
        client_id=doc["client_id"],
        user_id=doc["user_id"],
        scope=doc["scope"],
        auth_time=aware(doc["auth_time"]),
        expire_time=aware(doc["expire_time"]),
    )


def expiry(ttl_seconds: int) -> datetime:
    return now() + timedelta(seconds=ttl_seconds)
