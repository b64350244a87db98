"""SSO providers (``sso_providers``, _id = provider id) and linked identities (``sso_identities``)
in MongoDB. Every query carries the tenant. Links live in their own collection rather than in the
user document: a user's record stays the users module's, and (tenant, provider, sub) is unique."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.auth.common import new_id
from services.auth.sso.model import LinkedIdentity, Preset, SsoProvider
from services.auth.users.model import Role
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

PROVIDER_INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("display_name", ASCENDING), ("_id", ASCENDING)], name="tenant_display"
    )
]
IDENTITY_INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("provider_id", ASCENDING), ("subject", ASCENDING)],
        unique=True,
        name="tenant_provider_subject",
    ),
    IndexModel([("tenant_id", ASCENDING), ("user_id", ASCENDING)], name="tenant_user"),
]


class SsoRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.providers = db["sso_providers"]
        self.identities = db["sso_identities"]

    async def init(self) -> None:
        await ensure_indexes(self.providers, PROVIDER_INDEXES)
        await ensure_indexes(self.identities, IDENTITY_INDEXES)

    # providers

    async def insert(self, provider: SsoProvider) -> SsoProvider:
        provider.create_time = provider.update_time = now()
        provider.etag = new_etag()
        await self.providers.insert_one(_to_doc(provider))
        return provider

    async def get(self, *, tenant_id: str, provider_id: str) -> SsoProvider | None:
        doc = await self.providers.find_one({"_id": provider_id, "tenant_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def find_page(
        self, *, tenant_id: str, enabled_only: bool, after: tuple[str, str] | None, limit: int
    ) -> list[SsoProvider]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if enabled_only:
            query["enabled"] = True
        if after:
            name, last_id = after
            query["$or"] = [{"display_name": {"$gt": name}}, {"display_name": name, "_id": {"$gt": last_id}}]
        cursor = (
            self.providers.find(query).sort([("display_name", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        )
        return [_from_doc(d) async for d in cursor]

    async def update(
        self, *, tenant_id: str, provider_id: str, changes: dict[str, Any], etag: str
    ) -> SsoProvider | None:
        query: dict[str, Any] = {"_id": provider_id, "tenant_id": tenant_id}
        if etag:
            query["etag"] = etag
        doc = await self.providers.find_one_and_update(
            query,
            {"$set": {**_storage(changes), "update_time": now(), "etag": new_etag()}},
            return_document=ReturnDocument.AFTER,
        )
        return _from_doc(doc) if doc else None

    async def delete(self, *, tenant_id: str, provider_id: str, etag: str) -> SsoProvider | None:
        """Remove the provider (only in the state ``etag`` names, when given); what was removed."""
        query: dict[str, Any] = {"_id": provider_id, "tenant_id": tenant_id}
        if etag:
            query["etag"] = etag
        doc = await self.providers.find_one_and_delete(query)
        return _from_doc(doc) if doc else None

    # linked identities

    async def link_of(self, *, tenant_id: str, provider_id: str, subject: str) -> LinkedIdentity | None:
        doc = await self.identities.find_one(
            {"tenant_id": tenant_id, "provider_id": provider_id, "subject": subject}
        )
        return _identity(doc) if doc else None

    async def links_of_user(self, *, tenant_id: str, user_id: str) -> list[LinkedIdentity]:
        cursor = self.identities.find({"tenant_id": tenant_id, "user_id": user_id})
        return [_identity(d) async for d in cursor]

    async def link(
        self, *, tenant_id: str, provider_id: str, subject: str, user_id: str, email: str
    ) -> LinkedIdentity | None:
        """Store a link; None when that upstream account is already linked (a concurrent sign-in)."""
        at = now()
        identity = LinkedIdentity(
            id=new_id(),
            tenant_id=tenant_id,
            provider_id=provider_id,
            subject=subject,
            user_id=user_id,
            email=email,
            create_time=at,
            last_login_time=at,
        )
        doc = asdict(identity)
        doc["_id"] = doc.pop("id")
        try:
            await self.identities.insert_one(doc)
        except DuplicateKeyError:
            return None
        return identity

    async def touch_link(self, *, tenant_id: str, link_id: str, email: str, at: datetime) -> None:
        # $max: of two sign-ins finishing out of order the later time stays.
        await self.identities.update_one(
            {"_id": link_id, "tenant_id": tenant_id},
            {"$set": {"email": email}, "$max": {"last_login_time": at}},
        )

    async def unlink(self, *, tenant_id: str, link_id: str, user_id: str) -> None:
        """Remove a link that still points at ``user_id``."""
        await self.identities.delete_one({"_id": link_id, "tenant_id": tenant_id, "user_id": user_id})

    async def unlink_provider(self, *, tenant_id: str, provider_id: str) -> int:
        result = await self.identities.delete_many({"tenant_id": tenant_id, "provider_id": provider_id})
        return int(result.deleted_count)


def _storage(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    if "auto_provision_role" in out:
        out["auto_provision_role"] = Role(out["auto_provision_role"]).value
    return out


def _to_doc(provider: SsoProvider) -> Document:
    doc = asdict(provider)
    doc["_id"] = doc.pop("id")
    doc["preset"] = provider.preset.value
    doc["auto_provision_role"] = provider.auto_provision_role.value
    return doc


def _from_doc(doc: Document) -> SsoProvider:
    doc = dict(doc)
    return SsoProvider(
        id=doc.pop("_id"),
        preset=Preset(doc.pop("preset")),
        auto_provision_role=Role(doc.pop("auto_provision_role")),
        **doc,
    )


def _identity(doc: Document) -> LinkedIdentity:
    doc = dict(doc)
    return LinkedIdentity(id=doc.pop("_id"), **doc)
