"""Log queries (the domain layer): filters, cursor pagination by time, details, filter options.

Listing walks the tenant's hour partitions from the end of the range backwards, reading each
newest first; filters other than time are applied here, row by row (Cassandra 5's SAI has no
substring search, and secondary indexes would tax every write). Work per call is bounded: after
``MAX_SCANNED_ROWS`` rows or ``MAX_BUCKETS`` partitions a page may come back short, with a token
to continue — AIP-158 allows short pages, and the cursor (bucket, event time, id of the last row
looked at) keeps pages stable while new entries arrive.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from openframe.stream.v1.logs_pb2 import LogEntry
from services.kit.errors import InvalidArgument, NotFound
from services.kit.pagination import decode_token, encode_token
from services.stream.records import parse_entry_id
from services.stream.storage.cassandra import BUCKET_MS, DAY_MS
from services.stream.storage.reader import LogReader

DEFAULT_PAGE_SIZE = 100
DEFAULT_LIST_RANGE_MS = 24 * 3_600_000
DEFAULT_OPTIONS_RANGE_MS = 7 * DAY_MS
MAX_SCANNED_ROWS = 20_000
MAX_BUCKETS = 24 * 31
MAX_OPTION_DAYS = 92
MAX_OPTIONS = 500
FETCH = 1000
TOKEN_KEYS = {"b", "t", "u", "s", "f"}


@dataclass(frozen=True)
class LogFilter:
    start_ms: int
    end_ms: int
    tools: frozenset[str] = frozenset()
    event_types: frozenset[str] = frozenset()
    severities: frozenset[int] = frozenset()
    devices: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()
    search: str = ""
    #: the range as requested (None: defaulted); a page token binds these, not the defaults,
    #: which move with the clock between pages
    requested: tuple[int | None, int | None] = (None, None)

    @property
    def selective(self) -> bool:
        return bool(
            self.tools
            or self.event_types
            or self.severities
            or self.devices
            or self.organizations
            or self.search
        )

    def matches(self, e: LogEntry) -> bool:
        """``devices``/``organizations`` hold resource names, as entries do."""
        return (
            (not self.tools or e.tool in self.tools)
            and (not self.event_types or e.event_type in self.event_types)
            and (not self.severities or e.severity in self.severities)
            and (not self.devices or e.device in self.devices)
            and (not self.organizations or e.organization in self.organizations)
            and (not self.search or self.search in e.summary.lower())
        )

    def fingerprint(self) -> str:
        parts = [str(self.requested[0]), str(self.requested[1]), self.search]
        for values in (self.tools, self.event_types, self.severities, self.devices, self.organizations):
            parts.append(",".join(sorted(map(str, values))))
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def time_range(start_ms: int | None, end_ms: int | None, default_span_ms: int) -> tuple[int, int]:
    end = end_ms if end_ms is not None else int(time.time() * 1000) + 1
    start = start_ms if start_ms is not None else end - default_span_ms
    if start >= end:
        raise InvalidArgument.field("start_time", "must be before end_time")
    return start, end


@dataclass(frozen=True)
class Found:
    """A stored row and its decoded entry."""

    row: Any
    entry: LogEntry


@dataclass(frozen=True)
class Page:
    rows: list[Found]
    next_page_token: str


class LogQueries:
    def __init__(self, reader: LogReader) -> None:
        self.reader = reader

    async def list_entries(
        self, tenant_id: str, f: LogFilter, *, page_size: int, token: str, full: bool
    ) -> Page:
        size = page_size or DEFAULT_PAGE_SIZE
        fingerprint = f.fingerprint()
        position = decode_token(token, keys=TOKEN_KEYS)
        before: tuple[int, bytes | None]
        if position is None:
            bucket, before = (f.end_ms - 1) // BUCKET_MS, (f.end_ms, None)
        else:
            if position["f"] != fingerprint:
                raise InvalidArgument.field(
                    "page_token", "belongs to a list with other filters; start without one"
                )
            try:
                f = replace(f, start_ms=int(position["s"]))  # the first page's range start, kept
                bucket = int(position["b"])
                before = (int(position["t"]), bytes.fromhex(position["u"]) if position["u"] else None)
            except (TypeError, ValueError):
                raise InvalidArgument.field("page_token", "not a token returned by this list") from None
        last_bucket = f.start_ms // BUCKET_MS
        found: list[Found] = []
        scanned = buckets = 0
        while bucket >= last_bucket:
            limit = FETCH if f.selective else min(size - len(found), FETCH)
            rows = await self.reader.slice(
                tenant_id, bucket, start_ms=f.start_ms, before=before, limit=limit, full=full
            )
            for row in rows:
                scanned += 1
                before = (timestamp_ms(row.event_time), row.id)
                entry = LogEntry.FromString(row.entry)
                if f.matches(entry):
                    found.append(Found(row, entry))
                    if len(found) == size:
                        return Page(found, _token(bucket, before, f.start_ms, fingerprint))
            if len(rows) < limit:  # this partition is done: the next older hour
                bucket -= 1
                before = (f.end_ms, None)
                buckets += 1
            if scanned >= MAX_SCANNED_ROWS or buckets >= MAX_BUCKETS:
                more = bucket >= last_bucket
                return Page(found, _token(bucket, before, f.start_ms, fingerprint) if more else "")
        return Page(found, "")

    async def get(self, tenant_id: str, entry_id: str) -> Found:
        parsed = parse_entry_id(entry_id)
        row = await self.reader.get(tenant_id, *parsed) if parsed else None
        if row is None:
            raise NotFound(f"logEntries/{entry_id}")
        return Found(row, LogEntry.FromString(row.entry))

    async def filter_options(self, tenant_id: str, start_ms: int, end_ms: int,
                             organizations: frozenset[str]) -> dict[str, list[tuple[str, str]]]:  # fmt: skip
        """field → [(value, display name)], most often seen first (by days seen, then recency)."""
        first_day, last_day = start_ms // DAY_MS, (end_ms - 1) // DAY_MS
        first_day = max(first_day, last_day - MAX_OPTION_DAYS + 1)
        days_seen: dict[tuple[str, str], int] = defaultdict(int)
        latest: dict[tuple[str, str], tuple[Any, str]] = {}
        for day in range(last_day, first_day - 1, -1):
            for row in await self.reader.filter_options(tenant_id, day):
                key = (row.field, row.value)
                days_seen[key] += 1
                if key not in latest or (row.last_seen and row.last_seen > latest[key][0]):
                    latest[key] = (row.last_seen, row.display_name or row.value)
        if organizations:  # a restriction by organization narrows the organization list itself
            for key in [k for k in days_seen if k[0] == "organization" and k[1] not in organizations]:
                del days_seen[key]
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)

        def rank(item: tuple[tuple[str, str], int]) -> tuple[int, float]:
            seen = latest[item[0]][0]
            return -item[1], -(seen.timestamp() if seen else 0.0)

        for (field, value), _ in sorted(days_seen.items(), key=rank):
            if len(out[field]) < MAX_OPTIONS:
                out[field].append((value, latest[(field, value)][1]))
        return out


def _token(bucket: int, before: tuple[int, bytes | None], start_ms: int, fingerprint: str) -> str:
    t, u = before
    return encode_token({"b": bucket, "t": t, "u": u.hex() if u else "", "s": start_ms, "f": fingerprint})


def timestamp_ms(value: Any) -> int:
    """Milliseconds of a driver timestamp (naive UTC datetime)."""
    from datetime import datetime

    delta = value - datetime(1970, 1, 1)
    return int(delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000)
