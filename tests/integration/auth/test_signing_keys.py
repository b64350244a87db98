"""Signing keys: one RSA-2048 key per tenant sealed at rest, kid "<tenant>.<16 hex>", JWKS per
tenant and for all tenants, rotation with an overlap window, isolation between tenants."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import grpc
import jwt as pyjwt
import pytest
from cryptography.exceptions import InvalidTag
from google.protobuf.duration_pb2 import Duration
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import signing_keys_pb2 as pb
from services.auth.app import Running
from services.auth.crypto import KeyVault, load_private_der
from tests.integration.auth.conftest import MASTER_KEY
from tests.integration.auth.helpers import Api, as_tenant, verify


async def test_key_is_sealed_at_rest(api: Api, db: AsyncDatabase[dict[str, object]], unique: str) -> None:
    await api.register(unique)
    doc = await db["signing_keys"].find_one({"tenant_id": unique})
    assert doc is not None
    text = repr(doc)
    assert "PRIVATE KEY" not in text and "BEGIN" not in text
    sealed = doc["sealed_private_key"]
    assert isinstance(sealed, dict) and sealed["alg"] == "A256GCM"
    kid = str(doc["kid"])
    with pytest.raises(InvalidTag):
        KeyVault(SecretStr("a-wrong-master-key")).open(sealed, aad=kid)
    with pytest.raises(InvalidTag):  # the kid is bound in: a sealed key cannot be moved to another record
        KeyVault(SecretStr(MASTER_KEY)).open(sealed, aad=f"{unique}.0000000000000000")
    private = load_private_der(KeyVault(SecretStr(MASTER_KEY)).open(sealed, aad=kid))
    assert private.key_size == 2048
    jwk = dict(doc["public_jwk"])  # type: ignore[call-overload]
    assert private.public_key().public_numbers().n == int.from_bytes(
        pyjwt.utils.base64url_decode(jwk["n"]), "big"
    )


async def test_list_get_and_jwks(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    listed = await api.keys.ListSigningKeys(pb.ListSigningKeysRequest(), metadata=tenant.owner)
    assert len(listed.signing_keys) == 1
    key = listed.signing_keys[0]
    assert re.fullmatch(rf"{unique}\.[0-9a-f]{{16}}", key.kid)
    assert key.status == pb.SIGNING_KEY_STATUS_ACTIVE and key.algorithm == "RS256" and key.key_size == 2048
    got = await api.keys.GetSigningKey(pb.GetSigningKeyRequest(name=key.name), metadata=tenant.owner)
    assert got.signing_key == key
    jwks = await api.jwks(unique)
    assert [k["kid"] for k in jwks["keys"]] == [key.kid]
    assert jwks["keys"][0] | {"kty": "RSA", "use": "sig", "alg": "RS256"} == jwks["keys"][0]
    public = await api.keys.GetJwks(pb.GetJwksRequest(tenant=f"tenants/{unique}"))  # no identity needed
    assert [k.kid for k in public.keys] == [key.kid]
    everyone = await api.keys.GetJwks(pb.GetJwksRequest(tenant="tenants/-"))
    assert key.kid in {k.kid for k in everyone.keys}
    http_all = (await api.http.get(f"{api.public_url}/auth/jwks")).json()
    assert key.kid in {k["kid"] for k in http_all["keys"]}


async def test_keys_need_admin_and_stay_in_their_tenant(api: Api, unique: str) -> None:
    mine = await api.register(unique)
    other = await api.register(f"{unique}-x")
    key = (await api.keys.ListSigningKeys(pb.ListSigningKeysRequest(), metadata=mine.owner)).signing_keys[0]
    theirs = await api.keys.ListSigningKeys(pb.ListSigningKeysRequest(), metadata=other.owner)
    assert key.name not in {k.name for k in theirs.signing_keys}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.keys.GetSigningKey(pb.GetSigningKeyRequest(name=key.name), metadata=other.owner)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await api.keys.ListSigningKeys(pb.ListSigningKeysRequest(), metadata=as_tenant(unique, "VIEWER"))
    assert viewer.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not {k["kid"] for k in (await api.jwks(other.id))["keys"]} & {key.kid}


async def test_rotation_keeps_old_tokens_verifiable_for_the_overlap(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique)
    old_token = (await api.cc_token(unique, client.client_id, secret)).json()["access_token"]
    old_kid = pyjwt.get_unverified_header(old_token)["kid"]
    rotated = await api.keys.RotateSigningKey(
        pb.RotateSigningKeyRequest(overlap=Duration(seconds=7200)), metadata=tenant.owner
    )
    assert rotated.previous_signing_key.kid == old_kid
    assert rotated.previous_signing_key.status == pb.SIGNING_KEY_STATUS_VERIFY_ONLY
    assert rotated.signing_key.status == pb.SIGNING_KEY_STATUS_ACTIVE
    prev = rotated.previous_signing_key
    assert prev.retire_time.seconds - prev.deactivate_time.seconds == 7200
    jwks = await api.jwks(unique)
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, rotated.signing_key.kid}
    assert verify(old_token, jwks, issuer=api.issuer(unique), audience="openframe")["sub"] == client.client_id
    new_token = (await api.cc_token(unique, client.client_id, secret)).json()["access_token"]
    assert pyjwt.get_unverified_header(new_token)["kid"] == rotated.signing_key.kid
    verify(new_token, jwks, issuer=api.issuer(unique), audience="openframe")
    listed = await api.keys.ListSigningKeys(pb.ListSigningKeysRequest(), metadata=tenant.owner)
    assert [k.kid for k in listed.signing_keys] == [rotated.signing_key.kid, old_kid]
    only_active = await api.keys.ListSigningKeys(
        pb.ListSigningKeysRequest(status=pb.SIGNING_KEY_STATUS_ACTIVE), metadata=tenant.owner
    )
    assert [k.kid for k in only_active.signing_keys] == [rotated.signing_key.kid]


async def test_rotated_out_key_leaves_the_jwks_after_the_overlap(
    auth: Running, api: Api, unique: str
) -> None:
    await api.register(unique)
    # The API's minimum overlap is an hour; the domain call lets the test watch it run out.
    fresh, previous = await auth.deps.keys.rotate(unique, overlap=timedelta(seconds=1), actor_id="test")
    auth.deps.tenants.forget(unique)
    assert {k["kid"] for k in (await api.jwks(unique))["keys"]} == {fresh.kid, previous.kid}
    await asyncio.sleep(1.2)
    assert {k["kid"] for k in (await api.jwks(unique))["keys"]} == {fresh.kid}
    everyone = {k["kid"] for k in (await api.http.get(f"{api.public_url}/auth/jwks")).json()["keys"]}
    assert fresh.kid in everyone and previous.kid not in everyone
