"""HTTP preconditions through the shared edge (services/kit/preconditions.py, docs/edge.md):
``If-Match`` on updates, deletes and custom writes (a stale one is 412 and changes nothing),
``ETag`` on every response carrying one resource, ``If-None-Match`` -> 304 on gets; and the same
metadata over native gRPC. One representative resource per service: organizations, tag keys and
devices (api; devices also through the public API, which forwards to the api service, with a
token and with an API key), API keys (external), OAuth clients (auth); every RPC with an etag goes
through the same kit code, found from the descriptors.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2, status_pb2

from openframe.agents.v1 import agents_pb2, agents_pb2_grpc
from openframe.agents.v1 import registration_secrets_pb2 as rs_pb
from openframe.agents.v1 import registration_secrets_pb2_grpc as rs_grpc
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.auth.v1 import oauth_clients_pb2 as client_pb
from openframe.auth.v1.oauth_clients_pb2_grpc import OAuthClientServiceStub
from services.api.agents.simulator import inventory
from tests.support.identity import Tenants, TenantSession

STALE = '"0123456789abcdef"'


def _unique() -> str:
    return uuid.uuid4().hex[:10]


@dataclass(frozen=True)
class Resource:
    """How one resource is reached over REST."""

    label: str
    collection: str  # POST here creates one
    prefix: str  # + the resource name = its REST path
    field: str  # the resource's key in response bodies
    create: Callable[[], dict[str, Any]]
    #: a mutable field (camelCase; its update mask) and a fresh value for it
    mutable: str
    value: Callable[[], Any]
    #: the etag-guarded write besides the update: (method, path suffix), and how the resource
    #: looks after it (None: gone)
    write: tuple[str, str]
    after_write: Callable[[dict[str, Any]], bool] | None


RESOURCES = [
    Resource(
        "organization",
        "/api/v1/organizations",
        "/api/v1/",
        "organization",
        lambda: {"displayName": f"Org {_unique()}"},
        "notes",
        _unique,
        ("POST", ":archive"),
        lambda org: org["status"] == "ORGANIZATION_STATUS_ARCHIVED",
    ),
    Resource(
        "tag key",
        "/api/v1/tagKeys",
        "/api/v1/",
        "tagKey",
        lambda: {"key": f"k{_unique()}", "entityType": "TAG_ENTITY_TYPE_DEVICE"},
        "description",
        _unique,
        ("DELETE", ""),
        None,
    ),
    Resource(
        "API key",
        "/external-api/v1/apiKeys",
        "/external-api/v1/",
        "apiKey",
        lambda: {"displayName": f"Key {_unique()}", "scopes": ["organizations:read"]},
        "displayName",
        lambda: f"Key {_unique()}",
        ("POST", ":revoke"),  # an active key cannot be deleted (FAILED_PRECONDITION before the etag)
        lambda key: key["status"] == "API_KEY_STATUS_REVOKED",
    ),
    Resource(
        "OAuth client",
        "/auth/v1/oauthClients",
        "/auth/v1/",
        "oauthClient",
        lambda: {
            "displayName": f"Client {_unique()}",
            "clientType": "CLIENT_TYPE_CONFIDENTIAL",
            "grantTypes": ["GRANT_TYPE_CLIENT_CREDENTIALS"],
        },
        "displayName",
        lambda: f"Client {_unique()}",
        ("DELETE", ""),
        None,
    ),
]


@pytest.fixture(scope="module")
def owner(tenants: Tenants) -> TenantSession:
    """One tenant for the module: every test creates resources of its own."""
    return tenants.fresh()


@pytest.fixture
async def client(edge_url: str, owner: TenantSession) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=edge_url, headers=owner.bearer, timeout=10) as http:
        yield http


async def _create(client: httpx.AsyncClient, resource: Resource) -> dict[str, Any]:
    resp = await client.post(resource.collection, json=resource.create())
    assert resp.status_code == 200, resp.text
    created: dict[str, Any] = resp.json()[resource.field]
    assert resp.headers["etag"] == f'"{created["etag"]}"', "ETag on create"
    return created


async def _read(client: httpx.AsyncClient, resource: Resource, name: str) -> httpx.Response:
    return await client.get(resource.prefix + name)


async def _update(
    client: httpx.AsyncClient, resource: Resource, current: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.patch(
        resource.prefix + current["name"],
        params={"updateMask": resource.mutable},
        json={resource.mutable: resource.value()},
        headers=headers,
    )


async def _write(client: httpx.AsyncClient, resource: Resource, name: str, **headers: str) -> httpx.Response:
    method, suffix = resource.write
    body = {} if method == "POST" else None
    return await client.request(method, resource.prefix + name + suffix, json=body, headers=headers)


def _if_match(etag: str) -> dict[str, str]:
    return {"if-match": etag}


def _assert_precondition_failed(resp: httpx.Response) -> None:
    assert resp.status_code == 412, resp.text
    body = resp.json()
    assert body["code"] == 9  # FAILED_PRECONDITION
    reasons = [d.get("reason") for d in body["details"]]
    assert "ERROR_REASON_ETAG_MISMATCH" in reasons, body


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.label)
async def test_etag_header_on_get_and_update(client: httpx.AsyncClient, resource: Resource) -> None:
    created = await _create(client, resource)
    got = await _read(client, resource, created["name"])
    assert got.status_code == 200 and got.headers["etag"] == f'"{created["etag"]}"'
    updated = await _update(client, resource, created)
    assert updated.status_code == 200, updated.text
    new_etag = updated.json()[resource.field]["etag"]
    assert new_etag != created["etag"] and updated.headers["etag"] == f'"{new_etag}"'
    listed = await client.get(resource.collection)
    assert listed.status_code == 200 and "etag" not in listed.headers, "a list has no one etag"


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.label)
async def test_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, resource: Resource
) -> None:
    created = await _create(client, resource)
    before = (await _read(client, resource, created["name"])).json()[resource.field]
    _assert_precondition_failed(await _update(client, resource, created, **_if_match(STALE)))
    _assert_precondition_failed(await _write(client, resource, created["name"], **_if_match(STALE)))
    after = await _read(client, resource, created["name"])
    assert after.status_code == 200
    assert after.json()[resource.field] == before, "nothing changed"


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.label)
async def test_fresh_if_match_applies(client: httpx.AsyncClient, resource: Resource) -> None:
    created = await _create(client, resource)
    updated = await _update(client, resource, created, **_if_match(f'"{created["etag"]}"'))
    assert updated.status_code == 200, updated.text
    current = updated.json()[resource.field]
    _assert_precondition_failed(await _update(client, resource, created, **_if_match(f'"{created["etag"]}"')))
    written = await _write(client, resource, created["name"], **_if_match(f'"{current["etag"]}"'))
    assert written.status_code == 200, written.text
    after = await _read(client, resource, created["name"])
    if resource.after_write is None:
        assert after.status_code == 404, after.text
    else:
        assert after.status_code == 200 and resource.after_write(after.json()[resource.field])


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.label)
async def test_if_match_star_means_it_must_exist(client: httpx.AsyncClient, resource: Resource) -> None:
    created = await _create(client, resource)
    collection = created["name"].rsplit("/", 1)[0]
    missing = {**created, "name": f"{collection}/{uuid.uuid4().hex}"}
    assert (await _update(client, resource, missing, **_if_match("*"))).status_code == 404
    assert (await _write(client, resource, missing["name"], **_if_match("*"))).status_code == 404
    assert (await _update(client, resource, created, **_if_match("*"))).status_code == 200


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.label)
async def test_if_none_match_is_304_until_it_changes(client: httpx.AsyncClient, resource: Resource) -> None:
    created = await _create(client, resource)
    name, etag = created["name"], f'"{created["etag"]}"'
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        resp = await client.get(resource.prefix + name, headers={"if-none-match": value})
        assert resp.status_code == 304, (value, resp.status_code, resp.text)
        assert resp.content == b"" and resp.headers["etag"] == etag
        assert "x-openframe-http-status" not in resp.headers
    other = await client.get(resource.prefix + name, headers={"if-none-match": STALE})
    assert other.status_code == 200 and other.json()[resource.field]["etag"] == created["etag"]
    assert (await _update(client, resource, created)).status_code == 200
    changed = await client.get(resource.prefix + name, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.json()[resource.field]["etag"] != created["etag"]
    assert changed.headers["etag"] == f'"{changed.json()[resource.field]["etag"]}"'


async def test_the_etag_in_the_body_still_answers_409(client: httpx.AsyncClient) -> None:
    resource = RESOURCES[0]
    created = await _create(client, resource)
    resp = await client.patch(
        resource.prefix + created["name"],
        params={"updateMask": "notes"},
        json={"notes": "x", "etag": STALE.strip('"')},
    )
    assert resp.status_code == 409 and resp.json()["code"] == 10, resp.text


async def test_header_and_body_must_agree(client: httpx.AsyncClient) -> None:
    resource = RESOURCES[0]
    created = await _create(client, resource)
    path = resource.prefix + created["name"]
    disagree = await client.post(f"{path}:archive", json={"etag": created["etag"]}, headers=_if_match(STALE))
    _assert_precondition_failed(disagree)
    agree = await client.post(
        f"{path}:archive", json={"etag": created["etag"]}, headers=_if_match(f'"{created["etag"]}"')
    )
    assert agree.status_code == 200, agree.text


@pytest.mark.parametrize("value", ["not a tag", '"a", "b"', '"unterminated'])
async def test_a_malformed_if_match_is_400_naming_the_header(client: httpx.AsyncClient, value: str) -> None:
    resource = RESOURCES[0]
    created = await _create(client, resource)
    resp = await _update(client, resource, created, **_if_match(value))
    assert resp.status_code == 400, resp.text
    assert "If-Match" in resp.json()["message"]
    assert (await _read(client, resource, created["name"])).json()[resource.field]["etag"] == created["etag"]


@pytest.mark.parametrize("value", [f"W/{STALE}", f"W/{STALE}, W/{STALE}"])
async def test_weak_tags_never_satisfy_if_match(client: httpx.AsyncClient, value: str) -> None:
    resource = RESOURCES[0]
    created = await _create(client, resource)
    weak = f'W/"{created["etag"]}"'
    _assert_precondition_failed(await _update(client, resource, created, **_if_match(weak)))
    _assert_precondition_failed(await _update(client, resource, created, **_if_match(value)))


async def test_browsers_may_send_if_none_match(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/v1/organizations",
        headers={
            "origin": "http://localhost:5173",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match, if-match",
        },
    )
    allowed = preflight.headers["access-control-allow-headers"]
    assert "if-none-match" in allowed and "if-match" in allowed
    assert (
        "etag"
        in (await client.get("/api/v1/organizations", headers={"origin": "http://localhost:5173"})).headers[
            "access-control-expose-headers"
        ]
    )


# -- native gRPC: the same metadata ---------------------------------------------------------
def _error_reason(error: grpc.aio.AioRpcError) -> str:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return ""


async def _etag_metadata(call: Any) -> str:
    return dict(await call.initial_metadata()).get("etag", "")


async def test_native_grpc_callers_use_the_same_metadata(
    edge_channel: grpc.aio.Channel, owner: TenantSession
) -> None:
    stub = OrganizationServiceStub(edge_channel)
    auth = owner.metadata
    call = stub.CreateOrganization(
        org_pb.CreateOrganizationRequest(organization=org_pb.Organization(display_name=f"Org {_unique()}")),
        metadata=auth,
    )
    org = (await call).organization
    assert await _etag_metadata(call) == f'"{org.etag}"'

    get = stub.GetOrganization(org_pb.GetOrganizationRequest(name=org.name), metadata=auth)
    assert (await get).organization.etag == org.etag and await _etag_metadata(get) == f'"{org.etag}"'
    # gRPC has no 304: If-None-Match changes nothing for a native caller
    unchanged = stub.GetOrganization(
        org_pb.GetOrganizationRequest(name=org.name), metadata=(*auth, ("if-none-match", f'"{org.etag}"'))
    )
    assert (await unchanged).organization.etag == org.etag
    assert "x-openframe-http-status" not in dict(await unchanged.initial_metadata())

    update = org_pb.UpdateOrganizationRequest(
        organization=org_pb.Organization(name=org.name, notes="changed"), update_mask={"paths": ["notes"]}
    )
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await stub.UpdateOrganization(update, metadata=(*auth, ("if-match", STALE)))
    assert stale.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _error_reason(stale.value) == "ERROR_REASON_ETAG_MISMATCH"
    assert "x-openframe-http-status" not in dict(stale.value.trailing_metadata() or ())
    with pytest.raises(grpc.aio.AioRpcError) as archive:
        await stub.ArchiveOrganization(
            org_pb.ArchiveOrganizationRequest(name=org.name), metadata=(*auth, ("if-match", STALE))
        )
    assert archive.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    reread = (
        await stub.GetOrganization(org_pb.GetOrganizationRequest(name=org.name), metadata=auth)
    ).organization
    assert reread == org, "nothing changed"

    fresh = stub.UpdateOrganization(update, metadata=(*auth, ("if-match", f'"{org.etag}"')))
    updated = (await fresh).organization
    assert updated.notes == "changed" and await _etag_metadata(fresh) == f'"{updated.etag}"'


async def test_native_grpc_delete_of_an_auth_resource(
    edge_channel: grpc.aio.Channel, owner: TenantSession
) -> None:
    stub = OAuthClientServiceStub(edge_channel)
    auth = owner.metadata
    created = (
        await stub.CreateOAuthClient(
            client_pb.CreateOAuthClientRequest(
                oauth_client=client_pb.OAuthClient(
                    display_name=f"Client {_unique()}",
                    client_type=client_pb.CLIENT_TYPE_CONFIDENTIAL,
                    grant_types=[client_pb.GRANT_TYPE_CLIENT_CREDENTIALS],
                )
            ),
            metadata=auth,
        )
    ).oauth_client
    delete = client_pb.DeleteOAuthClientRequest(name=created.name)
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await stub.DeleteOAuthClient(delete, metadata=(*auth, ("if-match", STALE)))
    assert stale.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _error_reason(stale.value) == "ERROR_REASON_ETAG_MISMATCH"
    get = client_pb.GetOAuthClientRequest(name=created.name)
    assert (await stub.GetOAuthClient(get, metadata=auth)).oauth_client == created
    await stub.DeleteOAuthClient(delete, metadata=(*auth, ("if-match", f'"{created.etag}"')))
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await stub.GetOAuthClient(get, metadata=auth)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


# -- a device: the api's REST form and the public API's (forwarded to the api service) -------
@pytest.fixture
async def device(edge_channel: grpc.aio.Channel, owner: TenantSession) -> str:
    """A device of the owner's tenant, registered by an agent (the only way devices appear)."""
    secret = await rs_grpc.RegistrationSecretServiceStub(edge_channel).CreateRegistrationSecret(
        rs_pb.CreateRegistrationSecretRequest(registration_secret=rs_pb.RegistrationSecret(display_name="i")),
        metadata=owner.metadata,
    )
    reply = await agents_pb2_grpc.AgentServiceStub(edge_channel).RegisterAgent(
        agents_pb2.RegisterAgentRequest(registration_secret=secret.secret, inventory=inventory(_unique()))
    )
    return str(reply.device)


