"""Audit log: security events stored tenant-scoped, queryable over gRPC, and published to Kafka
through the outbox — also when Kafka is down at the time of the write."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import audit_pb2 as pb
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import signing_keys_pb2, users_pb2
from openframe.auth.v1.audit_pb2_grpc import AuditServiceStub
from openframe.auth.v1.tenants_pb2_grpc import TenantServiceStub
from openframe.events.v1 import envelope_pb2, security_events_pb2, user_events_pb2
from services.auth.app import Running, build
from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle
from tests.integration.auth.conftest import auth_settings, free_port
from tests.integration.auth.helpers import PASSWORD, Api, as_tenant, eventually, pkce_pair
from tests.integration.auth.kafka_tools import Forwarder, read_until

T = pb


async def _published(db: AsyncDatabase[dict[str, object]], running: Running, last_seq: int) -> bool:
    """The writer's high-water mark covers ``last_seq``: everything up to it is in Kafka."""
    mark = await db["outbox_checkpoints"].find_one({"_id": running.outbox.writer})
    return mark is not None and int(mark["published_seq"]) >= last_seq  # type: ignore[call-overload]


async def _list(api: Api, tenant: str, **filters: object) -> list[pb.AuditEvent]:
    reply = await api.audit.ListAuditEvents(pb.ListAuditEventsRequest(**filters), metadata=as_tenant(tenant))  # type: ignore[arg-type]
    return list(reply.audit_events)


async def test_security_events_are_recorded(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(
        unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE, cpb.GRANT_TYPE_CLIENT_CREDENTIALS)
    )
    api.http.headers["x-request-id"] = f"req-{unique}"
    assert (await api.cc_token(unique, client.client_id, secret)).status_code == 200
    _, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
    assert (await api.submit_login(page, tenant.owner_email, "not the password!")).status_code == 401
    assert (await api.submit_login(page, tenant.owner_email, PASSWORD)).status_code == 303
    await api.keys.RotateSigningKey(signing_keys_pb2.RotateSigningKeyRequest(), metadata=tenant.owner)
    user = (
        await api.users.CreateUser(
            users_pb2.CreateUserRequest(user=users_pb2.User(email=f"t@{unique}.test", display_name="T")),
            metadata=tenant.owner,
        )
    ).user
    await api.users.SetUserRole(
        users_pb2.SetUserRoleRequest(name=user.name, role=users_pb2.USER_ROLE_VIEWER), metadata=tenant.owner
    )
    events = await _list(api, unique)
    kinds = [pb.AuditEventType.Name(e.type) for e in events]
    assert kinds == [  # newest first
        "AUDIT_EVENT_TYPE_USER_ROLE_CHANGED",
        "AUDIT_EVENT_TYPE_USER_CREATED",
        "AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED",
        "AUDIT_EVENT_TYPE_LOGIN",
        "AUDIT_EVENT_TYPE_LOGIN",
        "AUDIT_EVENT_TYPE_TOKEN_ISSUED",
        "AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED",
        "AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED",  # the console client, made at registration
        "AUDIT_EVENT_TYPE_USER_CREATED",
        "AUDIT_EVENT_TYPE_TENANT_CHANGED",
    ]
    token_event = events[5]
    assert (
        token_event.client_id == client.client_id
        and token_event.details["grant_type"] == "client_credentials"
    )
    assert (
        token_event.request_id == f"req-{unique}"
        and token_event.ip_address == api.http.headers["x-forwarded-for"]
    )
    assert token_event.actor.id == client.client_id
    ok, failed = events[3], events[4]
    assert ok.outcome == pb.AUDIT_OUTCOME_SUCCESS and ok.actor.id == tenant.owner_id
    assert failed.outcome == pb.AUDIT_OUTCOME_FAILURE and failed.failure_reason == "invalid_credentials"
    assert (
        events[0].details == {"old_role": "TECHNICIAN", "new_role": "VIEWER"}
        and events[0].target == user.name
    )
    assert secret not in str(events) and PASSWORD not in str(events)
    # filters, pagination, get
    logins = await _list(api, unique, types=[pb.AUDIT_EVENT_TYPE_LOGIN], outcome=pb.AUDIT_OUTCOME_FAILURE)
    assert [e.name for e in logins] == [failed.name]
    assert [e.name for e in await _list(api, unique, target=user.name)] == [events[0].name, events[1].name]
    assert [e.name for e in await _list(api, unique, actor_id=client.client_id)] == [token_event.name]
    first = await api.audit.ListAuditEvents(
        pb.ListAuditEventsRequest(page_size=4), metadata=as_tenant(unique)
    )
    second = await api.audit.ListAuditEvents(
        pb.ListAuditEventsRequest(page_size=4, page_token=first.next_page_token), metadata=as_tenant(unique)
    )
    assert [e.name for e in [*first.audit_events, *second.audit_events]] == [e.name for e in events[:8]]
    # several types: one range each, merged newest first, paged like any list
    several = [
        pb.AUDIT_EVENT_TYPE_USER_CREATED,
        pb.AUDIT_EVENT_TYPE_LOGIN,
        pb.AUDIT_EVENT_TYPE_TENANT_CHANGED,
    ]
    wanted = [e.name for e in events if e.type in several]
    assert len(wanted) == 5
    got_pages, token = [], ""
    while True:
        request = pb.ListAuditEventsRequest(types=several, page_size=2, page_token=token)
        reply = await api.audit.ListAuditEvents(request, metadata=as_tenant(unique))
        got_pages.append([e.name for e in reply.audit_events])
        token = reply.next_page_token
        if not token:
            break
    assert [name for names in got_pages for name in names] == wanted and len(got_pages[0]) == 2
    got = await api.audit.GetAuditEvent(
        pb.GetAuditEventRequest(name=token_event.name), metadata=as_tenant(unique)
    )
    assert got.audit_event == token_event


