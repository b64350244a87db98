"""Single-use, expiring tokens sent by email (password reset, email verification) in MongoDB
(``email_tokens``). Only the SHA-256 of a token is stored, as the document id; consuming it is
one atomic delete, so two clicks on the same link cannot both succeed. Issuing a new token of a
kind for a user deletes the older ones: only the newest link works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.auth.common import aware
from services.auth.crypto import digest, new_secret
from services.kit.mongo import Document, ensure_indexes, now


class TokenKind(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind, not a secret)
    EMAIL_VERIFICATION = "email_verification"


@dataclass(frozen=True)
class EmailToken:
    kind: TokenKind
    tenant_id: str
    user_id: str
    email: str
    expire_time: datetime


class EmailTokens:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.tokens = db["email_tokens"]

    async def init(self) -> None:
        await ensure_indexes(
            self.tokens,
            [
                IndexModel(
                    [("tenant_id", ASCENDING), ("user_id", ASCENDING), ("kind", ASCENDING)], name="user"
                )
            ],
            # the clean-up job's range (services/auth/audit/retention.py): cross-tenant by nature
            cross_tenant=[IndexModel([("expire_time", ASCENDING)], name="expiry")],
        )

    async def issue(
        self, kind: TokenKind, *, tenant_id: str, user_id: str, email: str, ttl_seconds: int
    ) -> tuple[str, datetime]:
        """A new token (returned once, in clear, for the link) and its expiry."""
        await self.revoke(kind, tenant_id=tenant_id, user_id=user_id)
        token, expires = new_secret(), now() + timedelta(seconds=ttl_seconds)
        await self.tokens.insert_one(
            {
                "_id": digest(token),
                "kind": kind.value,
                "tenant_id": tenant_id,
                "user_id": user_id,
                "email": email,
                "expire_time": expires,
                "create_time": now(),
            }
        )
        return token, expires

    async def consume(self, kind: TokenKind, token: str) -> EmailToken | None:
        """The token's data if it is valid, and it is gone from then on; None otherwise."""
        doc = await self.tokens.find_one_and_delete(
            {"_id": digest(token), "kind": kind.value, "expire_time": {"$gt": now()}}
        )
        return _token(doc) if doc else None

    async def peek(self, kind: TokenKind, token: str) -> EmailToken | None:
        doc = await self.tokens.find_one(
            {"_id": digest(token), "kind": kind.value, "expire_time": {"$gt": now()}}
        )
        return _token(doc) if doc else None

    async def revoke(self, kind: TokenKind, *, tenant_id: str, user_id: str) -> None:
        await self.tokens.delete_many({"tenant_id": tenant_id, "user_id": user_id, "kind": kind.value})

    async def purge_expired(self) -> int:
        result = await self.tokens.delete_many({"expire_time": {"$lt": now()}})
        return result.deleted_count


def _token(doc: Document) -> EmailToken:
    return EmailToken(
        kind=TokenKind(doc["kind"]),
        tenant_id=doc["tenant_id"],
        user_id=doc["user_id"],
        email=doc["email"],
        expire_time=aware(doc["expire_time"]),
    )
