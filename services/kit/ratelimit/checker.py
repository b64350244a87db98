"""The decision for one request: descriptors -> subjects -> counters -> one status per
descriptor, with everything counted in one step, all or nothing (``counters.py``, ``leases.py``).

Descriptors are lists of entries, built by Envoy's rate limit filter for token traffic
(``infra/servers/envoy/ratelimit.py``) and by the API-key check for key traffic
(``services/external/authz/limits.py``):

* ``tenant_id=<tenant>`` (+ ``destination_cluster``): the tenant as a whole, from the verified
  token (``jwt_payload.tid``) or from the accepted API key;
* ``tenant_id=<tenant>, api_key_id=<key>`` (+ ``api_key_limits=<m>/<h>/<d>`` when the key has
  limits of its own): one API key.

The route (``destination_cluster``) travels with a descriptor but does not split budgets:
limits are per tenant and per key across every route. A descriptor without a well-formed tenant
is answered OK with no limit. The same subject twice in one request is counted once and
reported once.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from services.kit.identity import TENANT_RE
from services.kit.ratelimit.counters import Counters, CounterSpec
from services.kit.ratelimit.limits import WINDOWS, Defaults, Limits, Window
from services.kit.ratelimit.policies import Policy, PolicyCache

TENANT_ENTRY = "tenant_id"
API_KEY_ENTRY = "api_key_id"
KEY_LIMITS_ENTRY = "api_key_limits"
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Subject:
    """Who a descriptor counts against."""

    kind: Literal["tenant", "api_key"]
    tenant_id: str
    key_id: str = ""
    #: a key's own limits, as the edge passed them (zeros: the tenant's key limits apply)
    own_limits: Limits | None = None
    #: in counter keys; {tenant}: a Redis Cluster hash tag, so all counters of a request share a slot
    name: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        name = f"{{{self.tenant_id}}}:t" if self.kind == "tenant" else f"{{{self.tenant_id}}}:k:{self.key_id}"
        object.__setattr__(self, "name", name)  # read several times per request: computed once


def subject_of(entries: Mapping[str, str]) -> Subject | None:
    tenant = entries.get(TENANT_ENTRY, "")
    if not TENANT_RE.fullmatch(tenant):
        return None
    key = entries.get(API_KEY_ENTRY)
    if key is None:
        return Subject("tenant", tenant)
    if not KEY_ID_RE.fullmatch(key):
        return None
    own = Limits.parse(entries[KEY_LIMITS_ENTRY]) if KEY_LIMITS_ENTRY in entries else None
    return Subject("api_key", tenant, key, own)


class WindowStatus(NamedTuple):
    """The state of the window a descriptor reports (the one that binds it)."""

    window: Window
    limit: int
    remaining: int
    reset_s: int  # whole seconds until the window ends (at least 1)


class DescriptorResult(NamedTuple):
    subject: Subject | None
    over_limit: bool
    #: None for a descriptor nobody limits
    status: WindowStatus | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    results: tuple[DescriptorResult, ...]
    #: seconds until every window that refused the request has ended (0 when allowed)
    retry_after_s: int
    backend: str


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))


class Checker:
    #: Subjects whose limits are remembered (per policy read); past it the memory starts over.
    MAX_REMEMBERED = 100_000

    def __init__(
        self,
        policies: PolicyCache,
        counters: Counters,
        defaults: Defaults,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policies = policies
        self.counters = counters
        self.defaults = defaults
        self.clock = clock
        #: subject name -> (the policy and own limits they came from, the limits)
        self._limits: dict[str, tuple[Policy, Limits | None, Limits]] = {}

    def limits_of(self, subject: Subject, policy: Policy) -> Limits:
        if subject.kind == "tenant":
            return policy.tenant.over(self.defaults.tenant)
        tenant_wide = policy.api_key.over(self.defaults.api_key)
        return subject.own_limits.over(tenant_wide) if subject.own_limits else tenant_wide

    def _current_limits(self, subject: Subject, policy: Policy) -> Limits:
        """``limits_of``, worked out again only when the policy object or the own limits change
        (the policy cache hands out the same object until it reads the policy again)."""
        known = self._limits.get(subject.name)
        if known is not None and known[0] is policy and known[1] == subject.own_limits:
            return known[2]
        if len(self._limits) >= self.MAX_REMEMBERED:
            self._limits.clear()
        limits = self.limits_of(subject, policy)
        self._limits[subject.name] = (policy, subject.own_limits, limits)
        return limits

    async def check(self, descriptors: Sequence[Mapping[str, str]], hits: Sequence[int]) -> Decision:
        return await self.count([subject_of(d) for d in descriptors], hits)

    async def count(self, subjects: Sequence[Subject | None], hits: Sequence[int]) -> Decision:
        """``check`` for subjects already known (None: a descriptor nobody limits)."""
        policies = {t: await self.policies.get(t) for t in {s.tenant_id for s in subjects if s is not None}}
        now = self.clock()
        specs: list[CounterSpec] = []
        positions: dict[str, int] = {}
        windows_of: list[list[int]] = []  # per descriptor: positions of its counters in specs
        for subject, count in zip(subjects, hits, strict=True):
            if subject is None:
                windows_of.append([])
                continue
            limits = self._current_limits(subject, policies[subject.tenant_id])
            mine = []
            for window in WINDOWS:
                spec = CounterSpec.at(subject.name, window, limits.of(window), now, count)
                if spec.key not in positions:
                    positions[spec.key] = len(specs)
                    specs.append(spec)
                mine.append(positions[spec.key])
            windows_of.append(mine)
        outcome = await self.counters.hit(specs, now)
        results = []
        retry_after = 0
        reported: set[str] = set()
        for subject, mine in zip(subjects, windows_of, strict=True):
            if not mine or subject is None or subject.name in reported:
                # nobody limits it, or a subject already reported: once in the headers is enough
                results.append(DescriptorResult(subject, False, None))
                continue
            reported.add(subject.name)
            states = [(specs[i], outcome.counts[i]) for i in mine]
            exceeded = [] if outcome.allowed else [s for s, count in states if count + s.hits > s.limit]
            if exceeded:  # report the exceeded window that lasts longest: nothing passes before it ends
                worst = max(exceeded, key=lambda s: s.window.until_reset(now))
                reset = _seconds(worst.window.until_reset(now))
                retry_after = max(retry_after, reset)
                status = WindowStatus(worst.window, worst.limit, 0, reset)
                results.append(DescriptorResult(subject, True, status))
                continue
            # the binding window: fewest requests left; on a tie, the one that lasts longer
            spec, count = min(states, key=lambda sc: (sc[0].limit - sc[1], -sc[0].window.seconds))
            status = WindowStatus(
                spec.window, spec.limit, max(0, spec.limit - count), _seconds(spec.window.until_reset(now))
            )
            results.append(DescriptorResult(subject, False, status))
        return Decision(outcome.allowed, tuple(results), retry_after, outcome.backend)

    async def windows(self, entries: Mapping[str, str]) -> list[WindowStatus]:
        """Every window of one descriptor's subject as it stands, counting nothing: for usage
        reports. Empty for a descriptor nobody limits."""
        subject = subject_of(entries)
        if subject is None:
            return []
        limits = self.limits_of(subject, await self.policies.get(subject.tenant_id))
        now = self.clock()
        specs = [CounterSpec.at(subject.name, window, limits.of(window), now) for window in WINDOWS]
        counts = await self.counters.peek(specs, now)
        return [
            WindowStatus(s.window, s.limit, max(0, s.limit - c), _seconds(s.window.until_reset(now)))
            for s, c in zip(specs, counts, strict=True)
        ]
