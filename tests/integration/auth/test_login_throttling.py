"""Login throttling that nobody can turn into a lockout of someone else (services/auth/oauth/
throttle.py): growing delays per account and client address, a much larger budget per account
over every address, a budget per address over every account — all in Redis with expiry, answered
with 429 and Retry-After before any password check, the same for unknown accounts, audited.

The in-process service trusts X-Forwarded-For (as behind our edge), so each request names its
client address; the last test goes through the real edge from distinct loopback addresses."""

from __future__ import annotations

import re
import secrets
import uuid

import httpx
import redis.asyncio as aioredis

from infra.layout import Layout
from openframe.auth.v1 import account_pb2, audit_pb2
from openframe.auth.v1 import oauth_clients_pb2 as pb
from services.auth.app import Running
from tests.integration.auth.helpers import PASSWORD, Api, as_tenant, form_action, form_field, pkce_pair
from tests.integration.auth.mailbox import Mailbox, link_in, token_of
from tests.support.races import Console, Owner

CODE = pb.GRANT_TYPE_AUTHORIZATION_CODE
WRONG = "not the password at all"
ERROR = re.compile(r"<p class=error role=alert>([^<]*)</p>")


def _address(first: int = 10) -> str:
    """A client address no other test uses (10/8 in-process; 127/8 for loopback sources)."""
    return f"{first}.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(248) + 2}"


async def _page(api: Api, tenant: str, client_id: str) -> httpx.Response:
    _, challenge = pkce_pair()
    return await api.login_page(api.authorize_url(tenant, client_id, challenge=challenge))


async def _submit(api: Api, page: httpx.Response, email: str, password: str, ip: str) -> httpx.Response:
    return await api.http.post(
        form_action(page.text),
        data={
            "request": form_field(page.text, "request"),
            "csrf_token": form_field(page.text, "csrf_token"),
            "email": email,
            "password": password,
        },
        headers={"x-forwarded-for": ip},
    )


def _answer(response: httpx.Response) -> tuple[int, str]:
    """What a caller learns: the status and the page's message (and Retry-After with 429)."""
    found = ERROR.search(response.text)
    assert (response.status_code == 429) == ("retry-after" in response.headers)
    return response.status_code, found.group(1) if found else ""


async def _setup(api: Api, unique: str) -> tuple[str, httpx.Response]:
    tenant = await api.register(unique)
    client, _ = await api.client(unique, grants=(CODE,), public=True)
    return tenant.owner_email, await _page(api, unique, client.client_id)


async def _delay_passes(auth: Running, unique: str, ip: str) -> None:
    """The current delay of (account, ip) running out, in short."""
    redis = aioredis.from_url(auth.deps.settings.redis_url)
    keys = [k async for k in redis.scan_iter(f"auth:login:delay:{unique}:*:{ip}")]
    assert len(keys) == 1 and b"@" not in keys[0]  # no address in the key
    await redis.delete(*keys)
    await redis.aclose()


async def test_one_address_gets_growing_delays_and_only_it(auth: Running, api: Api, unique: str) -> None:
    email, page = await _setup(api, unique)
    attacker, owner = _address(), _address()
    for _ in range(5):  # the free failures
        assert (await _submit(api, page, email, WRONG, attacker)).status_code == 401
    base = int(auth.deps.settings.login_backoff_base_seconds)
    for wait, told in ((base, "1 minute"), (2 * base, "2 minutes"), (4 * base, "4 minutes")):
        refused = await _submit(api, page, email, PASSWORD, attacker)  # even the right password
        assert _answer(refused) == (429, f"Too many sign-in attempts. Try again in {told}.")
        assert wait - 2 <= int(refused.headers["retry-after"]) <= wait  # each failure doubles it
        await _delay_passes(auth, unique, attacker)
        assert (await _submit(api, page, email, WRONG, attacker)).status_code == 401
    # the owner, from another address, is not affected at all
    assert (await _submit(api, page, email, PASSWORD, owner)).status_code == 303
    # a right password from the attacker's address once the delay passed clears that address
    await _delay_passes(auth, unique, attacker)
    assert (await _submit(api, page, email, PASSWORD, attacker)).status_code == 303
    for _ in range(4):
        assert (await _submit(api, page, email, WRONG, attacker)).status_code == 401
    failures = await api.audit.ListAuditEvents(
        audit_pb2.ListAuditEventsRequest(
            types=[audit_pb2.AUDIT_EVENT_TYPE_LOGIN], outcome=audit_pb2.AUDIT_OUTCOME_FAILURE, page_size=100
        ),
        metadata=as_tenant(unique),
    )
    reasons = sorted(e.failure_reason for e in failures.audit_events)
    assert reasons == ["invalid_credentials"] * 12 + ["rate_limited"] * 3
    limited = [e for e in failures.audit_events if e.failure_reason == "rate_limited"]
    assert all(e.ip_address == attacker and e.details["budget"] == "account_ip" for e in limited)
    assert all(PASSWORD not in str(e) and WRONG not in str(e) for e in failures.audit_events)


