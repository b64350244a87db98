"""The policy admin API (``openframe.ratelimit.v1.RateLimitPolicyService``): proto <-> domain.
Input is validated by the kit's interceptor against the contract's protovalidate rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from pymongo.errors import PyMongoError

from openframe.ratelimit.v1 import rate_limit_policies_pb2 as pb
from openframe.ratelimit.v1 import rate_limit_policies_pb2_grpc as pb_grpc
from services.kit.errors import Unavailable
from services.kit.identity import current_identity
from services.kit.logging import get_logger
from services.kit.notices import ChangeNotices
from services.kit.ratelimit.limits import Defaults, Limits
from services.kit.ratelimit.policies import Policy, PolicyCache
from services.kit.resources import check_update_mask
from services.ratelimit.policies import RESOURCE_NAME, PolicyRepository

log = get_logger(__name__)

ADMINS = ("OWNER", "ADMIN")
MASKABLE = ("tenant_limits", "api_key_limits")


class RateLimitPolicyServicer(pb_grpc.RateLimitPolicyServiceServicer):
    def __init__(
        self, repository: PolicyRepository, cache: PolicyCache, notices: ChangeNotices, defaults: Defaults
    ) -> None:
        self.repository = repository
        self.cache = cache
        self.notices = notices
        self.defaults = defaults

    async def GetRateLimitPolicy(
        self, request: pb.GetRateLimitPolicyRequest, context: Any
    ) -> pb.GetRateLimitPolicyResponse:
        tenant = _admin()
        with _store_errors():
            policy = await self.repository.get(tenant)
        return pb.GetRateLimitPolicyResponse(rate_limit_policy=self.to_pb(policy))

    async def UpdateRateLimitPolicy(
        self, request: pb.UpdateRateLimitPolicyRequest, context: Any
    ) -> pb.UpdateRateLimitPolicyResponse:
        tenant = _admin()
        paths = list(request.update_mask.paths)
        check_update_mask(paths, MASKABLE)
        given = request.rate_limit_policy
        changes = {path: _limits(getattr(given, path)) for path in paths}
        with _store_errors():
            policy = await self.repository.update(tenant, changes, given.etag)
        self.cache.put(tenant, policy)  # this process applies it at once,
        await self.notices.changed(tenant)  # every other checker (and this one's workers) too
        log.info(
            "rate limit policy updated",
            tenant_id=tenant,
            subject=current_identity().subject,
            **{p: changes[p].as_dict() for p in paths},
        )
        return pb.UpdateRateLimitPolicyResponse(rate_limit_policy=self.to_pb(policy))

    def to_pb(self, policy: Policy) -> pb.RateLimitPolicy:
        message = pb.RateLimitPolicy(
            name=RESOURCE_NAME,
            tenant_limits=_window_limits(policy.tenant),
            api_key_limits=_window_limits(policy.api_key),
            effective_tenant_limits=_window_limits(policy.tenant.over(self.defaults.tenant)),
            effective_api_key_limits=_window_limits(policy.api_key.over(self.defaults.api_key)),
            etag=policy.etag,
        )
        if policy.update_time is not None:
            stamp = Timestamp()
            stamp.FromDatetime(policy.update_time)
            message.update_time.CopyFrom(stamp)
        return message


@contextmanager
def _store_errors() -> Iterator[None]:
    """MongoDB unreachable: UNAVAILABLE (retry later), not INTERNAL. Checks are unaffected."""
    try:
        yield
    except PyMongoError as exc:
        log.warning("policy store unavailable", error=repr(exc))
        raise Unavailable(
            "rate-limit policies are unavailable; retry shortly", retry_after_seconds=5
        ) from None


def _admin() -> str:
    identity = current_identity()
    identity.require_any_role(*ADMINS)
    return identity.tenant_id


def _limits(message: pb.WindowLimits) -> Limits:
    return Limits(message.per_minute, message.per_hour, message.per_day)


def _window_limits(limits: Limits) -> pb.WindowLimits:
    return pb.WindowLimits(per_minute=limits.per_minute, per_hour=limits.per_hour, per_day=limits.per_day)
