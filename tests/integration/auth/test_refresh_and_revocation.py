"""Refresh token rotation with reuse detection, revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import audit_pb2
from openframe.auth.v1 import oauth_clients_pb2 as pb
from services.auth.crypto import digest
from tests.integration.auth.helpers import Api, as_tenant

CODE, REFRESH = pb.GRANT_TYPE_AUTHORIZATION_CODE, pb.GRANT_TYPE_REFRESH_TOKEN


async def test_refresh_rotates_and_reuse_revokes_the_family(
    api: Api, db: AsyncDatabase[dict[str, object]], unique: str
) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique, grants=(CODE, REFRESH))
    creds = (client.client_id, secret)
    first = await api.user_tokens(unique, client.client_id, tenant.owner_email, secret)
    second = await api.token(
        unique, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, creds
    )
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert (
        rotated["refresh_token"] != first["refresh_token"]
        and rotated["access_token"] != first["access_token"]
    )
    assert rotated["scope"] == first["scope"] and "id_token" in rotated
    family = await db["refresh_families"].find_one({"tenant_id": unique})
    assert family is not None and family["revoked"] is False
    stored = [t async for t in db["refresh_tokens"].find({"tenant_id": unique})]
    # the family points at the newest token, stored like every token by its hash only
    assert family["current"] == digest(rotated["refresh_token"]) and len(stored) == 2
    assert all(
        first["refresh_token"] not in repr(t) and rotated["refresh_token"] not in repr(t) for t in stored
    )
    narrowed = await api.token(
        unique,
        {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"], "scope": "openid"},
        creds,
    )
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "openid"
    latest = narrowed.json()["refresh_token"]
    reused = await api.token(
        unique, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, creds
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # the whole family is gone, including the newest token the attacker never saw
    after = await api.token(unique, {"grant_type": "refresh_token", "refresh_token": latest}, creds)
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
    events = await api.audit.ListAuditEvents(
        audit_pb2.ListAuditEventsRequest(types=[audit_pb2.AUDIT_EVENT_TYPE_REFRESH_TOKEN_REUSED]),
        metadata=as_tenant(unique),
    )
    assert len(events.audit_events) == 1 and events.audit_events[0].client_id == client.client_id


async def test_refresh_token_belongs_to_its_client_and_cannot_widen_scope(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique, grants=(CODE, REFRESH))
    other, other_secret = await api.client(unique, grants=(CODE, REFRESH))
    tokens = await api.user_tokens(unique, client.client_id, tenant.owner_email, secret)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    stolen = await api.token(unique, form, (other.client_id, other_secret))
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    wider = await api.token(unique, {**form, "scope": "openid offline_access"}, (client.client_id, secret))
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    assert (await api.token(unique, form, (client.client_id, secret))).status_code == 200  # still usable


async def test_introspection_and_revocation(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique, grants=(CODE, REFRESH))
    resource, resource_secret = await api.client(unique)
    creds = (client.client_id, secret)
    tokens = await api.user_tokens(unique, client.client_id, tenant.owner_email, secret)
    introspect = f"{api.issuer(unique)}/oauth2/introspect"
    revoke = f"{api.issuer(unique)}/oauth2/revoke"
    seen = await api.http.post(
        introspect, data={"token": tokens["access_token"]}, auth=(resource.client_id, resource_secret)
    )
    info = seen.json()
    assert seen.status_code == 200 and seen.headers["cache-control"] == "no-store"
    assert info["active"] is True and info["sub"] == tenant.owner_id and info["client_id"] == client.client_id
    assert (
        info["tid"] == unique and info["scope"] == "openid profile email" and info["token_type"] == "Bearer"
    )
    refresh_info = (
        await api.http.post(introspect, data={"token": tokens["refresh_token"]}, auth=creds)
    ).json()
    assert refresh_info["active"] is True and refresh_info["token_type"] == "refresh_token"
    not_owner = await api.http.post(
        introspect, data={"token": tokens["refresh_token"]}, auth=(resource.client_id, resource_secret)
    )
    assert not_owner.json() == {"active": False}
    assert (await api.http.post(introspect, data={"token": "nonsense"}, auth=creds)).json() == {
        "active": False
    }
    unauthenticated = await api.http.post(introspect, data={"token": tokens["access_token"]})
    assert unauthenticated.status_code == 401
    # revoke the access token: introspection and userinfo stop accepting it
    assert (
        await api.http.post(revoke, data={"token": tokens["access_token"]}, auth=creds)
    ).status_code == 200
    assert (await api.http.post(introspect, data={"token": tokens["access_token"]}, auth=creds)).json() == {
        "active": False
    }
    userinfo = await api.http.get(
        f"{api.issuer(unique)}/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    # revoke the refresh token: it no longer refreshes
    assert (
        await api.http.post(
            revoke, data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}, auth=creds
        )
    ).status_code == 200
    refused = await api.token(
        unique, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, creds
    )
    assert refused.status_code == 400
    # unknown tokens: still 200 (RFC 7009 §2.2); a missing token is a bad request
    assert (await api.http.post(revoke, data={"token": "whatever"}, auth=creds)).status_code == 200
    assert (await api.http.post(revoke, data={}, auth=creds)).status_code == 400


async def test_introspection_is_per_tenant(api: Api, unique: str) -> None:
    await api.register(unique)
    other = await api.register(f"{unique}-o")
    client, secret = await api.client(unique)
    theirs, their_secret = await api.client(other.id)
    token = (await api.cc_token(unique, client.client_id, secret)).json()["access_token"]
    resp = await api.http.post(
        f"{other.issuer}/oauth2/introspect", data={"token": token}, auth=(theirs.client_id, their_secret)
    )
    assert resp.json() == {"active": False}
