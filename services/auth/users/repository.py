"""Users in MongoDB (``users``). Every query carries the tenant, except the by-email lookup
across tenants that tenant discovery needs."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.auth.users.model import Role, User, UserStatus, email_key
from services.kit.errors import AlreadyExists
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

INDEXES = [
    IndexModel([("tenant_id", ASCENDING), ("email_key", ASCENDING)], unique=True, name="tenant_email"),
    IndexModel([("tenant_id", ASCENDING), ("role", ASCENDING)], name="tenant_role"),
]


class UserRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.users = db["users"]

    async def init(self) -> None:
        # Discovery ("which tenants does this email belong to?") is cross-tenant by nature.
        await ensure_indexes(
            self.users, INDEXES, cross_tenant=[IndexModel([("email_key", ASCENDING)], name="email")]
        )

    async def insert(self, user: User) -> User:
        user.create_time = user.update_time = now()
        user.etag = new_etag()
        try:
            await self.users.insert_one(_to_doc(user))
        except DuplicateKeyError:
            raise AlreadyExists(f"a user with the email {user.email!r} already exists") from None
        return user

    async def get(self, *, tenant_id: str, user_id: str) -> User | None:
        doc = await self.users.find_one({"_id": user_id, "tenant_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def by_email(self, *, tenant_id: str, email: str) -> User | None:
        doc = await self.users.find_one({"tenant_id": tenant_id, "email_key": email_key(email)})
        return _from_doc(doc) if doc else None

    async def tenants_of_email(self, email: str) -> list[str]:
        cursor = self.users.find(
            {"email_key": email_key(email), "status": {"$ne": UserStatus.DISABLED.value}},
            projection={"tenant_id": 1},
        )
        return [d["tenant_id"] async for d in cursor]

    async def find_page(
        self,
        *,
        tenant_id: str,
        roles: list[Role],
        status: UserStatus | None,
        search: str,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[User]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if roles:
            query["role"] = {"$in": [r.value for r in roles]}
        if status:
            query["status"] = status.value
        if search:
            pattern = re.escape(search.lower())
            query["$or"] = [
                {"email_key": {"$regex": pattern}},
                {"display_name": {"$regex": pattern, "$options": "i"}},
            ]
        if after:
            key, last_id = after
            query["$and"] = [
                {"$or": [{"email_key": {"$gt": key}}, {"email_key": key, "_id": {"$gt": last_id}}]}
            ]
        cursor = self.users.find(query).sort([("email_key", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return [_from_doc(d) async for d in cursor]

    async def update(
        self, *, tenant_id: str, user_id: str, changes: dict[str, Any], expect: dict[str, Any]
    ) -> User | None:
        """Apply ``changes`` if the user still matches ``expect`` (etag, role...); None otherwise."""
        sets = {**changes, "update_time": now(), "etag": new_etag()}
        if "email" in changes:
            sets["email_key"] = email_key(changes["email"])
        try:
            doc = await self.users.find_one_and_update(
                {"_id": user_id, "tenant_id": tenant_id, **expect},
                {"$set": sets},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise AlreadyExists(f"a user with the email {changes.get('email')!r} already exists") from None
        return _from_doc(doc) if doc else None

    async def touch_login(self, *, tenant_id: str, user_id: str, at: datetime) -> None:
        # Not an etag change: signing in does not edit the user. $max: of two sign-ins finishing
        # out of order the later time stays.
        await self.users.update_one(
            {"_id": user_id, "tenant_id": tenant_id}, {"$max": {"last_login_time": at}}
        )

    async def delete(self, *, tenant_id: str, user_id: str, expect: dict[str, Any]) -> bool:
        result = await self.users.delete_one({"_id": user_id, "tenant_id": tenant_id, **expect})
        return result.deleted_count == 1

    async def delete_tenant(self, tenant_id: str) -> None:
        await self.users.delete_many({"tenant_id": tenant_id})


def _to_doc(user: User) -> Document:
    doc = asdict(user)
    doc["_id"] = doc.pop("id")
    doc["role"] = user.role.value
    doc["status"] = user.status.value
    doc["email_key"] = email_key(user.email)
    return doc


def _from_doc(doc: Document) -> User:
    doc = dict(doc)
    doc.pop("email_key", None)
    return User(id=doc.pop("_id"), role=Role(doc.pop("role")), status=UserStatus(doc.pop("status")), **doc)
