"""Once per database: devices stored before the list keys existed get them, their tag rows and
their tenants' counts (services/api/devices/model.py, tag_rows.py, counts.py).

Run by :meth:`DeviceRepository.init`; the first process to insert the marker in
``api_migrations`` runs it (a marker older than ``STALE`` whose run never finished is taken over),
the others go on. Every step is idempotent: the keys and rows are recomputed from the document,
the counts rebuilt from the devices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.api.devices.model import query_keys
from services.kit.logging import get_logger
from services.kit.mongo import now

if TYPE_CHECKING:
    from services.api.devices.repository import DeviceRepository

log = get_logger(__name__)

MARKER = "devices-list-keys"
STALE = timedelta(minutes=10)


async def migrate(repo: DeviceRepository) -> None:
    from services.api.devices.repository import _PROJECTION, from_doc

    marks = repo.db["api_migrations"]
    started = now()
    try:
        await marks.insert_one({"_id": MARKER, "done": False, "started": started})
    except DuplicateKeyError:
        mark = await marks.find_one({"_id": MARKER})
        if mark is None or mark.get("done") or mark["started"] > started - STALE:
            return
        taken = await marks.find_one_and_update(
            {"_id": MARKER, "started": mark["started"]}, {"$set": {"started": started}}
        )
        if taken is None:
            return
    tenants: set[str] = set()
    async for doc in repo.devices.find({"k_seen": {"$exists": False}}, _PROJECTION):  # once: a scan
        written = await repo.devices.find_one_and_update(
            {"_id": doc["_id"], "tenant_id": doc["tenant_id"], "etag": doc.get("etag")},
            {"$set": query_keys(from_doc(doc))},
            return_document=ReturnDocument.AFTER,
        )
        if written is not None:
            await repo.tag_rows.sync(written)
        tenants.add(doc["tenant_id"])
    for tenant_id in sorted(tenants):
        await repo.counts.recount(tenant_id, repo.devices)
    await marks.update_one({"_id": MARKER}, {"$set": {"done": True}})
    log.info("devices migrated", tenants=len(tenants))
