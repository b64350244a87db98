"""Every query shape the services issue is served by the index its repository declares.

Each collection below has the indexes its repository creates and a few thousand documents over
30 tenants (so that a tenant's rows are a few percent of a table, as in a deployment); each shape
is a filter (with the sort and limit of a page) that the repository named in its id issues, with
the values a request would bring. For each: the backend's plan (``explain``) reads an index and
no table scan, a page's sort and limit are applied by the query itself (``limitPushdown``), and
the documents it returns are the ones the same query returns when the backend applies only part
of it (the handler then filters, sorts and limits everything that part selects).

Not here: shapes that no index serves (MongoDB would scan as well: signing keys still in a JWKS,
the tenants list), and the platform jobs' cross-tenant ranges, each a single-field index of its
own (``outbox_due``, ``next_check``, ``expire_time``: ``ensure_indexes(cross_tenant=...)``).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.store.conftest import Document

DOCS = 3000
TENANTS = 30
T = "t-7"  # the tenant a request is about
BASE = datetime(2025, 1, 1, tzinfo=UTC)
AT = BASE + timedelta(minutes=DOCS // 2)  # a time in the middle of the data
#: true for every document, and never pushed down: the reference result of each shape
NOT_PUSHED = {"$or": [{"never_set": {"$regex": "x"}}, {"never_set": {"$exists": False}}]}


def doc(i: int, rng: random.Random) -> Document:
    """Document ``i`` (of tenant ``t-{i % 30}``): the fields every shape filters on, some set by
    ``i`` so that the shapes below name values that exist, the others at random."""
    at = BASE + timedelta(minutes=i)
    return {
        "_id": f"id-{i:05d}",
        "tenant_id": f"t-{i % TENANTS}",
        "status": ("ACTIVE", "PENDING", "ONLINE", "OFFLINE", "DISABLED")[i // 7 % 5],
        "role": rng.choice(("OWNER", "ADMIN", "MEMBER")),
        "type": rng.choice(("login", "token", "logout")),
        "kind": ("VERIFY", "RESET")[i % 2],
        "purpose": rng.choice(("CONSOLE", "AGENT", "API")),
        "entity_type": ("DEVICE", "ORGANIZATION")[i % 2],
        "organization": f"org-{rng.randrange(10)}",
        "device": f"dev-{rng.randrange(20)}",
        "device_id": f"dev-{rng.randrange(4)}",
        "email_key": f"user{i}@example.com",
        "display_name": f"Name {i:05d}",
        "display_name_key": f"name {i:05d}",
        "key_lower": f"key{i}",
        "fingerprint_key": f"fp-{i}",
        "token_hash": f"th-{i}",
        "family_id": f"fam-{i // 3}",
        "client_id": f"client-{i % 20}",
        "user_id": f"user-{i % 40}",
        "provider_id": f"p-{i % 3}",
        "subject": f"s-{i}",
        "writer": f"w-{i % 10}",
        "seq": i,
        "revoked": i % 5 == 0,
        "deleted": i % 10 == 0,
        "enabled": rng.random() < 0.8,
        "used_time": at if i % 3 == 0 else None,
        "remaining": i % 3,
        "create_time": at,
        "event_time": at,
        "occur_time": at,
        "expire_time": at + timedelta(days=1),
        "deadline": at + timedelta(minutes=5),
        "lease_until": at + timedelta(seconds=30),
        "published_at": at if rng.random() < 0.9 else None,
        "last_use_time": None if rng.random() < 0.5 else at,
        "tag_index": [f"site={rng.randrange(5)}", "managed"],
    }


def one_per_tenant(i: int, rng: random.Random) -> Document:
    return {"_id": f"t-{i}", "tenant_id": f"t-{i}", "tenant_limits": {"per_minute": 100}}


def ix(*keys: tuple[str, int], unique: bool = False) -> IndexModel:
    return IndexModel(list(keys), unique=unique)


@dataclass(frozen=True)
class Collection:
    indexes: list[IndexModel]
    make: Callable[[int, random.Random], Document] = doc


A, D = 1, -1
COLLECTIONS: dict[str, Collection] = {
    "devices": Collection(
        [
            ix(("tenant_id", A), ("create_time", A), ("_id", A)),
            ix(("tenant_id", A), ("status", A), ("create_time", A), ("_id", A)),
            ix(("tenant_id", A), ("organization", A), ("status", A)),
            ix(("tenant_id", A), ("tag_index", A)),
            ix(("tenant_id", A), ("status", A), ("last_seen_time", A)),
        ]
    ),
    "organizations": Collection(
        [
            ix(("tenant_id", A), ("display_name_key", A), unique=True),
            ix(("tenant_id", A), ("status", A), ("create_time", A), ("_id", A)),
        ]
    ),
    "events": Collection(
        [
            ix(("tenant_id", A), ("occur_time", D), ("_id", D)),
            ix(("tenant_id", A), ("device", A), ("occur_time", D)),
            ix(("tenant_id", A), ("status", A), ("occur_time", D)),
        ]
    ),
    "tag_keys": Collection([ix(("tenant_id", A), ("entity_type", A), ("key_lower", A), unique=True)]),
    "agents": Collection([ix(("tenant_id", A), ("fingerprint_key", A), unique=True)]),
    "commands": Collection(
        [
            ix(("tenant_id", A), ("device_id", A), ("create_time", D), ("_id", D)),
            ix(("status", A), ("deadline", A)),
        ]
    ),
    "registration_secrets": Collection([ix(("tenant_id", A), ("create_time", D), ("_id", D))]),
    "outbox": Collection([ix(("lease_until", A))]),
    "outbox_log": Collection([ix(("writer", A), ("seq", A))]),
    "refresh_tokens": Collection(
        [
            ix(("tenant_id", A), ("family_id", A)),
            ix(("tenant_id", A), ("client_id", A)),
            ix(("tenant_id", A), ("user_id", A)),
        ]
    ),
    "users": Collection(
        [
            ix(("tenant_id", A), ("email_key", A), unique=True),
            ix(("tenant_id", A), ("role", A)),
            ix(("email_key", A)),
        ]
    ),
    "audit_events": Collection(
        [
            ix(("tenant_id", A), ("event_time", D), ("_id", D)),
            ix(("tenant_id", A), ("type", A), ("event_time", D)),
        ]
    ),
    "email_tokens": Collection([ix(("tenant_id", A), ("user_id", A), ("kind", A))]),
    "initial_access_tokens": Collection([ix(("tenant_id", A), ("expire_time", A))]),
    "oauth_clients": Collection([ix(("tenant_id", A), ("create_time", A), ("_id", A))]),
    "tenants": Collection([ix(("tenant_id", A))]),
    "signing_keys": Collection([ix(("tenant_id", A), ("create_time", D))]),
    "invitations": Collection([ix(("tenant_id", A), ("email_key", A)), ix(("token_hash", A))]),
    "sso_providers": Collection([ix(("tenant_id", A), ("display_name", A), ("_id", A))]),
    "sso_identities": Collection(
        [
            ix(("tenant_id", A), ("provider_id", A), ("subject", A), unique=True),
            ix(("tenant_id", A), ("user_id", A)),
        ]
    ),
    "api_keys": Collection([ix(("tenant_id", A), ("create_time", D), ("_id", D))]),
    "tools": Collection([ix(("tenant_id", A), ("display_name_key", A), unique=True)]),
    "rate_limits": Collection([ix(("tenant_id", A), unique=True)], one_per_tenant),
}


@dataclass(frozen=True)
class Shape:
    collection: str
    filter: Document
    sort: list[tuple[str, int]] = field(default_factory=list)
    limit: int = 0


def cursor(key: str, value: Any, last_id: str, op: str = "$gt") -> Document:
    """A page token's condition: strictly after (``$gt``) or before (``$lt``) the last item served."""
    return {"$or": [{key: {op: value}}, {key: value, "_id": {op: last_id}}]}


