"""Invitations in MongoDB (``invitations``, _id = UUIDv7 so that id order is creation order).
The token's SHA-256 (``token_hash``) is set while the invitation is PENDING and removed when it
is accepted or revoked; accepting looks it up across tenants (the token is the credential)."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.auth.common import aware
from services.auth.invitations.model import Invitation, InvitationStatus
from services.auth.users.model import Role, email_key
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

PENDING = InvitationStatus.PENDING.value


class InvitationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.invitations = db["invitations"]

    async def init(self) -> None:
        await ensure_indexes(
            self.invitations,
            [IndexModel([("tenant_id", ASCENDING), ("email_key", ASCENDING)], name="tenant_email")],
            # accepting by token is cross-tenant by nature (the link carries only the token)
            cross_tenant=[IndexModel([("token_hash", ASCENDING)], name="token")],
        )

    async def insert(self, invitation: Invitation, token_hash: str) -> Invitation:
        invitation.create_time = invitation.update_time = now()
        invitation.etag = new_etag()
        await self.invitations.insert_one({**_to_doc(invitation), "token_hash": token_hash})
        return invitation

    async def get(self, *, tenant_id: str, invitation_id: str) -> Invitation | None:
        doc = await self.invitations.find_one({"_id": invitation_id, "tenant_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def by_token(self, token_hash: str) -> Invitation | None:
        """The PENDING, unexpired invitation of a token, in whatever tenant."""
        doc = await self.invitations.find_one(
            {"token_hash": token_hash, "status": PENDING, "expire_time": {"$gt": now()}}
        )
        return _from_doc(doc) if doc else None

    async def open_for(self, *, tenant_id: str, email: str) -> Invitation | None:
        doc = await self.invitations.find_one(
            {
                "tenant_id": tenant_id,
                "email_key": email_key(email),
                "status": PENDING,
                "expire_time": {"$gt": now()},
            }
        )
        return _from_doc(doc) if doc else None

    async def find_page(
        self, *, tenant_id: str, status: InvitationStatus | None, search: str, before: str | None, limit: int
    ) -> list[Invitation]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if status is InvitationStatus.EXPIRED:
            query.update(status=PENDING, expire_time={"$lte": now()})
        elif status is InvitationStatus.PENDING:
            query.update(status=PENDING, expire_time={"$gt": now()})
        elif status is not None:
            query["status"] = status.value
        if search:
            query["email_key"] = {"$regex": re.escape(search.lower())}
        if before:
            query["_id"] = {"$lt": before}
        cursor = self.invitations.find(query).sort([("_id", DESCENDING)]).limit(limit)
        return [_from_doc(d) async for d in cursor]

    async def update(
        self, *, tenant_id: str, invitation_id: str, changes: dict[str, Any], expect: dict[str, Any]
    ) -> Invitation | None:
        """Apply ``changes`` (``token_hash: None`` removes the token) if the stored invitation
        still matches ``expect``; None otherwise."""
        sets = {k: v for k, v in changes.items() if v is not None or k != "token_hash"}
        update: dict[str, Any] = {"$set": {**sets, "update_time": now(), "etag": new_etag()}}
        if "token_hash" in changes and changes["token_hash"] is None:
            update["$unset"] = {"token_hash": ""}
        doc = await self.invitations.find_one_and_update(
            {"_id": invitation_id, "tenant_id": tenant_id, **expect},
            update,
            return_document=ReturnDocument.AFTER,
        )
        return _from_doc(doc) if doc else None

    async def delete(self, *, tenant_id: str, invitation_id: str, etag: str) -> None:
        """Remove the invitation if it is still in the state ``etag`` names."""
        await self.invitations.delete_one({"_id": invitation_id, "tenant_id": tenant_id, "etag": etag})


def _to_doc(invitation: Invitation) -> Document:
    doc = asdict(invitation)
    doc["_id"] = doc.pop("id")
    doc["role"] = invitation.role.value
    doc["status"] = invitation.status.value
    doc["email_key"] = email_key(invitation.email)
    return doc


def _from_doc(doc: Document) -> Invitation:
    doc = dict(doc)
    for key in ("email_key", "token_hash"):
        doc.pop(key, None)
    for key in ("expire_time", "last_send_time", "accept_time", "create_time", "update_time"):
        if doc.get(key) is not None:
            doc[key] = aware(doc[key])
    return Invitation(
        id=doc.pop("_id"), role=Role(doc.pop("role")), status=InvitationStatus(doc.pop("status")), **doc
    )
