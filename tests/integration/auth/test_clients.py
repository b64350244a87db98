"""OAuth clients over gRPC: secrets shown once and stored as digests, cross-field rules,
pagination, updates with etags, secret rotation, deletion, roles and tenant isolation."""

from __future__ import annotations

import hashlib

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import oauth_clients_pb2 as pb
from openframe.auth.v1 import users_pb2
from tests.integration.auth.helpers import Api, as_tenant
from tests.rpc_status import field_violations

CC = pb.GRANT_TYPE_CLIENT_CREDENTIALS
CODE = pb.GRANT_TYPE_AUTHORIZATION_CODE


async def test_secret_is_returned_once_and_stored_as_a_digest(
    api: Api, db: AsyncDatabase[dict[str, object]], unique: str
) -> None:
    client, secret = await api.client(unique, roles=(users_pb2.USER_ROLE_TECHNICIAN,))
    assert len(secret) >= 43 and client.secret_hint == secret[-4:]
    assert client.roles == [users_pb2.USER_ROLE_TECHNICIAN]
    doc = await db["oauth_clients"].find_one({"_id": client.client_id})
    assert doc is not None and secret not in repr(doc)
    assert doc["secret_digest"] == hashlib.sha256(secret.encode()).hexdigest()
    got = await api.clients.GetOAuthClient(
        pb.GetOAuthClientRequest(name=client.name), metadata=as_tenant(unique)
    )
    assert got.oauth_client == client
    public, public_secret = await api.client(unique, grants=(CODE,), public=True)
    assert public_secret == "" and public.client_type == pb.CLIENT_TYPE_PUBLIC