async def test_audit_entries_stay_in_their_tenant(api: Api, unique: str) -> None:
    await api.register(unique)
    other = await api.register(f"{unique}-x")
    mine = await _list(api, unique)
    theirs = {o.name for o in await _list(api, other.id)}
    assert mine and theirs and not {e.name for e in mine} & theirs
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.audit.GetAuditEvent(pb.GetAuditEventRequest(name=mine[0].name), metadata=other.owner)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as tech:
        await api.audit.ListAuditEvents(pb.ListAuditEventsRequest(), metadata=as_tenant(unique, "TECHNICIAN"))
    assert tech.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_audit_entries_are_published_to_kafka(
    auth: Running, api: Api, audit_db: AsyncDatabase[dict[str, object]], unique: str, settings: Settings
) -> None:
    await api.register(unique)
    client, secret = await api.client(unique)
    for _ in range(3):
        assert (await api.cc_token(unique, client.client_id, secret)).status_code == 200
    key = f"{unique}:oauthClients/{client.client_id}".encode()
    records = await read_until(
        settings.kafka_bootstrap,
        auth.deps.settings.audit_topic,
        lambda rs: sum(r.key == key for r in rs) >= 4,
    )
    mine = [r for r in records if r.key == key]
    envelopes = [envelope_pb2.EventEnvelope.FromString(r.value) for r in mine]
    assert [e.sequence for e in envelopes] == [1, 2, 3, 4]  # per (tenant, subject), gap-free
    assert envelopes[0].type == "openframe.events.v1.OAuthClientCreated"
    issued = security_events_pb2.TokenIssued()
    assert envelopes[1].payload.Unpack(issued) and envelopes[1].type == "openframe.events.v1.TokenIssued"
    assert issued.client_id == client.client_id and issued.kid.startswith(f"{unique}.") and issued.jti
    assert envelopes[1].tenant_id == unique and envelopes[1].source == "openframe.auth"
    assert envelopes[1].subject == f"oauthClients/{client.client_id}"
    headers = dict(mine[1].headers)
    assert headers["ce_id"].decode() == envelopes[1].id and headers["ce_tenant"] == unique.encode()
    assert all(secret.encode() not in r.value for r in mine)
    # the stored entry is its own outbox record; the writer's mark moves past it once published
    stored = await audit_db["audit_events"].find_one({"_id": envelopes[1].id})
    assert stored is not None and stored["tenant_id"] == unique and stored["writer"] == auth.outbox.writer
    assert await eventually(lambda: _published(audit_db, auth, int(stored["seq"])))  # type: ignore[call-overload]
    created = user_events_pb2.TenantCreated()
    tenant_records = [r for r in records if r.key == f"{unique}:tenants/{unique}".encode()]
    assert envelope_pb2.EventEnvelope.FromString(tenant_records[0].value).payload.Unpack(created)
    assert created.tenant.name == f"tenants/{unique}"


async def test_writes_succeed_with_kafka_down_and_are_delivered_later(
    settings: Settings, unique: str
) -> None:
    database = f"test_auth_kafka_down_{unique}"
    dead_port = free_port()
    own = auth_settings(settings, mongo_database=database, kafka_bootstrap=f"127.0.0.1:{dead_port}")
    lifecycle = Lifecycle(grace_seconds=2)
    running = await build(own, lifecycle)
    forwarder = Forwarder(dead_port, ("127.0.0.1", int(settings.kafka_bootstrap.rsplit(":", 1)[1])))
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.grpc_port}") as channel:
            from openframe.auth.v1 import tenants_pb2

            reply = await TenantServiceStub(channel).RegisterTenant(
                tenants_pb2.RegisterTenantRequest(
                    tenant_id=unique,
                    display_name="Offline MSP",
                    owner_email=f"o@{unique}.test",
                    owner_password=PASSWORD,
                    owner_display_name="O",
                )
            )  # acknowledged with Kafka unreachable
            assert reply.tenant.name == f"tenants/{unique}"
            await asyncio.sleep(1)
            pending = [
                d async for d in mongo[f"{database}_audit"]["audit_events"].find({"tenant_id": unique})
            ]
            assert len(pending) == 3
            mark = await mongo[f"{database}_audit"]["outbox_checkpoints"].find_one(
                {"_id": running.outbox.writer}
            )
            assert mark is not None and mark["published_seq"] == 0  # nothing in Kafka yet
            listed = await AuditServiceStub(channel).ListAuditEvents(
                pb.ListAuditEventsRequest(), metadata=as_tenant(unique)
            )
            assert {e.name.removeprefix("auditEvents/") for e in listed.audit_events} == {
                d["_id"] for d in pending
            }
            await forwarder.start()  # Kafka "comes back"
            keys = {
                f"{unique}:tenants/{unique}".encode(),
                f"{unique}:users/{reply.owner.name.removeprefix('users/')}".encode(),
                f"{unique}:oauthClients/console-{unique}".encode(),
            }
            records = await read_until(
                settings.kafka_bootstrap, own.audit_topic, lambda rs: keys <= {r.key for r in rs}, within=90
            )
            ids = {envelope_pb2.EventEnvelope.FromString(r.value).id for r in records if r.key in keys}
            assert ids == {d["_id"] for d in pending}
            last = max(int(d["seq"]) for d in pending)
            assert await eventually(lambda: _published(mongo[f"{database}_audit"], running, last))
    finally:
        await lifecycle.shutdown()
        await forwarder.stop()
        for name in (database, f"{database}_audit"):
            await mongo.drop_database(name)
        await mongo.close()
