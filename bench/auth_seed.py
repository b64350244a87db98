"""Realistic data for the auth benchmarks: OAuth clients and audit events already in the store.

    .venv/bin/python bench/auth_seed.py [--clients 100000] [--events 1000000]

(bench/token_issuance.py and bench/audit_list.py call :func:`ensure_seed` themselves.)

``SEED_TENANTS`` tenants ``bench-seed-000`` .. are registered through the service (tenant, owner,
signing key, console client, as any tenant), then ``--clients`` OAuth clients and ``--events``
audit entries go straight into the store (``insert_many`` of 1000, the services' own document
builders: ``client_document``, ``document_of``), spread over those tenants with
``bench-seed-000`` holding half of everything (a large MSP next to many small ones). Clients: 90%
AGENT (as the fleet makes them), 10% INTEGRATION, created over the last 60 days. Audit entries:
the last 60 days, time-ordered UUIDv7 ids as the service makes them; 80% TOKEN_ISSUED by a
client (a few clients far busier than the rest), 8% LOGIN (a quarter failed), the rest the other
kinds, one in a thousand a key rotation; 5,000 client addresses. Seeded entries carry a writer
with no outbox checkpoint, so no relay ever publishes them (Kafka and its consumers see none).

A seed is recorded in ``bench_seeds`` (in the service's database) once complete, and reused by
later runs when it is at least as large as asked; ids are deterministic, so a run that was
interrupted resumes where it stopped (duplicates are skipped).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
from pymongo import AsyncMongoClient
from pymongo.errors import BulkWriteError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from infra.layout import Layout
from openframe.auth.v1 import audit_pb2, oauth_clients_pb2, tenants_pb2, tenants_pb2_grpc
from openframe.events.v1 import security_events_pb2 as sec
from openframe.events.v1 import user_events_pb2 as usr
from services.auth.audit.log import document_of
from services.auth.audit.model import FAILURE, AuditEntry, client_actor, user_actor
from services.auth.clients.model import ClientType, Grant, OAuthClient, Purpose
from services.auth.clients.repository import client_document
from services.auth.crypto import digest

PASSWORD = "bench password 1234"  # noqa: S105 (throw-away tenants' owners)
SEED_TENANTS = 100
MARK = "auth"
SPAN = timedelta(days=60)
WRITER = "bench-seed"  # no checkpoint: never relayed
BATCH = 1000
T = audit_pb2
CLIENT_CREDENTIALS = oauth_clients_pb2.GRANT_TYPE_CLIENT_CREDENTIALS
LOCKED = sec.LOGIN_FAILURE_REASON_ACCOUNT_LOCKED


def tenant_name(index: int) -> str:
    return f"bench-seed-{index:03d}"


def owner_email(index: int) -> str:
    return f"owner@{tenant_name(index)}.test"


def tenant_of(n: int) -> int:
    """Half of everything in tenant 0, the rest spread evenly over the others."""
    return 0 if n % 2 == 0 else 1 + (n // 2) % (SEED_TENANTS - 1)


def client_index(tenant: int, j: int) -> int:
    """The ``j``-th seeded client of ``tenant`` (inverse of :func:`tenant_of`)."""
    return 2 * j if tenant == 0 else 2 * ((SEED_TENANTS - 1) * j + tenant - 1) + 1


def client_id(n: int) -> str:
    return hashlib.sha256(f"seed-client-{n}".encode()).hexdigest()[:24]


def user_id(tenant: int, u: int) -> str:
    return hashlib.sha256(f"seed-user-{tenant}-{u}".encode()).hexdigest()[:32]


def address(j: int) -> str:
    j %= 5000
    return f"10.{j // 250}.{j % 250}.{(j * 7) % 250 + 1}"


def uuid7_at(at: datetime, n: int) -> str:
    """A UUIDv7 of the millisecond ``at`` (the counter bits from ``n``: deterministic, unique)."""
    ms = int(at.timestamp() * 1000)
    rand = hashlib.sha256(n.to_bytes(8, "big")).digest()[:8]
    raw = bytearray(ms.to_bytes(6, "big") + (0x7000 | (n & 0xFFF)).to_bytes(2, "big") + rand)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(raw)))


@dataclass(frozen=True)
class Seed:
    clients: int
    events: int
    start: datetime  # the oldest seeded entry; the newest is start + SPAN

    def clients_of(self, tenant: int) -> int:
        """How many seeded clients ``tenant`` has (see :func:`tenant_of`)."""
        if tenant == 0:
            return len(range(0, self.clients, 2))
        return len(range(tenant - 1, self.clients // 2, SEED_TENANTS - 1))


def client(n: int, seed_start: datetime, total: int) -> OAuthClient:
    agent = n % 10 != 0
    at = seed_start + SPAN * n / total
    created = at.replace(microsecond=at.microsecond // 1000 * 1000)
    secret = f"seed-secret-{n}"
    return OAuthClient(
        id=client_id(n),
        tenant_id=tenant_name(tenant_of(n)),
        display_name=f"agent host-{n:06d}" if agent else f"integration {n}",
        client_type=ClientType.CONFIDENTIAL,
        grant_types=[Grant.CLIENT_CREDENTIALS],
        purpose=Purpose.AGENT if agent else Purpose.INTEGRATION,
        scopes=["agent"] if agent else [],
        access_token_ttl=3600 if agent else None,
        secret_digest=digest(secret),
        secret_hint=secret[-4:],
        secret_rotate_time=created,
        creator={"type": "ACTOR_TYPE_SYSTEM", "id": "bench-seed"},
        create_time=created,
        update_time=created,
        etag=hashlib.sha256(f"etag-{n}".encode()).hexdigest()[:16],
    )


def event(n: int, seed: Seed, rng: random.Random) -> dict[str, Any]:
    """The ``n``-th seeded audit entry, as the service stores it."""
    t = tenant_of(n)
    tenant = tenant_name(t)
    clients = max(seed.clients_of(t), 1)
    j = min(int(clients * rng.random() ** 3), clients - 1)  # a few clients are far busier
    cid = client_id(client_index(t, j))
    user = user_id(t, rng.randrange(50))
    ip = address(j if n % 100 < 80 else 4000 + rng.randrange(1000))
    kind = n % 100
    if kind < 80:
        jti = hashlib.sha256(f"jti-{n}".encode()).hexdigest()[:32]
        entry = AuditEntry(
            tenant_id=tenant,
            type=T.AUDIT_EVENT_TYPE_TOKEN_ISSUED,
            subject=f"oauthClients/{cid}",
            target=f"oauthClients/{cid}",
            client_id=cid,
            actor=client_actor(cid),
            ip_address=ip,
            user_agent="openframe-agent/1.4.2",
            details={"grant_type": "client_credentials", "jti": jti, "kid": f"{tenant}.0", "scope": "agent"},
            payload=sec.TokenIssued(
                client_id=cid, subject=cid, grant_type=CLIENT_CREDENTIALS, scopes=["agent"], jti=jti
            ),
        )
    elif kind < 88:
        failed = kind < 82
        entry = AuditEntry(
            tenant_id=tenant,
            type=T.AUDIT_EVENT_TYPE_LOGIN,
            outcome=FAILURE if failed else T.AUDIT_OUTCOME_SUCCESS,
            subject=f"users/{user}",
            target=f"users/{user}",
            client_id=f"console-{tenant}",
            actor=user_actor(user, f"user{user[:6]}@{tenant}.test"),
            ip_address=ip,
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            failure_reason="invalid_credentials" if failed else "",
            payload=sec.LoginFailed(user=f"users/{user}", reason=sec.LOGIN_FAILURE_REASON_INVALID_CREDENTIALS)
            if failed
            else sec.LoginSucceeded(user=f"users/{user}", method=sec.LOGIN_METHOD_PASSWORD, ip_address=ip),
        )
    else:
        kinds = {
            88: (T.AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED, sec.OAuthClientUpdated()),
            89: (T.AUDIT_EVENT_TYPE_OAUTH_CLIENT_CHANGED, sec.OAuthClientCreated()),
            90: (T.AUDIT_EVENT_TYPE_OAUTH_CLIENT_SECRET_ROTATED, sec.OAuthClientSecretRotated()),
            91: (T.AUDIT_EVENT_TYPE_TOKEN_REVOKED, sec.TokenRevoked(client_id=cid)),
            92: (T.AUDIT_EVENT_TYPE_TOKEN_REVOKED, sec.TokenRevoked(client_id=cid)),
            93: (T.AUDIT_EVENT_TYPE_USER_CREATED, usr.UserCreated()),
            94: (T.AUDIT_EVENT_TYPE_USER_UPDATED, usr.UserUpdated()),
            95: (T.AUDIT_EVENT_TYPE_USER_ROLE_CHANGED, usr.UserRoleChanged()),
            96: (T.AUDIT_EVENT_TYPE_PASSWORD_RESET_REQUESTED, usr.PasswordResetRequested()),
            97: (T.AUDIT_EVENT_TYPE_INVITATION_SENT, usr.InvitationSent()),
            98: (T.AUDIT_EVENT_TYPE_ACCOUNT_LOCKED, sec.LoginFailed(reason=LOCKED)),
        }
        kind_type, payload = kinds.get(kind, (T.AUDIT_EVENT_TYPE_USER_DELETED, usr.UserDeleted()))
        if kind == 99 and n % 1000 == 99:  # one in a thousand
            kind_type, payload = T.AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED, sec.SigningKeyRotated()
        target = f"oauthClients/{cid}" if kind < 93 else f"users/{user_id(t, rng.randrange(50))}"
        entry = AuditEntry(
            tenant_id=tenant,
            type=kind_type,
            outcome=FAILURE if kind == 98 else T.AUDIT_OUTCOME_SUCCESS,
            subject=target,
            target=target,
            actor=user_actor(user, f"user{user[:6]}@{tenant}.test"),
            ip_address=ip,
            payload=payload,
        )
    doc = document_of(entry)
    at = seed.start + SPAN * n / seed.events
    doc["event_time"] = at.replace(microsecond=at.microsecond // 1000 * 1000)
    doc["_id"] = uuid7_at(at, n)
    doc.update(writer=WRITER, seq=n + 1, sequence=n + 1)
    return doc


async def insert_all(collection: Any, docs: list[dict[str, Any]]) -> int:
    """Insert, skipping documents already there (a resumed seed); how many were new.

    A batch whose first and last documents are there was written whole by an earlier run
    (batches are written in order; only the one a run stopped in can have gaps): skipped
    without sending it, which a resumed seed would otherwise spend minutes on."""
    ends = [docs[0]["_id"], docs[-1]["_id"]]
    if len(await collection.find({"_id": {"$in": ends}}, {"_id": 1}).to_list()) == len(set(ends)):
        return 0
    try:
        return len((await collection.insert_many(docs, ordered=False)).inserted_ids)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise
        return int(exc.details.get("nInserted", 0))


async def register_tenants(layout: Layout) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('auth')}") as channel:
        stub = tenants_pb2_grpc.TenantServiceStub(channel)
        for index in range(SEED_TENANTS):
            request = tenants_pb2.RegisterTenantRequest(
                tenant_id=tenant_name(index),
                display_name=f"Seed MSP {index}",
                owner_email=owner_email(index),
                owner_password=PASSWORD,
                owner_display_name=f"Seed Owner {index}",
            )
            try:
                await stub.RegisterTenant(request)
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise


async def ensure_seed(layout: Layout, *, clients: int, events: int) -> Seed:
    """The seed in the store of ``make run`` (written now unless a large enough one is there)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{layout.port('mongo')}/", tz_aware=True
    )
    db, audit = mongo["openframe"], mongo["openframe_audit"]
    mark = await db["bench_seeds"].find_one({"_id": MARK})
    if mark and mark["clients"] >= clients and mark["events"] >= events:
        print(f"seed: reusing {mark['clients']:,} clients and {mark['events']:,} audit entries")
        await mongo.close()
        return Seed(mark["clients"], mark["events"], mark["start"])
    start = (mark or {}).get("start") or (datetime.now(UTC) - SPAN - timedelta(days=1)).replace(microsecond=0)
    seed = Seed(clients, events, start)
    print(f"seed: {SEED_TENANTS} tenants, {clients:,} clients, {events:,} audit entries ...", flush=True)
    await register_tenants(layout)
    started, written = time.perf_counter(), 0
    for first in range(0, clients, BATCH):
        docs = [client_document(client(n, start, clients)) for n in range(first, min(first + BATCH, clients))]
        written += await insert_all(db["oauth_clients"], docs)
    took = time.perf_counter() - started
    print(f"  clients: {written:,} written in {took:.0f} s", flush=True)
    rng, started, written = random.Random(15), time.perf_counter(), 0  # noqa: S311 (not secrets)
    for first in range(0, events, BATCH):
        docs = [event(n, seed, rng) for n in range(first, min(first + BATCH, events))]
        written += await insert_all(audit["audit_events"], docs)
        if first and first % 100_000 == 0:
            print(
                f"  audit entries: {first:,} ({first / (time.perf_counter() - started):,.0f}/s)", flush=True
            )
    took = time.perf_counter() - started
    print(f"  audit entries: {written:,} written in {took:.0f} s ({events / took:,.0f}/s)", flush=True)
    await db["bench_seeds"].replace_one(
        {"_id": MARK}, {"clients": clients, "events": events, "start": start}, upsert=True
    )
    await mongo.close()
    return seed


