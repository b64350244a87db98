"""Tenants' budgets for token traffic without a call per request: the server side of Envoy's rate
limit quota filter (RLQS, ``envoy.service.rate_limit_quota.v3``; decision 0019).

Envoy keeps one bucket per tenant (the verified token's ``tid``), decides every request locally
from the assignment this service gave it, and reports each bucket's usage on one stream (every
5 s in Envoy 1.40, plus at once for a new bucket). For each report this service adds the requests
Envoy let through to the tenant's window counters in Redis (the same fixed windows and keys the
API-key check spends from, so a tenant has one budget however it calls) and answers with the
bucket's assignment:

* **allow** (``ALLOW_ALL``) while every window has more left than the tenant could send before
  the next report (twice its reported rate over a report interval, and at least ``near``);
* **grant** (a token bucket of exactly the requests left, never refilled): near a limit, so this
  edge lets through what is left of the window and refuses the rest itself. A grant is sent once
  per window and then repeated unchanged, which Envoy keeps (an unchanged token bucket is carried
  over); a new one is sent after an ``ALLOW_ALL`` in the same response so it starts full;
* **deny** (``DENY_ALL``) once a window is spent, until the longest spent window ends.

The stream also pushes: when a held window ends (the next window starts with a fresh budget) and
when a tenant's policy changes (``policy_changed``, from the policy notices), the bucket is
assessed again at once. A grant is shared between the edges whose streams this process serves.

Approximate by design (docs/rate-limits.md): usage arrives up to a report late, so a tenant that
more than doubles its rate within a report interval near a limit may pass it by that much, and
several edges each served by another process may each be granted what is left. Exact per-request
counting stays where the contract needs it: API keys (the external service's check).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from envoy.service.rate_limit_quota.v3 import rlqs_pb2, rlqs_pb2_grpc
from envoy.type.v3 import ratelimit_strategy_pb2
from redis.exceptions import RedisError

from services.kit.identity import TENANT_RE
from services.kit.logging import get_logger
from services.kit.ratelimit.checker import Checker, Subject
from services.kit.ratelimit.counters import CounterSpec, RedisCounters
from services.kit.ratelimit.limits import WINDOWS, Limits

log = get_logger(__name__)

METHOD = "/envoy.service.rate_limit_quota.v3.RateLimitQuotaService/StreamRateLimitQuotas"
#: The bucket id entry the edge builds from the verified token (infra/servers/envoy/ratelimit.py).
BUCKET_KEY = "tenant_id"
Strategy = ratelimit_strategy_pb2.RateLimitStrategy
# (the generated modules are untyped: these names are Any to mypy)
Response: TypeAlias = rlqs_pb2.RateLimitQuotaResponse
Reports: TypeAlias = rlqs_pb2.RateLimitQuotaUsageReports
Action: TypeAlias = rlqs_pb2.RateLimitQuotaResponse.BucketAction
#: A grant's token bucket refills one token a year: in effect never, within its window.
NO_REFILL_S = 366 * 86_400
#: How long an ALLOW_ALL holds without news (then Envoy falls back to its default: allow).
ALLOW_TTL_S = 60

# KEYS[i]: counter i; ARGV[1]: requests to add (0: read only); ARGV[1 + i]: expiry of counter i.
ADD = """
local out = {}
local n = tonumber(ARGV[1])
for i = 1, #KEYS do
  if n > 0 then
    out[i] = redis.call('INCRBY', KEYS[i], n)
    if out[i] == n then redis.call('EXPIRE', KEYS[i], ARGV[1 + i]) end
  else
    out[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
return out
"""


@dataclass(frozen=True)
class Assignment:
    kind: Literal["allow", "grant", "deny"]
    #: when it should be assessed again: the end of the window that decided it (allow: none)
    until: float
    #: grant: the requests left in the window
    tokens: int = 0


def assess(
    limits: Limits, counts: Sequence[int], rate: float, now: float, *, near: int, report_s: float
) -> Assignment:
    """The assignment of a tenant whose windows (``WINDOWS`` order) stand at ``counts`` after this
    report, sending ``rate`` requests a second."""
    states = [(w, limits.of(w) - c) for w, c in zip(WINDOWS, counts, strict=True)]
    spent = [w for w, left in states if left <= 0]
    if spent:  # nothing passes before the longest spent window ends
        return Assignment("deny", max(now + w.until_reset(now) for w in spent))
    window, left = min(states, key=lambda s: (s[1], -s[0].seconds))
    if left > max(near, 2 * rate * report_s):
        return Assignment("allow", 0.0)
    return Assignment("grant", now + window.until_reset(now), left)


class TenantCounters:
    """The tenant-wide window counters (``rl:{<tenant>}:t:<m|h|d>:<window>``) in Redis."""

    def __init__(self, redis: RedisCounters) -> None:
        self._add = redis.client.register_script(ADD)

    async def add(self, tenant: str, limits: Limits, requests: int, now: float) -> list[int]:
        name = Subject("tenant", tenant).name
        specs = [CounterSpec.at(name, w, limits.of(w), now) for w in WINDOWS]
        reply = await self._add(keys=[s.key for s in specs], args=[requests, *(s.expiry(now) for s in specs)])
        return [int(c) for c in reply]


@dataclass
class _Held:
    """What this stream last assigned a tenant's bucket."""

    assignment: Assignment
    #: the token bucket sent with a grant (sent again unchanged while the window lasts)
    tokens: int = 0
    #: worked out from a report: every request the edge let through before it was counted. A
    #: grant pushed between reports (a new policy, a new window) is not: the next report
    #: replaces it with one that counts what the edge let through meanwhile.
    settled: bool = True


class _Stream:
    """One edge's stream: the buckets it reported, and the events to answer."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[Reports | str | None] = asyncio.Queue()
        self.held: dict[str, _Held] = {}
        self.rates: dict[str, float] = {}

    def due(self, now: float) -> list[str]:
        return [t for t, h in self.held.items() if h.assignment.until and h.assignment.until <= now]

    def next_due(self) -> float | None:
        ends = [h.assignment.until for h in self.held.values() if h.assignment.until]
        return min(ends) if ends else None


class QuotaServicer(rlqs_pb2_grpc.RateLimitQuotaServiceServicer):  # type: ignore[misc]  # untyped stubs
    def __init__(
        self,
        checker: Checker,
        counters: TenantCounters,
        domain: str,
        *,
        near: int,
        report_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.checker = checker
        self.counters = counters
        self.domain = domain
        self.near = near
        self.report_s = report_s
        self.clock = clock
        self._streams: set[_Stream] = set()

    def policy_changed(self, tenant: str) -> None:
        """A tenant's policy changed (a policy notice): assess its buckets again at once."""
        self.checker.policies.forget(tenant)
        for stream in self._streams:
            if tenant in stream.held:
                stream.events.put_nowait(tenant)

    async def StreamRateLimitQuotas(
        self, request_iterator: AsyncIterator[Reports], context: Any
    ) -> AsyncIterator[Response]:
        stream = _Stream()
        self._streams.add(stream)
        reader = asyncio.create_task(self._read(request_iterator, stream))
        try:
            while True:
                due = stream.next_due()
                timeout = None if due is None else max(0.0, due - self.clock())
                try:
                    event = await asyncio.wait_for(stream.events.get(), timeout)
                except TimeoutError:
                    event = ""  # a held window ended
                if event is None:
                    return
                actions = await self._answer(stream, event)
                if actions:
                    yield Response(bucket_action=actions)
        finally:
            self._streams.discard(stream)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read(self, reports: AsyncIterator[Reports], stream: _Stream) -> None:
        try:
            async for report in reports:
                if report.domain == self.domain:
                    stream.events.put_nowait(report)
        finally:
            stream.events.put_nowait(None)

    async def _answer(self, stream: _Stream, event: Reports | str) -> list[Action]:
        now = self.clock()
        usage: dict[str, int] = {}
        if isinstance(event, str):  # a window ended, or a policy changed: nothing new to count
            tenants = [event] if event else stream.due(now)
            if event:
                stream.held.pop(event, None)  # a new policy: a new grant
        else:
            tenants = []
            for bucket in event.bucket_quota_usages:
                tenant = bucket.bucket_id.bucket.get(BUCKET_KEY, "")
                if not TENANT_RE.fullmatch(tenant):
                    continue  # the edge builds no such bucket; nothing to count it against
                seen = bucket.num_requests_allowed + bucket.num_requests_denied
                stream.rates[tenant] = seen / max(1.0, bucket.time_elapsed.seconds)
                usage[tenant] = bucket.num_requests_allowed
                tenants.append(tenant)
        actions: list[Action] = []
        for tenant in tenants:
            actions += await self._assign(stream, tenant, usage.get(tenant), now)
        return actions

    async def _assign(self, stream: _Stream, tenant: str, allowed: int | None, now: float) -> list[Action]:
        """``allowed``: what the edge reported it let through; None when nothing was reported."""
        limits = self.checker.limits_of(Subject("tenant", tenant), await self.checker.policies.get(tenant))
        try:
            counts = await self.counters.add(tenant, limits, allowed or 0, now)
        except (RedisError, OSError) as exc:  # fail open, as the edge does when this service is down
            log.warning("redis unavailable: tenant budgets not enforced", error=repr(exc))
            stream.held.pop(tenant, None)
            return [_action(tenant, Assignment("allow", 0.0), now)]
        assignment = assess(
            limits, counts, stream.rates.get(tenant, 0.0), now, near=self.near, report_s=self.report_s
        )
        held = stream.held.get(tenant)
        if assignment.kind == "grant":
            if (
                held is not None
                and held.settled
                and held.assignment.kind == "grant"
                and held.assignment.until == assignment.until
            ):
                # the same window: the edge's bucket holds what is left of the grant; send it unchanged
                return [_action(tenant, held.assignment, now, held.tokens)]
            sharing = sum(1 for s in self._streams if tenant in s.held or s is stream)
            tokens = max(1, assignment.tokens // sharing)
            stream.held[tenant] = _Held(assignment, tokens, settled=allowed is not None)
            # ALLOW_ALL first: Envoy then starts the new token bucket full (it scales a replaced one)
            return [_action(tenant, Assignment("allow", 0.0), now), _action(tenant, assignment, now, tokens)]
        stream.held[tenant] = _Held(assignment)
        if assignment.kind == "deny":
            log.info("tenant over its limit", tenant_id=tenant, until=round(assignment.until))
        return [_action(tenant, assignment, now)]


def _action(tenant: str, assignment: Assignment, now: float, tokens: int = 0) -> Action:
    action = Action()
    action.bucket_id.bucket[BUCKET_KEY] = tenant
    quota = action.quota_assignment_action
    strategy = quota.rate_limit_strategy
    if assignment.kind == "allow":
        strategy.blanket_rule = Strategy.ALLOW_ALL
        quota.assignment_time_to_live.seconds = ALLOW_TTL_S
        return action
    if assignment.kind == "deny":
        strategy.blanket_rule = Strategy.DENY_ALL
    else:
        strategy.token_bucket.max_tokens = tokens
        strategy.token_bucket.tokens_per_fill.value = 1
        strategy.token_bucket.fill_interval.seconds = NO_REFILL_S
    # whole seconds (Envoy reads only those); this service assesses it again when the window ends
    quota.assignment_time_to_live.seconds = max(1, int(assignment.until - now) + 1)
    return action