async def test_cross_field_rules(api: Api, unique: str) -> None:
    cases = [
        (
            pb.OAuthClient(display_name="x", client_type=pb.CLIENT_TYPE_PUBLIC, grant_types=[CC]),
            "oauth_client.grant_types",
        ),
        (
            pb.OAuthClient(display_name="x", client_type=pb.CLIENT_TYPE_CONFIDENTIAL, grant_types=[CODE]),
            "oauth_client.redirect_uris",
        ),
        (
            pb.OAuthClient(
                display_name="x",
                client_type=pb.CLIENT_TYPE_CONFIDENTIAL,
                grant_types=[CC],
                roles=[users_pb2.USER_ROLE_OWNER],
            ),
            "oauth_client.roles[0]",
        ),
    ]
    for message, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.clients.CreateOAuthClient(
                pb.CreateOAuthClientRequest(oauth_client=message), metadata=as_tenant(unique)
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in field_violations(err.value), field_violations(err.value)


async def test_list_pages_and_update_with_etag(api: Api, unique: str) -> None:
    made = [(await api.client(unique))[0] for _ in range(3)]
    page1 = await api.clients.ListOAuthClients(
        pb.ListOAuthClientsRequest(page_size=2), metadata=as_tenant(unique)
    )
    page2 = await api.clients.ListOAuthClients(
        pb.ListOAuthClientsRequest(page_size=2, page_token=page1.next_page_token), metadata=as_tenant(unique)
    )
    assert [c.name for c in [*page1.oauth_clients, *page2.oauth_clients]] == [c.name for c in made]
    assert page2.next_page_token == ""
    target = made[0]
    updated = await api.clients.UpdateOAuthClient(
        pb.UpdateOAuthClientRequest(
            oauth_client=pb.OAuthClient(
                name=target.name, display_name="Renamed", disabled=True, etag=target.etag
            ),
            update_mask=FieldMask(paths=["display_name", "disabled"]),
        ),
        metadata=as_tenant(unique),
    )
    assert updated.oauth_client.display_name == "Renamed" and updated.oauth_client.disabled
    assert updated.oauth_client.etag != target.etag
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await api.clients.UpdateOAuthClient(
            pb.UpdateOAuthClientRequest(
                oauth_client=pb.OAuthClient(name=target.name, display_name="Again", etag=target.etag),
                update_mask=FieldMask(paths=["display_name"]),
            ),
            metadata=as_tenant(unique),
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED
    with pytest.raises(grpc.aio.AioRpcError) as readonly:
        await api.clients.UpdateOAuthClient(
            pb.UpdateOAuthClientRequest(
                oauth_client=pb.OAuthClient(name=target.name), update_mask=FieldMask(paths=["client_type"])
            ),
            metadata=as_tenant(unique),
        )
    assert readonly.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_disabled_client_gets_no_token(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(unique)
    await api.clients.UpdateOAuthClient(
        pb.UpdateOAuthClientRequest(
            oauth_client=pb.OAuthClient(name=client.name, disabled=True),
            update_mask=FieldMask(paths=["disabled"]),
        ),
        metadata=as_tenant(unique),
    )
    resp = await api.cc_token(unique, client.client_id, secret)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


async def test_rotate_secret_with_and_without_overlap(api: Api, unique: str) -> None:
    await api.register(unique)
    client, first = await api.client(unique)
    rotated = await api.clients.RotateOAuthClientSecret(
        pb.RotateOAuthClientSecretRequest(name=client.name, overlap=Duration(seconds=600)),
        metadata=as_tenant(unique),
    )
    second = rotated.client_secret
    assert second != first and rotated.oauth_client.secret_hint == second[-4:]
    for secret in (first, second):  # both work during the overlap
        assert (await api.cc_token(unique, client.client_id, secret)).status_code == 200
    again = await api.clients.RotateOAuthClientSecret(
        pb.RotateOAuthClientSecretRequest(name=client.name), metadata=as_tenant(unique)
    )
    for secret in (first, second):
        assert (await api.cc_token(unique, client.client_id, secret)).status_code == 401
    assert (await api.cc_token(unique, client.client_id, again.client_secret)).status_code == 200
    public, _ = await api.client(unique, grants=(CODE,), public=True)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.clients.RotateOAuthClientSecret(
            pb.RotateOAuthClientSecretRequest(name=public.name), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_delete_stops_tokens(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(unique)
    await api.clients.DeleteOAuthClient(
        pb.DeleteOAuthClientRequest(name=client.name), metadata=as_tenant(unique)
    )
    assert (await api.cc_token(unique, client.client_id, secret)).status_code == 401
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.clients.GetOAuthClient(
            pb.GetOAuthClientRequest(name=client.name), metadata=as_tenant(unique)
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_clients_need_admin_and_stay_in_their_tenant(api: Api, unique: str) -> None:
    await api.register(unique)
    client, secret = await api.client(unique)
    intruder = as_tenant(f"{unique}-x")
    calls = [
        api.clients.GetOAuthClient(pb.GetOAuthClientRequest(name=client.name), metadata=intruder),
        api.clients.UpdateOAuthClient(
            pb.UpdateOAuthClientRequest(
                oauth_client=pb.OAuthClient(name=client.name, display_name="pwned"),
                update_mask=FieldMask(paths=["display_name"]),
            ),
            metadata=intruder,
        ),
        api.clients.DeleteOAuthClient(pb.DeleteOAuthClientRequest(name=client.name), metadata=intruder),
        api.clients.RotateOAuthClientSecret(
            pb.RotateOAuthClientSecretRequest(name=client.name), metadata=intruder
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await api.clients.ListOAuthClients(pb.ListOAuthClientsRequest(), metadata=intruder)
    assert list(listed.oauth_clients) == []
    # another tenant's token endpoint does not know the client either
    await api.register(f"{unique}-x")
    assert (await api.cc_token(f"{unique}-x", client.client_id, secret)).status_code == 401
    with pytest.raises(grpc.aio.AioRpcError) as tech:
        await api.clients.ListOAuthClients(
            pb.ListOAuthClientsRequest(), metadata=as_tenant(unique, "TECHNICIAN")
        )
    assert tech.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await api.cc_token(unique, client.client_id, secret)).status_code == 200  # untouched
