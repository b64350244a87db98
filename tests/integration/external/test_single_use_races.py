"""API key regeneration under races, through the edge of the running platform.

Regenerating replaces a key's secret. Of 8 regenerations at once (over connections of their own,
in several rounds) that send the etag they read, exactly one hands out a new key, the one that
works, and the others are refused. Without an etag, racers that read the same state cannot both
win, and of the keys handed out exactly one works."""

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


async def test_a_key_is_regenerated_once_per_etag(
    external_up: Layout, edge_url: str, owner: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    """Every racer sends the etag it read: exactly one wins each round, the others are ABORTED."""
    http, admin = owner
    name, key = await _create(http, admin)
    tally = Tally(ok=200, refused=409)
    for _ in range(ROUNDS):
        etag = (await http.get(f"/external-api/v1/{name}", headers=admin)).json()["apiKey"]["etag"]
        url = f"/external-api/v1/{name}:regenerate"
        won = tally.add(await post_all(edge_url, RACERS, url, json={"etag": etag}, headers=admin))
        if len(won) != 1:
            continue
        previous, key = key, won[0].json()["key"]
        assert (await http.get(ORGS, headers={"x-api-key": key})).status_code == 200
        assert await _refused_within(http, previous)
    tally.verdict()


async def test_regenerations_without_an_etag_replace_each_other_in_turn(
    external_up: Layout, edge_url: str, owner: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    """Without an etag each racer writes over the state it read itself, so racers that read the
    same state cannot both win, but one that read after another's write may (a regeneration
    after a regeneration). Whatever the interleaving: every answer is 200 or 409, at least one
    racer wins, and of the keys handed out exactly one works at the end, the others and the
    original key are refused: no two winners hold a working secret."""
    http, admin = owner
    name, original = await _create(http, admin)
    for _ in range(ROUNDS):
        replies = await post_all(
            edge_url, RACERS, f"/external-api/v1/{name}:regenerate", json={}, headers=admin
        )
        assert {r.status_code for r in replies} <= {200, 409}, [r.text for r in replies]
        keys = [r.json()["key"] for r in replies if r.status_code == 200]
        assert keys and len(set(keys)) == len(keys)
        working = [k for k in keys if (await http.get(ORGS, headers={"x-api-key": k})).status_code == 200]
        assert len(working) == 1, f"{len(working)} of {len(keys)} handed-out keys work"
        for stale in [k for k in keys if k not in working] + [original]:
            assert await _refused_within(http, stale)
        original = working[0]


async def _create(http: httpx.AsyncClient, admin: dict[str, str]) -> tuple[str, str]:
    created = await http.post(
        "/external-api/v1/apiKeys",
        json={"displayName": "raced", "scopes": ["organizations:read"]},
        headers=admin,
    )
    assert created.status_code == 200, created.text
    return created.json()["apiKey"]["name"], created.json()["key"]
