"""Integrated tools in MongoDB (``integrated_tools``). Every call takes the tenant, and every
index starts with tenant_id but the monitor's (``due``: its schedule spans every tenant).
Credentials are stored sealed (services/kit/sealing.py), never in clear.

Health and the monitor's schedule live in their own collection (``integrated_tool_checks``, one
document per tool, same ``_id``): they change on every probe, on a schedule of their own, and are
not part of the resource a client edits (a probe changes neither its etag nor its update time),
and the monitor's claims touch only this small collection."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.external.tools.model import (
    CredentialKind,
    Health,
    HealthStatus,
    IntegratedTool,
    ToolType,
)
from services.kit.errors import AlreadyExists
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

COLLECTION = "integrated_tools"
CHECKS = "integrated_tool_checks"

INDEXES = [
    # display names are unique per tenant, case-insensitively; also the list order
    IndexModel([("tenant_id", ASCENDING), ("display_name_key", ASCENDING)], unique=True, name="tenant_name"),
]

Sealed = dict[str, Any]


class ToolRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.tools = db[COLLECTION]
        self.checks = db[CHECKS]

    async def init(self) -> None:
        await ensure_indexes(self.tools, INDEXES)
        await ensure_indexes(
            self.checks,
            [IndexModel([("tenant_id", ASCENDING)], name="tenant")],
            # the monitor's claim reads the due range, not every tool of every tenant
            cross_tenant=[IndexModel([("next_check", ASCENDING)], name="due")],
        )

    async def insert(self, tool: IntegratedTool, sealed: Sealed | None) -> IntegratedTool:
        tool.create_time = tool.update_time = now()
        tool.etag = new_etag()
        doc = _to_doc(tool)
        doc["credentials"] = sealed
        try:
            await self.tools.insert_one(doc)
        except DuplicateKeyError:
            raise _name_taken(tool.display_name) from None
        # the monitor probes it at its next round
        await self.checks.insert_one(
            {"_id": tool.id, "tenant_id": tool.tenant_id, "next_check": tool.create_time}
        )
        return tool

    async def get(self, *, tenant_id: str, tool_id: str) -> tuple[IntegratedTool, Sealed | None] | None:
        """The tool and its sealed credentials (None when it does not exist in this tenant)."""
        doc = await self.tools.find_one({"_id": tool_id, "tenant_id": tenant_id})
        if doc is None:
            return None
        return _from_doc(doc, await self._check(tool_id)), doc.get("credentials")

    async def find_page(
        self,
        *,
        tenant_id: str,
        tool_type: ToolType | None,
        enabled_only: bool,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[IntegratedTool]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if tool_type is not None:
            query["tool_type"] = tool_type.value
        if enabled_only:
            query["enabled"] = True
        if after:
            key, last_id = after
            query["$or"] = [
                {"display_name_key": {"$gt": key}},
                {"display_name_key": key, "_id": {"$gt": last_id}},
            ]
        cursor = (
            self.tools.find(query, {"credentials": 0})
            .sort([("display_name_key", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [_from_doc(d, await self._check(d["_id"])) async for d in cursor]

    async def _check(self, tool_id: str) -> Document | None:
        return await self.checks.find_one({"_id": tool_id})

    async def update(
        self, *, tenant_id: str, tool_id: str, changes: dict[str, Any], expected_etag: str | None
    ) -> IntegratedTool | None:
        """Apply ``changes`` atomically if the etag still matches; None when no document did.
        ``changes`` may carry ``credentials`` (sealed, or None to remove them)."""
        query: dict[str, Any] = {"_id": tool_id, "tenant_id": tenant_id}
        if expected_etag:
            query["etag"] = expected_etag
        sets = {**changes, "update_time": now(), "etag": new_etag()}
        if "display_name" in changes:
            sets["display_name_key"] = changes["display_name"].lower()
        reprobe = bool({"base_url", "credentials", "enabled", "health_path"} & changes.keys())
        try:
            # the whole document (no projection: decision 0017 lists what the embedded store lacks)
            doc = await self.tools.find_one_and_update(
                query, {"$set": sets}, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            raise _name_taken(changes["display_name"]) from None
        if doc is None:
            return None
        if reprobe:  # what it reaches changed: probe it again soon
            await self.checks.update_one(
                {"_id": tool_id},
                {"$set": {"tenant_id": tenant_id, "next_check": sets["update_time"]}},
                upsert=True,
            )
        return _from_doc(doc, await self._check(tool_id))

    async def delete(self, *, tenant_id: str, tool_id: str, expected_etag: str | None) -> bool:
        query: dict[str, Any] = {"_id": tool_id, "tenant_id": tenant_id}
        if expected_etag:
            query["etag"] = expected_etag
        result = await self.tools.delete_one(query)
        if result.deleted_count != 1:
            return False
        await self.checks.delete_one({"_id": tool_id})
        return True

    async def record_health(self, *, tenant_id: str, tool_id: str, health: Health) -> None:
        """Store a probe's result. Not a change of the resource: the etag stays, so a health
        check never makes a client's update fail."""
        await self.checks.update_one(
            {"_id": tool_id, "tenant_id": tenant_id}, {"$set": {"health": _health_doc(health)}}
        )

    async def claim_due(self, *, interval_seconds: float, limit: int) -> list[tuple[str, str]]:
        """Claim up to ``limit`` tools whose probe is due, of every tenant, moving their next probe
        one interval ahead. Each claim is one atomic document update, so several processes
        (workers, replicas) running the monitor never probe the same tool twice. Disabled tools
        are skipped by the prober (check_health loads the tool)."""
        claimed: list[tuple[str, str]] = []
        at = now()
        for _ in range(limit):
            doc = await self.checks.find_one_and_update(
                {"next_check": {"$lte": at}},
                {"$set": {"next_check": at + timedelta(seconds=interval_seconds)}},
            )
            if doc is None:
                break
            claimed.append((doc["tenant_id"], doc["_id"]))
        return claimed


