"""Refresh tokens in MongoDB (``refresh_tokens``, _id = SHA-256 of the token).

Rotation: every use marks the token used (compare-and-set, so two concurrent uses cannot both
win) and a new token of the same family is issued. A token presented after it was used means it
leaked (or a client bug): the whole family is revoked (OAuth 2.0 Security BCP §4.14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.auth.common import aware, now
from services.auth.crypto import digest, new_secret
from services.kit.mongo import Document, ensure_indexes

INDEXES = [
    IndexModel([("tenant_id", ASCENDING), ("family_id", ASCENDING)], name="tenant_family"),
    IndexModel([("tenant_id", ASCENDING), ("client_id", ASCENDING)], name="tenant_client"),
    IndexModel([("tenant_id", ASCENDING), ("user_id", ASCENDING)], name="tenant_user"),
]


class Use(Enum):
    OK = "ok"
    REUSED = "reused"  # already used: the family is now revoked
    INVALID = "invalid"  # unknown, expired, revoked, or another client's


@dataclass(frozen=True)
class RefreshGrant:
    family_id: str
    client_id: str
    user_id: str
    scope: str
    auth_time: datetime
    expire_time: datetime


class RefreshTokens:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.tokens = db["refresh_tokens"]

    async def init(self) -> None:
        await ensure_indexes(self.tokens, INDEXES)

    async def issue(self, tenant_id: str, grant: RefreshGrant) -> str:
        token = new_secret()
        await self.tokens.insert_one(
            {
                "_id": digest(token),
                "tenant_id": tenant_id,
                "family_id": grant.family_id,
                "client_id": grant.client_id,
                "user_id": grant.user_id,
                "scope": grant.scope,
                "auth_time": grant.auth_time,
                "create_time": now(),
                "expire_time": grant.expire_time,
                "used_time": None,
                "revoked": False,
            }
        )
        return token

    async def use(self, tenant_id: str, token: str, client_id: str) -> tuple[Use, RefreshGrant | None]:
        at = now()
        key = {"_id": digest(token), "tenant_id": tenant_id, "client_id": client_id}
        doc = await self.tokens.find_one_and_update(
            {**key, "used_time": None, "revoked": False, "expire_time": {"$gt": at}},
            {"$set": {"used_time": at}},
        )
        if doc is not None:
            return Use.OK, _grant(doc)
        stored = await self.tokens.find_one(key)
        if stored is not None and stored["used_time"] is not None and not stored["revoked"]:
            await self.revoke_family(tenant_id, stored["family_id"])
            return Use.REUSED, _grant(stored)
        return Use.INVALID, None

    async def lookup(self, tenant_id: str, token: str) -> tuple[Document | None, bool]:
        """The token's record and whether it is active (unused, unrevoked, unexpired)."""
        doc = await self.tokens.find_one({"_id": digest(token), "tenant_id": tenant_id})
        active = bool(
            doc and doc["used_time"] is None and not doc["revoked"] and aware(doc["expire_time"]) > now()
        )
        return doc, active

    async def revoke_family(self, tenant_id: str, family_id: str) -> int:
        return await self._revoke({"tenant_id": tenant_id, "family_id": family_id})

    async def revoke_client(self, *, tenant_id: str, client_id: str) -> int:
        return await self._revoke({"tenant_id": tenant_id, "client_id": client_id})

    async def revoke_user(self, *, tenant_id: str, user_id: str) -> int:
        return await self._revoke({"tenant_id": tenant_id, "user_id": user_id})

    async def _revoke(self, query: dict[str, Any]) -> int:
        result = await self.tokens.update_many({**query, "revoked": False}, {"$set": {"revoked": True}})
        return result.modified_count


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
