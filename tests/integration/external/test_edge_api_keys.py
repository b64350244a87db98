"""API keys at the edge: Envoy's ext_authz calls the external service on the public API routes.

Through the real Envoy, REST and gRPC: 401 for a missing, malformed, unknown, revoked or expired
key (JSON body); 403 out of scope; a revoked key stops within 5 s; a key of tenant A never reads
tenant B's data; the upstream sees the key's tenant (not a header the client could forge)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import grpc
import httpx
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import organizations_pb2
from openframe.external.v1 import api_keys_pb2 as pb
from openframe.external.v1 import public_api_pb2, public_api_pb2_grpc
from openframe.external.v1.api_keys_pb2_grpc import ApiKeyServiceStub
from tests.integration.external.conftest import eventually, timestamp_in
from tests.support.windows import wait_for_a_fresh_minute

Admin = Callable[..., tuple[tuple[str, str], ...]]
CreateKey = Callable[..., Awaitable[pb.CreateApiKeyResponse]]
CreateOrg = Callable[[str, str], Awaitable[organizations_pb2.Organization]]
ORGS = "/external-api/v1/organizations"


def assert_error(response: httpx.Response, status: int, code: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    return str(body["message"])


async def test_a_valid_key_reads_its_own_tenants_data(
    edge: httpx.AsyncClient, create_key: CreateKey, create_org: CreateOrg, unique: str
) -> None:
    org = await create_org(unique, "Northwind")
    key = (await create_key(unique, ["organizations:read"])).key
    listed = await edge.get(ORGS, headers={"x-api-key": key})
    assert listed.status_code == 200, listed.text
    assert org.name in [o["name"] for o in listed.json()["organizations"]]
    got = await edge.get(f"/external-api/v1/{org.name}", headers={"x-api-key": key})
    assert got.status_code == 200 and got.json()["organization"]["displayName"] == "Northwind"


async def test_a_key_never_reads_another_tenants_data(
    edge: httpx.AsyncClient, create_key: CreateKey, create_org: CreateOrg, unique: str
) -> None:
    theirs = await create_org(f"{unique}-b", "Theirs")
    key = (await create_key(unique, ["organizations:read"])).key
    other = await edge.get(f"/external-api/v1/{theirs.name}", headers={"x-api-key": key})
    missing = await edge.get("/external-api/v1/organizations/doesnotexist", headers={"x-api-key": key})
    other_msg = assert_error(other, 404, 5).replace(theirs.name, "<name>")
    missing_msg = assert_error(missing, 404, 5).replace("organizations/doesnotexist", "<name>")
    assert other_msg == missing_msg
    listed = await edge.get(ORGS, headers={"x-api-key": key})
    assert theirs.name not in [o["name"] for o in listed.json()["organizations"]]


async def test_a_forged_tenant_header_changes_nothing(
    edge: httpx.AsyncClient, create_key: CreateKey, create_org: CreateOrg, unique: str
) -> None:
    theirs = await create_org(f"{unique}-b", "Forged")
    key = (await create_key(unique, ["organizations:read"])).key
    forged = {"x-api-key": key, "x-openframe-tenant": f"{unique}-b", "x-openframe-roles": "OWNER"}
    response = await edge.get(f"/external-api/v1/{theirs.name}", headers=forged)
    assert_error(response, 404, 5)


@pytest.mark.parametrize(
    "key",
    ["", "not-a-key", "ak_0123456789abcdef.sk_" + "A" * 43, "ak_0123456789abcdef"],
    ids=["missing", "malformed", "unknown", "id-only"],
)
async def test_without_a_valid_key_or_token_the_edge_answers_401(edge: httpx.AsyncClient, key: str) -> None:
    headers = {"x-api-key": key} if key else {}
    response = await edge.get(ORGS, headers=headers)
    assert_error(response, 401, 16)


async def test_a_wrong_secret_of_a_real_key_is_401(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    key = (await create_key(unique, ["organizations:read"])).key
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert_error(await edge.get(ORGS, headers={"x-api-key": wrong}), 401, 16)


async def test_out_of_scope_is_403_and_key_management_is_closed_to_keys(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    key = (await create_key(unique, ["devices:read"])).key
    message = assert_error(await edge.get(ORGS, headers={"x-api-key": key}), 403, 7)
    assert "organizations:read" in message
    assert_error(await edge.get("/external-api/v1/apiKeys", headers={"x-api-key": key}), 403, 7)
    assert_error(await edge.get("/external-api/v1/usage", headers={"x-api-key": key}), 403, 7)
    write = await edge.post(
        "/external-api/v1/devices/abc:setNickname", headers={"x-api-key": key}, json={"nickname": "x"}
    )
    assert_error(write, 403, 7)


async def test_a_revoked_key_stops_working_within_5_seconds(
    edge: httpx.AsyncClient, keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["organizations:read"])
    headers = {"x-api-key": created.key}
    assert (await edge.get(ORGS, headers=headers)).status_code == 200  # cached as valid now
    await keys.RevokeApiKey(pb.RevokeApiKeyRequest(name=created.api_key.name), metadata=admin(unique))

    async def refused() -> bool:
        return (await edge.get(ORGS, headers=headers)).status_code == 401

    await eventually(refused, within=5.0)
    message = assert_error(await edge.get(ORGS, headers=headers), 401, 16)
    assert "revoked" in message


async def test_a_changed_key_is_checked_by_its_new_scopes_and_limits_within_seconds(
    edge: httpx.AsyncClient, keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    """The check keeps what it works out per key (identity, metadata, rate-limit subjects) with
    the key's record: an update gives the next record, and with it the new scopes and limits."""
    created = await create_key(unique, ["organizations:read", "devices:read"])
    headers = {"x-api-key": created.key}
    wait_for_a_fresh_minute()  # the counts below fall in one minute
    first = await edge.get(ORGS, headers=headers)
    assert first.status_code == 200, first.text
    assert ';name="api_key"' in first.headers["x-ratelimit-limit"]
    change = pb.ApiKey(
        name=created.api_key.name,
        scopes=["devices:read"],
        rate_limits=pb.RateLimits(per_minute=3),
        etag=created.api_key.etag,
    )
    await keys.UpdateApiKey(
        pb.UpdateApiKeyRequest(api_key=change, update_mask=FieldMask(paths=["scopes", "rate_limits"])),
        metadata=admin(unique),
    )

    async def out_of_scope() -> bool:
        return (await edge.get(ORGS, headers=headers)).status_code == 403

    await eventually(out_of_scope, within=5.0)
    devices = [await edge.get("/external-api/v1/devices", headers=headers) for _ in range(4)]
    # the key's own 3/min now binds (its minute already counts the first request)
    assert [r.status_code for r in devices] == [200, 200, 429, 429], [r.text[:80] for r in devices]
    assert devices[0].headers["x-ratelimit-limit"].startswith("3, ")
    assert devices[1].headers["x-ratelimit-remaining"] == "0"