@pytest.fixture
async def device_key(client: httpx.AsyncClient) -> dict[str, str]:
    created = await client.post(
        "/external-api/v1/apiKeys",
        json={"displayName": f"Devices {_unique()}", "scopes": ["devices:read", "devices:write"]},
    )
    assert created.status_code == 200, created.text
    return {"x-api-key": created.json()["key"]}


async def test_a_device_through_the_api_and_the_public_api(
    edge_url: str, client: httpx.AsyncClient, device: str, device_key: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=edge_url, headers=device_key, timeout=10) as with_key:
        for http, prefix in (
            (client, "/api/v1/"),
            (client, "/external-api/v1/"),
            (with_key, "/external-api/v1/"),
        ):
            path = prefix + device
            got = await http.get(path)
            assert got.status_code == 200, got.text
            before = got.json()["device"]
            assert got.headers["etag"] == f'"{before["etag"]}"'
            for method, suffix, body in (
                ("PATCH", "?updateMask=notes", {"notes": _unique()}),
                ("POST", ":setNickname", {"nickname": _unique()}),
            ):
                stale = await http.request(method, path + suffix, json=body, headers=_if_match(STALE))
                _assert_precondition_failed(stale)
            assert (await http.get(path)).json()["device"] == before, (prefix, "nothing changed")
            not_modified = await http.get(path, headers={"if-none-match": got.headers["etag"]})
            assert (not_modified.status_code, not_modified.content) == (304, b"")
            fresh = await http.post(
                path + ":setNickname", json={"nickname": _unique()}, headers=_if_match(got.headers["etag"])
            )
            assert fresh.status_code == 200, fresh.text
            assert fresh.headers["etag"] == f'"{fresh.json()["device"]["etag"]}"' != got.headers["etag"]
