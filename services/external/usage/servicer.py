"""UsageService: a key's or the tenant's counts over a time range, in buckets (ADMIN/OWNER)."""

from __future__ import annotations

import time
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from openframe.external.v1 import usage_pb2 as pb
from openframe.external.v1 import usage_pb2_grpc as pb_grpc
from services.external.api_keys.model import ApiKey, id_from_name
from services.external.api_keys.repository import ApiKeyRepository
from services.external.api_keys.servicer import require_manager
from services.external.authz.limits import KeyLimiter
from services.external.usage.counters import GRANULARITIES, TOTAL, Counts, UsageCounters, bucket_start
from services.kit.errors import InvalidArgument, NotFound
from services.kit.ratelimit.limits import Window

DEFAULT_RANGE_SECONDS = 24 * 3600
MAX_BUCKETS = 3000
_FROM_PB: dict[int, str] = {
    pb.USAGE_GRANULARITY_MINUTE: "m",
    pb.USAGE_GRANULARITY_HOUR: "h",
    pb.USAGE_GRANULARITY_DAY: "d",
}


def pick_granularity(requested: int, span_seconds: float) -> str:
    """The contract's default: MINUTE up to 2 h, HOUR up to 7 days, else DAY."""
    if requested in _FROM_PB:
        return _FROM_PB[requested]
    if span_seconds <= 2 * 3600:
        return "m"
    return "h" if span_seconds <= 7 * 86_400 else "d"


def bucket_starts(start: float, end: float, granularity: str, field: str) -> list[int]:
    width = GRANULARITIES[granularity][0]
    first, last = bucket_start(start, granularity), bucket_start(end - 1e-6, granularity)
    count = (last - first) // width + 1
    if count > MAX_BUCKETS:
        raise InvalidArgument.field(
            field, f"the range has {count} buckets; at most {MAX_BUCKETS}: use a wider granularity"
        )
    return [first + i * width for i in range(count)]


def _range(request: Any) -> tuple[float, float]:
    end = (
        request.end_time.seconds + request.end_time.nanos / 1e9
        if request.HasField("end_time")
        else time.time()
    )
    start = (
        request.start_time.seconds + request.start_time.nanos / 1e9
        if request.HasField("start_time")
        else end - DEFAULT_RANGE_SECONDS
    )
    return start, end


def counts_pb(counts: Counts, start: int | None = None) -> pb.UsageCounts:
    out = pb.UsageCounts(
        request_count=counts.requests,
        client_error_count=counts.client_errors,
        server_error_count=counts.server_errors,
        rate_limited_count=counts.rate_limited,
    )
    if start is not None:
        out.start_time.CopyFrom(Timestamp(seconds=start))
    return out


#: The usage API's names of the rate-limit windows.
WINDOW_GRANULARITY = {
    Window.MINUTE: pb.USAGE_GRANULARITY_MINUTE,
    Window.HOUR: pb.USAGE_GRANULARITY_HOUR,
    Window.DAY: pb.USAGE_GRANULARITY_DAY,
}


class UsageServicer(pb_grpc.UsageServiceServicer):
    def __init__(self, counters: UsageCounters, keys: ApiKeyRepository, limiter: KeyLimiter) -> None:
        self.counters = counters
        self.keys = keys
        self.limiter = limiter

    async def GetApiKeyUsage(
        self, request: pb.GetApiKeyUsageRequest, context: Any
    ) -> pb.GetApiKeyUsageResponse:
        tenant = require_manager().tenant_id
        key_id = id_from_name(request.name)
        key = await self.keys.get(tenant_id=tenant, key_id=key_id)
        if key is None:
            raise NotFound(request.name)
        start, end = _range(request)
        granularity = pick_granularity(request.granularity, end - start)
        starts = bucket_starts(start, end, granularity, "start_time")
        rows = await self.counters.buckets(tenant, granularity, starts)
        total = Counts()
        buckets = []
        for at, row in zip(starts, rows, strict=True):
            counts = row.get(key_id, Counts())
            total.add(counts)
            buckets.append(counts_pb(counts, at))
        return pb.GetApiKeyUsageResponse(
            buckets=buckets, totals=counts_pb(total), rate_limit_windows=await self._windows(key)
        )

    async def _windows(self, key: ApiKey) -> list[pb.RateLimitWindow]:
        """The key's live windows, as the edge's check counts them (nothing is counted here)."""
        now = time.time()
        windows = []
        for status in await self.limiter.windows(key):
            window = pb.RateLimitWindow(
                window=WINDOW_GRANULARITY[status.window], limit=status.limit, remaining=status.remaining
            )
            window.reset_time.FromSeconds((status.window.bucket(now) + 1) * status.window.seconds)
            windows.append(window)
        return windows

    async def GetTenantUsage(
        self, request: pb.GetTenantUsageRequest, context: Any
    ) -> pb.GetTenantUsageResponse:
        tenant = require_manager().tenant_id
        start, end = _range(request)
        granularity = pick_granularity(request.granularity, end - start)
        starts = bucket_starts(start, end, granularity, "start_time")
        rows = await self.counters.buckets(tenant, granularity, starts)
        total, per_key = Counts(), dict[str, Counts]()
        buckets = []
        for at, row in zip(starts, rows, strict=True):
            counts = row.get(TOTAL, Counts())
            total.add(counts)
            buckets.append(counts_pb(counts, at))
            for who, c in row.items():
                if who != TOTAL:
                    per_key.setdefault(who, Counts()).add(c)
        summaries = []
        for key_id, c in sorted(per_key.items(), key=lambda kv: -kv[1].requests):
            key = await self.keys.get(tenant_id=tenant, key_id=key_id)
            summary = pb.ApiKeyUsageSummary(
                api_key=f"apiKeys/{key_id}", display_name=key.display_name if key else "", totals=counts_pb(c)
            )
            if key is not None and key.last_use_time is not None:
                summary.last_use_time.FromDatetime(key.last_use_time)
            summaries.append(summary)
        return pb.GetTenantUsageResponse(buckets=buckets, totals=counts_pb(total), api_keys=summaries)
