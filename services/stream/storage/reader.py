"""Reading the unified log: bucket by bucket, newest first, prepared statements, one tenant's
partitions only (the tenant is part of every partition key, so another tenant's rows are never
read — equal device ids or not)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cassandra.cluster import Session
from cassandra.query import PreparedStatement

from services.stream.storage.cassandra import BUCKET_MS, LOG_ENTRY_COLUMNS, aio

BASIC_COLUMNS = [c for c in LOG_ENTRY_COLUMNS if c not in ("details", "details_format")]


class LogReader:
    def __init__(self, session: Session) -> None:
        self.session = session
        full = ", ".join(LOG_ENTRY_COLUMNS)
        basic = ", ".join(BASIC_COLUMNS)
        where = "WHERE tenant_id = ? AND bucket = ?"
        self._first = {
            view: session.prepare(
                f"SELECT {cols} FROM log_entries {where} AND event_time >= ? AND event_time < ? LIMIT ?"  # noqa: S608 (constant names)
            )
            for view, cols in (("basic", basic), ("full", full))
        }
        self._after = {
            view: session.prepare(
                f"SELECT {cols} FROM log_entries {where} "  # noqa: S608
                "AND (event_time, id) < (?, ?) AND (event_time) >= (?) LIMIT ?"
            )
            for view, cols in (("basic", basic), ("full", full))
        }
        self._get = session.prepare(
            f"SELECT {full} FROM log_entries {where} AND event_time = ? AND id = ?"  # noqa: S608
        )
        self._options = session.prepare(
            "SELECT field, value, display_name, last_seen FROM log_filter_options "
            "WHERE tenant_id = ? AND day = ?"
        )

    async def slice(
        self,
        tenant_id: str,
        bucket: int,
        *,
        start_ms: int,
        before: tuple[int, bytes | None],
        limit: int,
        full: bool,
    ) -> list[Any]:
        """Rows of one partition with ``start_ms <= event_time`` and ``(event_time, id) < before``
        (``id`` None: ``event_time < before``), newest first."""
        view = "full" if full else "basic"
        end_ms, after_id = before
        if after_id is None:
            statement: PreparedStatement = self._first[view]
            values: Sequence[object] = (tenant_id, bucket, start_ms, end_ms, limit)
        else:
            statement = self._after[view]
            values = (tenant_id, bucket, end_ms, after_id, start_ms, limit)
        bound = statement.bind(values)
        bound.fetch_size = None  # LIMIT bounds it; one response
        return list(await aio(self.session.execute_async(bound)))

    async def get(self, tenant_id: str, event_time_ms: int, uid: bytes) -> Any | None:
        bound = self._get.bind((tenant_id, event_time_ms // BUCKET_MS, event_time_ms, uid))
        rows = list(await aio(self.session.execute_async(bound)))
        return rows[0] if rows else None

    async def filter_options(self, tenant_id: str, day: int) -> list[Any]:
        bound = self._options.bind((tenant_id, day))
        bound.fetch_size = None
        return list(await aio(self.session.execute_async(bound)))
