"""Envoy's gRPC access log stream (``envoy.service.accesslog.v3.AccessLogService``) -> usage counts.

Why the access log and not the ext_authz check: only the finished request knows its status
(the service's 404, the rate limiter's 429, a 5xx). Envoy sends the entries of API-key requests
only (a metadata filter on ``api_key_id``), batched (``buffer_flush_interval``), over one
long-lived stream; each batch becomes one Redis pipeline. Counting is best effort: a batch lost
with Redis down is logged and dropped, never retried into a pile-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from envoy.data.accesslog.v3 import accesslog_pb2
from envoy.service.accesslog.v3 import als_pb2, als_pb2_grpc
from redis.exceptions import RedisError

from services.external.usage.counters import Hit, UsageCounters
from services.kit.logging import get_logger

log = get_logger(__name__)

NAMESPACE = "envoy.filters.http.ext_authz"
#: gRPC status (a gRPC call's HTTP status is 200 whatever happened) -> class.
_GRPC_CLIENT = {"1", "3", "5", "6", "7", "9", "10", "11", "12", "16"}
_GRPC_SERVER = {"2", "4", "13", "14", "15"}


def status_class(http_status: int, grpc_status: str) -> str:
    if http_status == 429 or grpc_status == "8":
        return "429"
    if http_status >= 500 or grpc_status in _GRPC_SERVER:
        return "5xx"
    if http_status >= 400 or grpc_status in _GRPC_CLIENT:
        return "4xx"
    return ""


def hit_of(entry: accesslog_pb2.HTTPAccessLogEntry) -> Hit | None:
    common = entry.common_properties
    meta = common.metadata.filter_metadata.get(NAMESPACE)
    if meta is None:
        return None
    tenant, key = meta.fields.get("tenant_id"), meta.fields.get("api_key_id")
    if tenant is None or key is None or not tenant.string_value or not key.string_value:
        return None
    response = entry.response
    grpc_status = response.response_trailers.get("grpc-status") or response.response_headers.get(
        "grpc-status", ""
    )
    at = common.start_time.seconds + common.start_time.nanos / 1e9
    return Hit(
        tenant.string_value, key.string_value, at, status_class(response.response_code.value, grpc_status)
    )


class AccessLogReceiver(als_pb2_grpc.AccessLogServiceServicer):  # type: ignore[misc]
    def __init__(self, counters: UsageCounters) -> None:
        self.counters = counters

    async def StreamAccessLogs(
        self, request_iterator: AsyncIterator[als_pb2.StreamAccessLogsMessage], context: Any
    ) -> als_pb2.StreamAccessLogsResponse:
        async for message in request_iterator:
            hits = [h for e in message.http_logs.log_entry if (h := hit_of(e)) is not None]
            if not hits:
                continue
            try:
                await self.counters.record(hits)
            except (RedisError, OSError) as exc:
                log.warning("usage counts dropped", hits=len(hits), error=str(exc))
        return als_pb2.StreamAccessLogsResponse()
