"""API key management over gRPC against the running service: the secret is shown once and not
recoverable from the database, regenerate/revoke/expiry/update/delete rules, roles, validation
and tenant isolation."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from infra.layout import Layout
from openframe.external.v1 import api_keys_pb2 as pb
from openframe.external.v1.api_keys_pb2_grpc import ApiKeyServiceStub
from tests.integration.external.conftest import timestamp_in
from tests.rpc_status import field_violations, reason
from tests.support.internal import as_caller

KEY_SHAPE = re.compile(r"^ak_([0-9a-f]{16})\.sk_([A-Za-z0-9_-]{43})$")
Admin = Callable[..., tuple[tuple[str, str], ...]]
CreateKey = Callable[..., Awaitable[pb.CreateApiKeyResponse]]


async def test_create_shows_the_secret_once_and_stores_only_a_keyed_hash(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, api_keys_collection: object, unique: str
) -> None:
    created = await create_key(unique, ["devices:read", "organizations:read"], display_name="RMM sync")
    match = KEY_SHAPE.fullmatch(created.key)
    assert match, created.key
    key_id, secret = match.groups()
    assert created.api_key.name == f"apiKeys/{key_id}"
    assert created.api_key.key_prefix == f"ak_{key_id}"
    assert created.api_key.status == pb.API_KEY_STATUS_ACTIVE
    assert list(created.api_key.scopes) == ["devices:read", "organizations:read"]
    assert created.api_key.creator.id == "tester"

    got = await keys.GetApiKey(pb.GetApiKeyRequest(name=created.api_key.name), metadata=admin(unique))
    assert got.api_key == created.api_key
    assert secret not in str(got)

    doc = await api_keys_collection.find_one({"_id": key_id})  # type: ignore[attr-defined]
    assert doc is not None and doc["tenant_id"] == unique
    stored = repr(doc)
    assert secret not in stored and created.key not in stored
    # not a plain hash of the secret either: the hash is keyed with the server's pepper
    for candidate in (secret, created.key, f"{key_id}.{secret}"):
        assert hashlib.sha256(candidate.encode()).hexdigest() not in stored


async def test_list_is_newest_first_paginated_and_filtered(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    names = [
        (await create_key(unique, ["events:read"], display_name=f"key {i}")).api_key.name for i in range(3)
    ]
    await keys.RevokeApiKey(pb.RevokeApiKeyRequest(name=names[0]), metadata=admin(unique))
    first = await keys.ListApiKeys(pb.ListApiKeysRequest(page_size=2), metadata=admin(unique))
    second = await keys.ListApiKeys(
        pb.ListApiKeysRequest(page_size=2, page_token=first.next_page_token), metadata=admin(unique)
    )
    assert [k.name for k in [*first.api_keys, *second.api_keys]] == names[::-1]
    assert not second.next_page_token
    active = await keys.ListApiKeys(
        pb.ListApiKeysRequest(status=pb.API_KEY_STATUS_ACTIVE), metadata=admin(unique)
    )
    assert {k.name for k in active.api_keys} == set(names[1:])
    revoked = await keys.ListApiKeys(
        pb.ListApiKeysRequest(status=pb.API_KEY_STATUS_REVOKED), metadata=admin(unique)
    )
    assert [k.name for k in revoked.api_keys] == [names[0]]
    searched = await keys.ListApiKeys(pb.ListApiKeysRequest(search="KEY 2"), metadata=admin(unique))
    assert [k.name for k in searched.api_keys] == [names[2]]


async def test_regenerate_replaces_the_secret_and_keeps_the_key(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"])
    regenerated = await keys.RegenerateApiKey(
        pb.RegenerateApiKeyRequest(name=created.api_key.name, etag=created.api_key.etag),
        metadata=admin(unique),
    )
    assert regenerated.key != created.key
    assert regenerated.key.split(".")[0] == created.key.split(".")[0]  # same public id
    assert regenerated.api_key.regenerate_time.seconds > 0
    assert regenerated.api_key.etag != created.api_key.etag


async def test_update_changes_the_masked_fields_and_checks_the_etag(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"], description="old")
    change = pb.ApiKey(
        name=created.api_key.name,
        scopes=["devices:read", "devices:write"],
        description="new",
        rate_limits=pb.RateLimits(per_minute=5),
        etag=created.api_key.etag,
    )
    updated = await keys.UpdateApiKey(
        pb.UpdateApiKeyRequest(api_key=change, update_mask=FieldMask(paths=["scopes", "rate_limits"])),
        metadata=admin(unique),
    )
    assert list(updated.api_key.scopes) == ["devices:read", "devices:write"]
    assert updated.api_key.rate_limits.per_minute == 5
    assert updated.api_key.description == "old"  # not in the mask
    with pytest.raises(grpc.aio.AioRpcError) as err:  # the old etag is stale now
        await keys.UpdateApiKey(
            pb.UpdateApiKeyRequest(api_key=change, update_mask=FieldMask(paths=["description"])),
            metadata=admin(unique),
        )
    assert err.value.code() == grpc.StatusCode.ABORTED


async def test_revoked_keys_stay_revoked_and_only_they_can_be_deleted(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"])
    name = created.api_key.name
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await keys.DeleteApiKey(pb.DeleteApiKeyRequest(name=name), metadata=admin(unique))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    revoked = await keys.RevokeApiKey(pb.RevokeApiKeyRequest(name=name), metadata=admin(unique))
    assert revoked.api_key.status == pb.API_KEY_STATUS_REVOKED and revoked.api_key.revoke_time.seconds > 0
    for call in (
        keys.RegenerateApiKey(pb.RegenerateApiKeyRequest(name=name), metadata=admin(unique)),
        keys.UpdateApiKey(
            pb.UpdateApiKeyRequest(
                api_key=pb.ApiKey(name=name, description="x"), update_mask=FieldMask(paths=["description"])
            ),
            metadata=admin(unique),
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await keys.DeleteApiKey(pb.DeleteApiKeyRequest(name=name), metadata=admin(unique))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await keys.GetApiKey(pb.GetApiKeyRequest(name=name), metadata=admin(unique))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_expiry_must_be_in_the_future_and_unknown_scopes_are_refused(
    create_key: CreateKey, unique: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await create_key(unique, ["devices:read"], expire_time=timestamp_in(-60))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "api_key.expire_time" in field_violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await create_key(unique, ["devices:destroy"])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "api_key.scopes" in field_violations(err.value)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await create_key(unique, ["Not A Scope"])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason(err.value) == "ERROR_REASON_FIELD_INVALID"


async def test_managing_keys_needs_admin_or_owner(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"])
    viewer = admin(unique, roles=("VIEWER",))
    for call in (
        keys.ListApiKeys(pb.ListApiKeysRequest(), metadata=viewer),
        keys.CreateApiKey(
            pb.CreateApiKeyRequest(api_key=pb.ApiKey(display_name="x", scopes=["devices:read"])),
            metadata=viewer,
        ),
        keys.RevokeApiKey(pb.RevokeApiKeyRequest(name=created.api_key.name), metadata=viewer),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    owner = await keys.GetApiKey(
        pb.GetApiKeyRequest(name=created.api_key.name), metadata=admin(unique, ("OWNER",))
    )
    assert owner.api_key.name == created.api_key.name


async def test_another_tenants_key_is_not_found_like_a_missing_one(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"])
    other = f"{unique}-b"
    missing = "apiKeys/0000000000000000"
    messages = []
    for name in (created.api_key.name, missing):
        for call in (
            keys.GetApiKey(pb.GetApiKeyRequest(name=name), metadata=admin(other)),
            keys.RevokeApiKey(pb.RevokeApiKeyRequest(name=name), metadata=admin(other)),
            keys.RegenerateApiKey(pb.RegenerateApiKeyRequest(name=name), metadata=admin(other)),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            messages.append((err.value.details() or "").replace(name, "<name>"))
    assert messages[:3] == messages[3:]
    listed = await keys.ListApiKeys(pb.ListApiKeysRequest(), metadata=admin(other))
    assert list(listed.api_keys) == []
    still = await keys.GetApiKey(pb.GetApiKeyRequest(name=created.api_key.name), metadata=admin(unique))
    assert still.api_key.status == pb.API_KEY_STATUS_ACTIVE


async def test_verify_is_for_the_platform_only(
    keys: ApiKeyServiceStub, admin: Admin, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await keys.VerifyApiKey(pb.VerifyApiKeyRequest(key=created.key), metadata=admin(unique, ("OWNER",)))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_verify_answers_the_platform_with_the_keys_identity(
    keys: ApiKeyServiceStub, layout: Layout, create_key: CreateKey, unique: str
) -> None:
    created = await create_key(unique, ["devices:read"], rate_limits=pb.RateLimits(per_minute=7))
    platform = as_caller(layout, unique, roles=(), kind="system")
    ok = await keys.VerifyApiKey(pb.VerifyApiKeyRequest(key=created.key), metadata=platform)
    assert (ok.valid, ok.tenant_id, ok.api_key, list(ok.scopes)) == (
        True,
        unique,
        created.api_key.name,
        ["devices:read"],
    )
    assert (ok.rate_limits.per_minute, ok.rate_limits.per_hour, ok.rate_limits.per_day) == (7, 1_000, 10_000)
    bad = await keys.VerifyApiKey(pb.VerifyApiKeyRequest(key=created.key[:-1] + "x"), metadata=platform)
    assert not bad.valid and bad.rejection == pb.API_KEY_REJECTION_UNKNOWN
    malformed = await keys.VerifyApiKey(pb.VerifyApiKeyRequest(key="not-a-key"), metadata=platform)
    assert malformed.rejection == pb.API_KEY_REJECTION_MALFORMED
