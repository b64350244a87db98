"""Rate limits of API-key requests, counted by the same check that verifies the key.

An API-key request through the edge costs one check call (ext_authz), not two (ext_authz, then
the rate limit filter's call): each process hop on the request path costs more than the check
itself. The counting is the kit's (services/kit/ratelimit), in the same Redis keys as the
rate-limit service's, so the tenant's budget is one whichever way it calls; the edge switches
its rate limit filter off on the API-key routes so nothing is counted twice.

Policies come from their owner, the rate-limit service (``GetRateLimitPolicy``, as the tenant's
system caller), cached like the rate-limit service caches them and dropped on its change notices.
"""

from __future__ import annotations

import grpc

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as pb
from openframe.ratelimit.v1 import rate_limit_policies_pb2_grpc as pb_grpc
from services.external.api_keys.model import ApiKey
from services.kit.internal import InternalTokens
from services.kit.ratelimit.checker import (
    API_KEY_ENTRY,
    KEY_LIMITS_ENTRY,
    TENANT_ENTRY,
    Checker,
    Decision,
    Subject,
    WindowStatus,
    subject_of,
)
from services.kit.ratelimit.limits import Limits
from services.kit.ratelimit.policies import Policy

#: Reading a policy may take this long; past it the last known policy (or the defaults) applies.
POLICY_READ_TIMEOUT_S = 2.0


def _limits(message: pb.WindowLimits) -> Limits:
    return Limits(message.per_minute, message.per_hour, message.per_day)


class RemotePolicies:
    """A ``PolicySource`` over the rate-limit service's policy API."""

    def __init__(self, channel: grpc.aio.Channel, tokens: InternalTokens) -> None:
        self.stub = pb_grpc.RateLimitPolicyServiceStub(channel)
        self.tokens = tokens

    async def get(self, tenant_id: str) -> Policy:
        reply = await self.stub.GetRateLimitPolicy(
            pb.GetRateLimitPolicyRequest(),
            metadata=self.tokens.system_metadata(tenant_id),
            timeout=POLICY_READ_TIMEOUT_S,
        )
        policy = reply.rate_limit_policy
        return Policy(
            tenant_id, _limits(policy.tenant_limits), _limits(policy.api_key_limits), etag=policy.etag
        )


class KeyLimiter:
    """Counts one request of ``key`` against the key and its tenant (all windows, all or nothing)."""

    #: Keys whose subjects are remembered; past it the memory starts over.
    MAX_REMEMBERED = 50_000

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        #: key id -> (the key record they were made from, its subjects: tenant, key)
        self._subjects: dict[str, tuple[ApiKey, list[Subject | None]]] = {}

    async def hit(self, key: ApiKey) -> Decision:
        return await self.checker.count(self._subjects_of(key), (1, 1))

    def _subjects_of(self, key: ApiKey) -> list[Subject | None]:
        """The same descriptors the rate limit filter would send, parsed once per key record (the
        verifier hands out one record object until it reads the key again)."""
        known = self._subjects.get(key.id)
        if known is not None and known[0] is key:
            return known[1]
        if len(self._subjects) >= self.MAX_REMEMBERED:
            self._subjects.clear()
        subjects = [subject_of({TENANT_ENTRY: key.tenant_id}), subject_of(_entry(key))]
        self._subjects[key.id] = (key, subjects)
        return subjects

    async def windows(self, key: ApiKey) -> list[WindowStatus]:
        """The key's minute, hour and day windows as they stand (usage reports)."""
        return await self.checker.windows(_entry(key))


def _entry(key: ApiKey) -> dict[str, str]:
    own = key.rate_limits
    entry = {TENANT_ENTRY: key.tenant_id, API_KEY_ENTRY: key.id}
    if own.per_minute or own.per_hour or own.per_day:
        entry[KEY_LIMITS_ENTRY] = f"{own.per_minute}/{own.per_hour}/{own.per_day}"
    return entry
