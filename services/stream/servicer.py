"""gRPC transport of the log queries and the ingestion status: proto ↔ domain, nothing else.
Input is validated by the kit's interceptor against the contract's protovalidate rules."""

from __future__ import annotations

import json
from typing import Any, cast

from google.protobuf import json_format, struct_pb2, symbol_database, timestamp_pb2
from google.protobuf.message import DecodeError

from openframe.stream.v1 import ingestion_pb2, ingestion_pb2_grpc, logs_pb2, logs_pb2_grpc
from services.kit.errors import PermissionDenied
from services.kit.identity import current_identity
from services.stream.ingest import Ingestor
from services.stream.queries import (
    DEFAULT_LIST_RANGE_MS,
    DEFAULT_OPTIONS_RANGE_MS,
    Found,
    LogFilter,
    LogQueries,
    time_range,
    timestamp_ms,
)
from services.stream.records import DETAILS_JSON, entry_id

_symbols = symbol_database.Default()


def _opt_ms(request: Any, name: str) -> int | None:
    if not request.HasField(name):
        return None
    ts: timestamp_pb2.Timestamp = getattr(request, name)
    return int(ts.seconds * 1000 + ts.nanos // 1_000_000)


def _ts(ms: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=ms // 1000, nanos=(ms % 1000) * 1_000_000)


def _severity(value: object) -> logs_pb2.LogSeverity:
    return cast(logs_pb2.LogSeverity, int(str(value)))


def _ids(names: Any, prefix: str) -> frozenset[str]:
    return frozenset(str(n).removeprefix(prefix) for n in names)


def details_struct(fmt: str | None, raw: bytes | None) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    if not raw:
        return out
    try:
        if (fmt or DETAILS_JSON) == DETAILS_JSON:
            value = json.loads(raw)
            out.update(value if isinstance(value, dict) else {"value": value})
        else:
            type_name = fmt.partition(":")[2] if fmt else ""
            message = _symbols.GetSymbol(type_name)()
            message.ParseFromString(raw)
            out.update(json_format.MessageToDict(message))
            out.update({"@type": f"type.googleapis.com/{type_name}"})
    except (KeyError, ValueError, DecodeError, TypeError):
        out.update({"undecodable": True})  # stored as received; shown as unreadable, not an error
    return out


def to_pb(found: Found, *, full: bool) -> logs_pb2.LogEntry:
    entry, row = found.entry, found.row
    event_ms = timestamp_ms(row.event_time)
    entry.name = f"logEntries/{entry_id(event_ms, row.id)}"
    entry.event_time.FromMilliseconds(event_ms)
    if full:
        entry.details.CopyFrom(details_struct(row.details_format, row.details))
    return entry


class LogServicer(logs_pb2_grpc.LogServiceServicer):
    def __init__(self, queries: LogQueries) -> None:
        self.queries = queries

    async def ListLogEntries(
        self, request: logs_pb2.ListLogEntriesRequest, context: Any
    ) -> logs_pb2.ListLogEntriesResponse:
        tenant = current_identity().tenant_id
        requested = (_opt_ms(request, "start_time"), _opt_ms(request, "end_time"))
        start, end = time_range(*requested, DEFAULT_LIST_RANGE_MS)
        log_filter = LogFilter(
            requested=requested,
            start_ms=start,
            end_ms=end,
            tools=frozenset(request.tools),
            event_types=frozenset(request.event_types),
            severities=frozenset(int(s) for s in request.severities),
            devices=frozenset(request.devices),
            organizations=frozenset(request.organizations),
            search=request.search.lower(),
        )
        full = request.view == logs_pb2.LOG_ENTRY_VIEW_FULL
        page = await self.queries.list_entries(
            tenant, log_filter, page_size=request.page_size, token=request.page_token, full=full
        )
        return logs_pb2.ListLogEntriesResponse(
            log_entries=[to_pb(r, full=full) for r in page.rows], next_page_token=page.next_page_token
        )

    async def GetLogEntry(
        self, request: logs_pb2.GetLogEntryRequest, context: Any
    ) -> logs_pb2.GetLogEntryResponse:
        row = await self.queries.get(current_identity().tenant_id, request.name.removeprefix("logEntries/"))
        return logs_pb2.GetLogEntryResponse(log_entry=to_pb(row, full=True))

    async def GetLogFilterOptions(
        self, request: logs_pb2.GetLogFilterOptionsRequest, context: Any
    ) -> logs_pb2.GetLogFilterOptionsResponse:
        tenant = current_identity().tenant_id
        start, end = time_range(
            _opt_ms(request, "start_time"), _opt_ms(request, "end_time"), DEFAULT_OPTIONS_RANGE_MS
        )
        found = await self.queries.filter_options(
            tenant, start, end, _ids(request.organizations, "organizations/")
        )

        def options(field: str, prefix: str = "") -> list[logs_pb2.LogFilterOption]:
            return [
                logs_pb2.LogFilterOption(value=prefix + v, display_name=d) for v, d in found.get(field, [])
            ]

        return logs_pb2.GetLogFilterOptionsResponse(
            tools=options("tool"),
            event_types=options("event_type"),
            severities=sorted({_severity(v) for v, _ in found.get("severity", []) if v.isdigit()}),
            devices=options("device", "devices/"),
            organizations=options("organization", "organizations/"),
        )


class IngestionServicer(ingestion_pb2_grpc.IngestionServiceServicer):
    """Consumer lag and state; internal (system) callers only: the figures span every tenant."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor

    async def GetIngestionStatus(
        self, request: ingestion_pb2.GetIngestionStatusRequest, context: Any
    ) -> ingestion_pb2.GetIngestionStatusResponse:
        if current_identity().kind != "system":
            raise PermissionDenied("ingestion status is for internal callers of the mesh only")
        stats = self.ingestor.stats
        lag = stats.lag()
        response = ingestion_pb2.GetIngestionStatusResponse(
            consumer_group=self.ingestor.settings.consumer_group,
            total_lag=sum(lag.values()),
            paused=stats.paused,
            stored_entries=stats.stored,
            dead_lettered=stats.dead_lettered,
            alerts_raised=stats.alerts,
            partitions=[
                ingestion_pb2.PartitionLag(
                    topic=tp.topic,
                    partition=tp.partition,
                    committed_offset=stats.committed.get(tp, 0),
                    end_offset=stats.end_offsets.get(tp, 0),
                    lag=n,
                )
                for tp, n in sorted(lag.items())
            ],
        )
        if stats.last_commit_time:
            response.last_commit_time.FromMilliseconds(int(stats.last_commit_time * 1000))
        return response