async def test_unknown_accounts_get_the_same_answers(api: Api, unique: str) -> None:
    email, page = await _setup(api, unique)
    answers = {}
    for who in (email, f"ghost@{unique}.test"):
        ip = _address()
        answers[who] = [_answer(await _submit(api, page, who, WRONG, ip)) for _ in range(7)]
    real, ghost = answers.values()
    assert real == ghost and [status for status, _ in real] == [401] * 5 + [429] * 2


async def test_the_account_budget_engages_far_above_and_spares_known_addresses(
    auth: Running, api: Api, mailbox: Mailbox, unique: str
) -> None:
    email, page = await _setup(api, unique)
    settings = auth.deps.settings
    budget, free = settings.login_max_failures_per_account, settings.login_free_failures
    assert budget >= 20 * free  # far above what one address may try before delays
    home = _address()
    assert (await _submit(api, page, email, PASSWORD, home)).status_code == 303  # a known address
    addresses = [_address() for _ in range(budget // free + 1)]
    spent = 0
    for ip in addresses:  # a botnet: never more than the free failures per address
        for _ in range(min(free, budget - 1 - spent)):
            assert (await _submit(api, page, email, WRONG, ip)).status_code == 401
            spent += 1
    assert spent == budget - 1
    last = await _submit(api, page, email, WRONG, _address())  # still answered: the budget's last
    assert last.status_code == 401
    stranger = await _submit(api, page, email, PASSWORD, _address())
    assert stranger.status_code == 429 and 0 < int(stranger.headers["retry-after"]) <= 3600
    assert (await _submit(api, page, email, PASSWORD, home)).status_code == 303  # the owner at home
    locked = await api.audit.ListAuditEvents(
        audit_pb2.ListAuditEventsRequest(types=[audit_pb2.AUDIT_EVENT_TYPE_ACCOUNT_LOCKED]),
        metadata=as_tenant(unique),
    )
    assert len(locked.audit_events) == 1 and locked.audit_events[0].details["budget"] == "account"
    # a completed password reset gives the budget back: the owner signs in from anywhere
    await api.account.RequestPasswordReset(
        account_pb2.RequestPasswordResetRequest(tenant=f"tenants/{unique}", email=email)
    )
    await api.auth_drain()
    token = token_of(link_in(await mailbox.wait(email, "reset")))
    new_password = f"{PASSWORD} renewed"
    await api.account.ConfirmPasswordReset(
        account_pb2.ConfirmPasswordResetRequest(token=token, new_password=new_password)
    )
    assert (await _submit(api, page, email, new_password, _address())).status_code == 303


async def test_one_address_is_throttled_across_accounts(auth: Running, api: Api, unique: str) -> None:
    _, page = await _setup(api, unique)
    ip, limit = _address(), auth.deps.settings.login_max_failures_per_ip
    for i in range(limit):
        assert (await _submit(api, page, f"user{i}@{unique}.test", WRONG, ip)).status_code == 401
    refused = await _submit(api, page, f"fresh@{unique}.test", WRONG, ip)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert (await _submit(api, page, f"fresh@{unique}.test", WRONG, _address())).status_code == 401


async def test_through_the_edge_a_strangers_failures_do_not_lock_the_owner_out(infra_up: Layout) -> None:
    """The edge appends the real peer address to X-Forwarded-For and the auth service takes that
    hop: a forged header changes nothing, and distinct loopback sources are distinct clients."""
    edge_url = f"http://127.0.0.1:{infra_up.port('envoy')}"
    console = Console(edge_url)
    attacker, owner_source, prober = (_address(127) for _ in range(3))
    async with console.client() as http:
        owner = await console.register(http, f"t{uuid.uuid4().hex[:12]}")

    def from_(source: str) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(local_address=source)
        return console.client(transport=transport, headers={"x-forwarded-for": owner_source})  # forged

    async with from_(attacker) as http:
        tries = await _until_refused(console, http, owner, owner.email)
    async with from_(prober) as http:
        ghost = await _until_refused(console, http, owner, f"ghost@{owner.tenant}.example.test")
    assert [_answer(r)[0] for r in tries[:5]] == [401] * 5 and tries[-1].status_code == 429
    assert [_answer(r) for r in ghost[:5]] == [_answer(r) for r in tries[:5]]
    assert ghost[-1].status_code == 429
    async with from_(owner_source) as http:
        signed_in, _ = await console.login(http, owner)
    assert signed_in.status_code == 303


async def _until_refused(
    console: Console, http: httpx.AsyncClient, owner: Owner, email: str
) -> list[httpx.Response]:
    """Wrong passwords until the throttle answers 429 (the running service's first delay is one
    second, doubling: however slow the machine, an attempt soon lands inside one)."""
    answers: list[httpx.Response] = []
    while not answers or answers[-1].status_code != 429:
        assert len(answers) < 15, [r.status_code for r in answers]
        answers.append((await console.login(http, owner, email=email, password=WRONG))[0])
    return answers
