"""The public REST API through the edge with API keys: organizations, devices, events, logs —
forwarded to the owning services with the key's identity, errors passed through unchanged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from openframe.external.v1 import api_keys_pb2 as pb

CreateKey = Callable[..., Awaitable[pb.CreateApiKeyResponse]]
ALL_READ = ["devices:read", "organizations:read", "events:read", "logs:read"]


async def _skip_if_upstream_missing(response: httpx.Response, what: str) -> None:
    if response.status_code == 501 and "logs" not in what:
        pytest.skip(f"the api service does not implement {what} yet")


async def test_organizations_list_filters_and_paginates(
    edge: httpx.AsyncClient, create_key: CreateKey, create_org: Callable[..., Awaitable[object]], unique: str
) -> None:
    for name in ("Alpha", "Beta", "Gamma"):
        await create_org(unique, name)
    headers = {"x-api-key": (await create_key(unique, ALL_READ)).key}
    first = await edge.get("/external-api/v1/organizations", params={"pageSize": 2}, headers=headers)
    assert first.status_code == 200, first.text
    token = first.json()["nextPageToken"]
    assert token and len(first.json()["organizations"]) == 2
    rest = await edge.get(
        "/external-api/v1/organizations", params={"pageSize": 2, "pageToken": token}, headers=headers
    )
    names = [o["displayName"] for o in first.json()["organizations"] + rest.json()["organizations"]]
    assert {"Alpha", "Beta", "Gamma"} <= set(names)
    searched = await edge.get("/external-api/v1/organizations", params={"search": "amm"}, headers=headers)
    assert [o["displayName"] for o in searched.json()["organizations"]] == ["Gamma"]


async def test_bad_input_is_400_naming_the_field(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    headers = {"x-api-key": (await create_key(unique, ALL_READ)).key}
    response = await edge.get("/external-api/v1/organizations", params={"pageSize": 100000}, headers=headers)
    assert response.status_code == 400
    assert "page_size" in response.text


async def test_devices_list_and_get_of_an_unknown_device(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    headers = {"x-api-key": (await create_key(unique, ALL_READ)).key}
    listed = await edge.get(
        "/external-api/v1/devices", params={"statuses": "DEVICE_STATUS_ONLINE"}, headers=headers
    )
    await _skip_if_upstream_missing(listed, "devices")
    assert listed.status_code == 200, listed.text
    assert listed.json()["devices"] == []  # a fresh tenant has none
    missing = await edge.get("/external-api/v1/devices/nosuchdevice", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == 5


async def test_device_writes_need_the_write_scope(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    reader = {"x-api-key": (await create_key(unique, ["devices:read"])).key}
    writer = {"x-api-key": (await create_key(unique, ["devices:read", "devices:write"])).key}
    body = {"nickname": "front desk"}
    refused = await edge.post("/external-api/v1/devices/nosuchdevice:setNickname", json=body, headers=reader)
    assert refused.status_code == 403
    allowed = await edge.post("/external-api/v1/devices/nosuchdevice:setNickname", json=body, headers=writer)
    await _skip_if_upstream_missing(allowed, "device nicknames")
    assert allowed.status_code == 404, allowed.text  # past the edge; the device does not exist


async def test_events_list(edge: httpx.AsyncClient, create_key: CreateKey, unique: str) -> None:
    headers = {"x-api-key": (await create_key(unique, ALL_READ)).key}
    listed = await edge.get("/external-api/v1/events", headers=headers)
    await _skip_if_upstream_missing(listed, "events")
    assert listed.status_code == 200, listed.text
    assert listed.json()["events"] == []
    missing = await edge.get("/external-api/v1/events/nosuchevent", headers=headers)
    assert missing.status_code == 404


async def test_logs_are_forwarded_to_the_stream_service(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    """The platform runs the stream service: the public log API forwards to it (a 501 "not
    deployed" is only for platforms without it, test_public_logs.py)."""
    headers = {"x-api-key": (await create_key(unique, ALL_READ)).key}
    response = await edge.get("/external-api/v1/logEntries", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json().get("logEntries", []) == []  # a new tenant has no log yet


async def test_the_public_openapi_document_and_its_page(edge: httpx.AsyncClient) -> None:
    doc = await edge.get("/external-api/openapi.json")
    assert doc.status_code == 200
    spec = doc.json()
    assert spec["paths"] and all(p.startswith("/external-api/") for p in spec["paths"])
    assert "/external-api/v1/devices" in spec["paths"]
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    page = await edge.get("/external-api/docs/")
    assert page.status_code == 200 and "/external-api/docs/external-api-docs.js" in page.text
    script = await edge.get("/external-api/docs/external-api-docs.js")
    assert script.status_code == 200 and "/external-api/openapi.json" in script.text