ASC_PAGE = [("create_time", A), ("_id", A)]
DESC_PAGE = [("create_time", D), ("_id", D)]
LAST = "id-01000"  # the last item a previous page served (its time is AT)
SHAPES: dict[str, Shape] = {
    # api
    "api.devices-get": Shape("devices", {"_id": "id-00042"}),
    "api.devices-page": Shape(
        "devices", {"tenant_id": T, "status": {"$in": ["ONLINE", "OFFLINE"]}}, ASC_PAGE, 50
    ),
    "api.devices-page-cursor": Shape(
        "devices",
        {
            "$and": [
                {"tenant_id": T, "status": {"$in": ["ONLINE", "OFFLINE"]}},
                cursor("create_time", AT, LAST),
            ]
        },
        ASC_PAGE,
        50,
    ),
    "api.devices-page-newest-first": Shape(
        "devices", {"$and": [{"tenant_id": T}, cursor("create_time", AT, LAST, "$lt")]}, DESC_PAGE, 50
    ),
    "api.devices-count-by": Shape("devices", {"tenant_id": T, "organization": {"$in": ["org-1", "org-2"]}}),
    "api.devices-of-tag": Shape("devices", {"tenant_id": T, "tag_index": "managed"}),
    "api.organizations-get": Shape("organizations", {"_id": "id-00042"}),
    "api.organizations-page": Shape(
        "organizations", {"tenant_id": T, "status": "ACTIVE", **cursor("create_time", AT, LAST)}, ASC_PAGE, 50
    ),
    "api.organizations-device-count": Shape(
        "devices", {"tenant_id": T, "organization": "org-3", "status": {"$nin": ["DISABLED", "PENDING"]}}
    ),
    "api.events-get": Shape("events", {"_id": "id-00042"}),
    "api.events-page": Shape(
        "events",
        {
            "tenant_id": T,
            "type": {"$in": ["login", "token"]},
            "$and": [
                {"occur_time": {"$gte": BASE}},
                {"occur_time": {"$lt": BASE + timedelta(days=30)}},
                cursor("occur_time", AT, LAST, "$lt"),
            ],
        },
        [("occur_time", D), ("_id", D)],
        50,
    ),
    "api.events-of-device": Shape(
        "events", {"tenant_id": T, "device": "dev-3"}, [("occur_time", D), ("_id", D)], 50
    ),
    "api.tags-get": Shape("tag_keys", {"_id": "id-00042"}),
    "api.tags-find-by-key": Shape(
        "tag_keys",
        {"tenant_id": T, "entity_type": "ORGANIZATION", "key_lower": {"$in": ["key7", "key37", "key8"]}},
    ),
    "api.tags-list": Shape(
        "tag_keys",
        {"tenant_id": T, "deleted": False, "entity_type": "ORGANIZATION"},
        [("key_lower", A), ("_id", A)],
    ),
    "api.agents-by-fingerprint": Shape("agents", {"tenant_id": T, "fingerprint_key": "fp-37"}),
    "api.commands-get": Shape("commands", {"_id": "id-00042"}),
    "api.commands-page": Shape(
        "commands",
        {
            "tenant_id": T,
            "device_id": "dev-1",
            "status": {"$in": ["ACTIVE", "PENDING"]},
            **cursor("create_time", AT, LAST, "$lt"),
        },
        DESC_PAGE,
        50,
    ),
    "api.commands-overdue": Shape(
        "commands",
        {"status": {"$in": ["PENDING", "ONLINE"]}, "deadline": {"$lt": BASE + timedelta(hours=2)}},
        limit=100,
    ),
    "api.registration-secrets-get": Shape("registration_secrets", {"_id": "id-00042"}),
    "api.registration-secrets-page": Shape(
        "registration_secrets", {"tenant_id": T, **cursor("create_time", AT, LAST, "$lt")}, DESC_PAGE, 50
    ),
    # kit
    "kit.outbox-sweep": Shape(
        "outbox", {"lease_until": {"$lt": BASE + timedelta(hours=2)}, "published_at": None}, limit=100
    ),
    "kit.outbox-mark": Shape("outbox", {"_id": {"$in": ["id-00001", "id-00002", "id-00003"]}}),
    "kit.outbox-log-recover": Shape("outbox_log", {"writer": "w-3", "seq": {"$gt": 1500}}, [("seq", A)], 100),
    # auth
    "auth.refresh-use": Shape(
        "refresh_tokens",
        {
            "_id": "id-00037",
            "tenant_id": T,
            "client_id": "client-17",
            "used_time": None,
            "revoked": False,
            "expire_time": {"$gt": BASE},
        },
    ),
    "auth.refresh-revoke-family": Shape(
        "refresh_tokens", {"tenant_id": T, "family_id": "fam-12", "revoked": False}
    ),
    "auth.refresh-revoke-user": Shape(
        "refresh_tokens", {"tenant_id": T, "user_id": "user-37", "revoked": False}
    ),
    "auth.users-get": Shape("users", {"_id": "id-00037", "tenant_id": T}),
    "auth.users-by-email": Shape("users", {"tenant_id": T, "email_key": "user37@example.com"}),
    "auth.users-tenants-of-email": Shape(
        "users", {"email_key": "user37@example.com", "status": {"$ne": "DISABLED"}}
    ),
    "auth.users-page": Shape(
        "users",
        {
            "tenant_id": T,
            "role": {"$in": ["OWNER", "ADMIN"]},
            "$and": [cursor("email_key", "user1000@example.com", LAST)],
        },
        [("email_key", A), ("_id", A)],
        50,
    ),
    "auth.audit-get": Shape("audit_events", {"_id": "id-00037", "tenant_id": T}),
    "auth.audit-page": Shape(
        "audit_events",
        {"tenant_id": T, **cursor("event_time", AT, LAST, "$lt")},
        [("event_time", D), ("_id", D)],
        50,
    ),
    "auth.audit-page-of-type": Shape(
        "audit_events", {"tenant_id": T, "type": "login"}, [("event_time", D), ("_id", D)], 50
    ),
    "auth.audit-retention": Shape("audit_events", {"_id": {"$lt": "id-00100"}}),
    "auth.email-tokens-consume": Shape(
        "email_tokens", {"_id": "id-00037", "kind": "RESET", "expire_time": {"$gt": BASE}}
    ),
    "auth.email-tokens-revoke": Shape(
        "email_tokens", {"tenant_id": T, "user_id": "user-37", "kind": "RESET"}
    ),
    "auth.initial-access-tokens-use": Shape(
        "initial_access_tokens",
        {"_id": "id-00037", "tenant_id": T, "remaining": {"$gt": 0}, "expire_time": {"$gt": BASE}},
    ),
    "auth.oauth-clients-get": Shape("oauth_clients", {"_id": "id-00037", "tenant_id": T}),
    "auth.oauth-clients-page": Shape(
        "oauth_clients",
        {"tenant_id": T, "purpose": {"$ne": "AGENT"}, "$and": [cursor("create_time", AT, LAST)]},
        ASC_PAGE,
        50,
    ),
    "auth.tenants-get": Shape("tenants", {"_id": "id-00037"}),
    "auth.tenants-get-many": Shape("tenants", {"_id": {"$in": ["id-00037", "id-00038"]}}),
    "auth.tenants-domains-of-tenant": Shape("tenants", {"tenant_id": T}),
    "auth.signing-keys-of-tenant": Shape("signing_keys", {"tenant_id": T}, DESC_PAGE),
    "auth.invitations-by-token": Shape(
        "invitations", {"token_hash": "th-37", "status": "ACTIVE", "expire_time": {"$gt": BASE}}
    ),
    "auth.invitations-open-for": Shape(
        "invitations",
        {"tenant_id": T, "email_key": "user37@example.com", "status": "ACTIVE", "expire_time": {"$gt": BASE}},
    ),
    "auth.invitations-page": Shape(
        "invitations",
        {"tenant_id": T, "status": "PENDING", "expire_time": {"$gt": BASE}, "_id": {"$lt": "id-02000"}},
        [("_id", D)],
        50,
    ),
    "auth.sso-providers-page": Shape(
        "sso_providers",
        {"tenant_id": T, "enabled": True, **cursor("display_name", "Name 01000", LAST)},
        [("display_name", A), ("_id", A)],
        50,
    ),
    "auth.sso-identities-link-of": Shape(
        "sso_identities", {"tenant_id": T, "provider_id": "p-1", "subject": "s-37"}
    ),
    "auth.sso-identities-of-user": Shape("sso_identities", {"tenant_id": T, "user_id": "user-37"}),
    # external
    "external.api-keys-get": Shape("api_keys", {"_id": "id-00037"}),
    "external.api-keys-page-active": Shape(
        "api_keys",
        {
            "tenant_id": T,
            "revoked": False,
            "$nor": [{"expire_time": {"$lte": AT}}],
            **cursor("create_time", AT, LAST, "$lt"),
        },
        DESC_PAGE,
        50,
    ),
    "external.api-keys-record-use": Shape(
        "api_keys", {"_id": "id-00037", "$or": [{"last_use_time": None}, {"last_use_time": {"$lt": AT}}]}
    ),
    "external.tools-page": Shape(
        "tools",
        {"tenant_id": T, "enabled": True, **cursor("display_name_key", "name 01000", LAST)},
        [("display_name_key", A), ("_id", A)],
        50,
    ),
    # ratelimit
    "ratelimit.policies-get": Shape("rate_limits", {"_id": "t-37", "tenant_id": "t-37"}),
}