def _name_taken(display_name: str) -> AlreadyExists:
    return AlreadyExists(f"a tool named {display_name!r} already exists")


def _health_doc(health: Health) -> Document:
    doc = asdict(health)
    doc["status"] = health.status.value
    return doc


def _to_doc(tool: IntegratedTool) -> Document:
    return {
        "_id": tool.id,
        "tenant_id": tool.tenant_id,
        "tool_type": tool.tool_type.value,
        "display_name": tool.display_name,
        "display_name_key": tool.display_name.lower(),
        "base_url": tool.base_url,
        "ui_url": tool.ui_url,
        "health_path": tool.health_path,
        "credential_kind": tool.credential_kind.value if tool.credential_kind else None,
        "enabled": tool.enabled,
        "create_time": tool.create_time,
        "update_time": tool.update_time,
        "etag": tool.etag,
    }


def _from_doc(doc: Document, check: Document | None) -> IntegratedTool:
    health = dict((check or {}).get("health") or {})
    kind = doc.get("credential_kind")
    return IntegratedTool(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        tool_type=ToolType(doc["tool_type"]),
        display_name=doc["display_name"],
        base_url=doc["base_url"],
        ui_url=doc.get("ui_url", ""),
        health_path=doc.get("health_path", ""),
        credential_kind=CredentialKind(kind) if kind else None,
        enabled=bool(doc.get("enabled", True)),
        health=Health(
            status=HealthStatus(health.get("status", HealthStatus.UNSPECIFIED.value)),
            latency_ms=float(health.get("latency_ms", 0.0)),
            message=str(health.get("message", "")),
            tool_version=str(health.get("tool_version", "")),
            check_time=health.get("check_time"),
        ),
        create_time=doc.get("create_time"),
        update_time=doc.get("update_time"),
        etag=doc.get("etag", ""),
    )