def _form_value(html: str, name: str) -> str:
    found = re.search(rf"""name=["']?{name}["']?\s+value=["']([^"']*)["']""", html)
    assert found, f"login page without {name}"
    return found.group(1)


def _form_action(html: str) -> str:
    found = re.search(r"""action=["']([^"']+)["']""", html)
    assert found, "login page without a form"
    return found.group(1)


def pkce_pair() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(os.urandom(48)).rstrip(b"=").decode()
    challenge = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(challenge).rstrip(b"=").decode()


async def owner_token(layout: Layout, tenant: str, email: str) -> str:
    """An access token of the tenant's owner: the console client's code flow with PKCE, through
    the edge, as a browser signs in."""
    edge = f"http://127.0.0.1:{layout.port('envoy')}"
    issuer, console, redirect = (
        f"{edge}/auth/tenants/{tenant}",
        f"console-{tenant}",
        f"{edge}/console/callback",
    )
    verifier, challenge = pkce_pair()
    async with httpx.AsyncClient(timeout=30) as http:
        start = await http.get(
            f"{issuer}/oauth2/authorize",
            params=dict(
                response_type="code",
                client_id=console,
                redirect_uri=redirect,
                scope="openid",
                state="bench",
                code_challenge=challenge,
                code_challenge_method="S256",
            ),
        )
        page = (await http.get(start.headers["location"])).text
        done = await http.post(
            _form_action(page),
            data=dict(
                request=_form_value(page, "request"),
                email=email,
                password=PASSWORD,
                csrf_token=_form_value(page, "csrf_token"),
            ),
        )
        code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
        reply = await http.post(
            f"{issuer}/oauth2/token",
            data=dict(
                grant_type="authorization_code",
                client_id=console,
                redirect_uri=redirect,
                code=code,
                code_verifier=verifier,
            ),
        )
        reply.raise_for_status()
    return str(reply.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(ensure_seed(Layout.from_env(), clients=args.clients, events=args.events))


if __name__ == "__main__":
    main()
