"""The store's compatibility suite: what the services rely on from MongoDB, proven against the
running store (``make run``'s FerretDB on PostgreSQL). Each test works in a database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from infra.layout import Layout
from infra.servers import servers

Document = dict[str, Any]

#: concurrent writers in the atomicity tests, one client (connection) each
WRITERS = 8


@pytest.fixture(scope="session")
def store_url(layout: Layout) -> str:
    """The store alone (and its backend) started if it is not running: nothing else is needed."""
    for server in servers(layout, ["postgres", "ferretdb"]):
        server.start()
    return f"mongodb://{layout.host}:{layout.port('mongo')}/"


@pytest.fixture
async def db(store_url: str, unique: str) -> AsyncIterator[AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(store_url, tz_aware=True)
    yield client[f"store_{unique}"]
    await client.drop_database(f"store_{unique}")
    await client.close()


@pytest.fixture
async def writers(
    db: AsyncDatabase[Document], store_url: str
) -> AsyncIterator[list[AsyncDatabase[Document]]]:
    """The test's database through WRITERS clients of their own, each connected already."""
    clients: list[AsyncMongoClient[Document]] = [
        AsyncMongoClient(store_url, tz_aware=True) for _ in range(WRITERS)
    ]
    for client in clients:
        await client.admin.command("ping")
    yield [client[db.name] for client in clients]
    for client in clients:
        await client.close()
