"""Agent registration secrets under races, through the edge of the running platform.

A secret limited to N uses registers N agents however many present it at once; a rotation with
an etag hands out one working secret however many ask at once. Each race sends 8 requests over
connections of their own, in several rounds; the stored secret must agree with the winners.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from google.protobuf.json_format import MessageToDict
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from infra.layout import Layout
from infra.servers import servers
from services.api.agents.simulator import inventory
from services.kit.config import Settings
from tests.support.races import Console, Tally, post_all, race

RACERS, ROUNDS = 8, 5
NEEDED = ["ferretdb", "redis", "nats", "kafka", "auth", "api", "envoy"]


@pytest.fixture(scope="module")
def edge_url(layout: Layout) -> str:
    for server in servers(layout, NEEDED):
        server.start()  # a no-op when running; restarts a service whose code changed
    return f"http://127.0.0.1:{layout.port('envoy')}"


@pytest.fixture
async def owner(edge_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    console = Console(edge_url)
    async with console.client() as http:
        yield http, await console.admin(http, await console.register(http))


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[settings.mongo_database]
    await client.close()


def _register(secret: str) -> Any:
    """Racer ``i`` registers a machine of its own with ``secret``."""

    def send(http: httpx.AsyncClient, i: int) -> Any:
        body = {
            "registrationSecret": secret,
            "inventory": MessageToDict(inventory(f"racer-{i}")),
            "machineFingerprint": f"fp-{uuid.uuid4().hex}",
        }
        return http.post("/api/v1/agents:register", json=body)

    return send


async def test_a_registration_secret_registers_as_many_agents_as_it_has_uses(
    edge_url: str, owner: tuple[httpx.AsyncClient, dict[str, str]], store: AsyncDatabase[dict[str, Any]]
) -> None:
    http, admin = owner
    tally = Tally(ok=200, refused=401)
    for uses in [1] * (ROUNDS - 1) + [3]:
        created = await http.post(
            "/api/v1/registrationSecrets",
            json={"displayName": f"racers {uuid.uuid4().hex[:6]}", "maxUses": uses},
            headers=admin,
        )
        assert created.status_code == 200, created.text
        record, secret = created.json()["registrationSecret"], created.json()["secret"]
        replies = await race(edge_url, RACERS, _register(secret))
        if len(tally.add(replies, expected=uses)) != uses:
            continue
        stored = (await http.get(f"/api/v1/{record['name']}", headers=admin)).json()["registrationSecret"]
        assert stored["useCount"] == uses and stored["status"] == "REGISTRATION_SECRET_STATUS_EXPIRED"
        secret_id = record["name"].removeprefix("registrationSecrets/")
        assert await store["agents"].count_documents({"registration_secret": secret_id}) == uses
    tally.verdict()


async def test_a_rotation_hands_out_one_working_secret(
    edge_url: str, owner: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    http, admin = owner
    created = await http.post("/api/v1/registrationSecrets", json={"displayName": "rotated"}, headers=admin)
    assert created.status_code == 200, created.text
    name = created.json()["registrationSecret"]["name"]
    tally = Tally(ok=200, refused=409)
    for _ in range(ROUNDS):
        etag = (await http.get(f"/api/v1/{name}", headers=admin)).json()["registrationSecret"]["etag"]
        body = {"etag": etag, "overlap": "0s"}
        won = tally.add(await post_all(edge_url, RACERS, f"/api/v1/{name}:rotate", json=body, headers=admin))
        if len(won) != 1:
            continue
        secret = won[0].json()["secret"]
        stored = (await http.get(f"/api/v1/{name}", headers=admin)).json()["registrationSecret"]
        assert stored["secretHint"] == secret[-4:] and stored["etag"] != etag
        registered = await race(edge_url, 1, _register(secret))
        assert registered[0].status_code == 200, registered[0].text
    tally.verdict()
