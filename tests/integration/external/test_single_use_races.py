"""API key regeneration under races, through the edge of the running platform.

Regenerating replaces a key's secret: of 8 regenerations at once (over connections of their
own, in several rounds, with the key's etag and without one) exactly one may hand out a new
key — the one that works — and the others are refused, never given a secret that was already
replaced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from infra.layout import Layout
from tests.support.races import Console, Tally, post_all

RACERS, ROUNDS = 8, 5
ORGS = "/external-api/v1/organizations"


@pytest.fixture
async def owner(edge_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    console = Console(edge_url)
    async with console.client() as http:
        yield http, await console.admin(http, await console.register(http))


async def _refused_within(http: httpx.AsyncClient, key: str, seconds: float = 5) -> bool:
    """Whether the edge refuses ``key`` within ``seconds`` (verdicts are cached briefly)."""
    deadline = time.monotonic() + seconds
    while (await http.get(ORGS, headers={"x-api-key": key})).status_code != 401:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


@pytest.mark.parametrize("with_etag", [True, False], ids=["etag", "no-etag"])
async def test_a_key_is_regenerated_once(
    external_up: Layout, edge_url: str, owner: tuple[httpx.AsyncClient, dict[str, str]], with_etag: bool
) -> None:
    http, admin = owner
    created = await http.post(
        "/external-api/v1/apiKeys",
        json={"displayName": "raced", "scopes": ["organizations:read"]},
        headers=admin,
    )
    assert created.status_code == 200, created.text
    name, key = created.json()["apiKey"]["name"], created.json()["key"]
    tally = Tally(ok=200, refused=409)
    for _ in range(ROUNDS):
        etag = (await http.get(f"/external-api/v1/{name}", headers=admin)).json()["apiKey"]["etag"]
        body = {"etag": etag} if with_etag else {}
        url = f"/external-api/v1/{name}:regenerate"
        won = tally.add(await post_all(edge_url, RACERS, url, json=body, headers=admin))
        if len(won) != 1:
            continue
        previous, key = key, won[0].json()["key"]
        assert (await http.get(ORGS, headers={"x-api-key": key})).status_code == 200
        assert await _refused_within(http, previous)
    tally.verdict()
