"""Which machine is which agent: the ``agents`` collection (one document per machine).

``_id`` is the machine id (= the agent's OAuth client id); ``fingerprint_key`` is
``<tenant>/<fingerprint>`` (or ``<tenant>/id:<machine id>`` when the agent sent none), unique,
so a re-installed agent finds its machine again and two racing registrations of one machine
cannot both create a device. Written once per registration; never on the heartbeat path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.kit.mongo import Document, ensure_indexes

COLLECTION = "agents"
INDEXES = [
    IndexModel([("tenant_id", ASCENDING), ("fingerprint_key", ASCENDING)], unique=True, name="tenant_fp")
]


@dataclass(frozen=True)
class AgentRecord:
    machine_id: str
    tenant_id: str
    fingerprint_key: str
    registration_secret: str
    create_time: datetime


def fingerprint_key(tenant_id: str, fingerprint: str, machine_id: str) -> str:
    return f"{tenant_id}/{fingerprint}" if fingerprint else f"{tenant_id}/id:{machine_id}"


class AgentRegistry:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[COLLECTION]

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    async def by_fingerprint(self, tenant_id: str, fingerprint: str) -> AgentRecord | None:
        doc = await self.collection.find_one(
            {"tenant_id": tenant_id, "fingerprint_key": fingerprint_key(tenant_id, fingerprint, "")}
        )
        return _from_doc(doc) if doc else None

    async def insert(self, record: AgentRecord) -> bool:
        """False when another registration of the same fingerprint got there first."""
        try:
            await self.collection.insert_one(
                {
                    "_id": record.machine_id,
                    "tenant_id": record.tenant_id,
                    "fingerprint_key": record.fingerprint_key,
                    "registration_secret": record.registration_secret,
                    "create_time": record.create_time,
                }
            )
        except DuplicateKeyError:
            return False
        return True


def _from_doc(doc: Document) -> AgentRecord:
    return AgentRecord(
        machine_id=doc["_id"],
        tenant_id=doc["tenant_id"],
        fingerprint_key=doc["fingerprint_key"],
        registration_secret=doc.get("registration_secret", ""),
        create_time=doc["create_time"],
    )