async def test_a_regenerated_key_refuses_the_old_secret(
    edge: httpx.AsyncClient, keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["organizations:read"])
    assert (await edge.get(ORGS, headers={"x-api-key": created.key})).status_code == 200
    fresh = await keys.RegenerateApiKey(
        pb.RegenerateApiKeyRequest(name=created.api_key.name), metadata=admin(unique)
    )

    async def old_refused() -> bool:
        return (await edge.get(ORGS, headers={"x-api-key": created.key})).status_code == 401

    await eventually(old_refused, within=5.0)
    assert (await edge.get(ORGS, headers={"x-api-key": fresh.key})).status_code == 200


async def test_an_expired_key_is_401(edge: httpx.AsyncClient, create_key: CreateKey, unique: str) -> None:
    key = (await create_key(unique, ["organizations:read"], expire_time=timestamp_in(1.5))).key
    await asyncio.sleep(1.6)
    message = assert_error(await edge.get(ORGS, headers={"x-api-key": key}), 401, 16)
    assert "expired" in message


async def test_grpc_through_the_edge_takes_the_key_as_metadata(
    edge_channel: grpc.aio.Channel, create_key: CreateKey, create_org: CreateOrg, unique: str
) -> None:
    org = await create_org(unique, "Over gRPC")
    key = (await create_key(unique, ["organizations:read"])).key
    stub = public_api_pb2_grpc.PublicOrganizationServiceStub(edge_channel)
    got = await stub.GetOrganization(
        public_api_pb2.GetOrganizationRequest(name=org.name), metadata=(("x-api-key", key),)
    )
    assert got.organization.display_name == "Over gRPC"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetOrganization(public_api_pb2.GetOrganizationRequest(name=org.name))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    events = public_api_pb2_grpc.PublicEventServiceStub(edge_channel)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await events.ListEvents(public_api_pb2.ListEventsRequest(), metadata=(("x-api-key", key),))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_key_is_not_forwarded_upstream_and_other_routes_ignore_it(
    edge: httpx.AsyncClient, create_key: CreateKey, unique: str
) -> None:
    key = (await create_key(unique, ["organizations:read"])).key
    # the internal API is not the public API: a key is no credential there
    assert_error(await edge.get("/api/v1/organizations", headers={"x-api-key": key}), 401, 16)
    # and the edge serves its docs without any check
    assert (await edge.get("/healthz", headers={"x-api-key": "garbage"})).status_code == 200


async def test_last_use_is_recorded_without_a_write_per_request(
    edge: httpx.AsyncClient, keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["organizations:read"])
    assert not created.api_key.HasField("last_use_time")
    for _ in range(3):
        assert (await edge.get(ORGS, headers={"x-api-key": created.key})).status_code == 200

    async def recorded() -> bool:
        got = await keys.GetApiKey(pb.GetApiKeyRequest(name=created.api_key.name), metadata=admin(unique))
        return bool(got.api_key.HasField("last_use_time"))

    await eventually(recorded, within=20.0, step=1.0)  # written in bulk every 10 s
    got = await keys.GetApiKey(pb.GetApiKeyRequest(name=created.api_key.name), metadata=admin(unique))
    assert got.api_key.last_use_time.seconds >= created.api_key.create_time.seconds
    assert got.api_key.last_use_ip_address == "127.0.0.1"