def plan_nodes(plan: Any) -> list[str]:
    """Every node of a PostgreSQL plan (EXPLAIN FORMAT JSON), with its index when it reads one."""
    nodes: list[str] = []
    if isinstance(plan, dict):
        if "Node Type" in plan:
            nodes.append(plan["Node Type"] + (f" ({plan['Index Name']})" if "Index Name" in plan else ""))
        for value in plan.values():
            nodes += plan_nodes(value)
    elif isinstance(plan, list):
        for value in plan:
            nodes += plan_nodes(value)
    return nodes


@pytest.fixture(scope="module")
async def seeded(store_url: str) -> AsyncIterator[AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(store_url, tz_aware=True)
    db = client[f"store_shapes_{uuid.uuid4().hex[:12]}"]
    for name, spec in COLLECTIONS.items():
        await db[name].create_indexes(spec.indexes)
        rng = random.Random(name)  # noqa: S311 - reproducible documents, not secrets
        await db[name].insert_many([spec.make(i, rng) for i in range(DOCS)])
    yield db
    await client.drop_database(db.name)
    await client.close()


@pytest.mark.parametrize("name", list(SHAPES))
async def test_an_index_serves(name: str, seeded: AsyncDatabase[Document]) -> None:
    shape = SHAPES[name]
    find: Document = {"find": shape.collection, "filter": shape.filter}
    if shape.sort:
        find["sort"] = dict(shape.sort)
    if shape.limit:
        find["limit"] = shape.limit
    explained = await seeded.command({"explain": find})
    nodes = plan_nodes(explained["queryPlanner"])
    assert not [n for n in nodes if n.startswith("Seq Scan")], nodes
    assert [n for n in nodes if "Index" in n], nodes
    assert explained["sortPushdown"] == bool(shape.sort)
    assert explained["limitPushdown"] == bool(shape.limit)

    coll = seeded[shape.collection]

    async def run(query: Document) -> list[Document]:
        found = coll.find(query)
        if shape.sort:
            found = found.sort(shape.sort)
        if shape.limit:
            found = found.limit(shape.limit)
        return await found.to_list()

    got, reference = await run(shape.filter), await run({"$and": [shape.filter, NOT_PUSHED]})
    assert got, "a shape that matches nothing proves nothing"
    if not shape.sort:  # in no particular order
        got, reference = (sorted(docs, key=lambda d: d["_id"]) for docs in (got, reference))
    assert got == reference
