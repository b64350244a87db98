"""How the writer splits one partition's rows into batches: by count and by size."""

from __future__ import annotations

from services.stream.records import INFO, LogRecord
from services.stream.storage.writer import ROW_OVERHEAD_BYTES, chunks


def row(details_bytes: int) -> LogRecord:
    return LogRecord("acme", b"u" * 16, 0, "fleet", "x.y", "y", INFO, "s", details=b"d" * details_bytes)


def test_rows_are_batched_by_count() -> None:
    rows = [row(10) for _ in range(2500)]
    assert [len(c) for c in chunks(rows, 1000)] == [1000, 1000, 500]
    assert [len(c) for c in chunks(rows[:700], 1000)] == [700]


def test_large_rows_are_batched_by_size_and_an_oversized_row_stands_alone() -> None:
    limit = 10 * (1000 + ROW_OVERHEAD_BYTES)  # ten rows of 1,000 bytes of details
    rows = [row(1000) for _ in range(25)]
    sizes = [len(c) for c in chunks(rows, 1000, limit)]
    assert sizes == [10, 10, 5]
    huge = [row(10), row(5 * limit), row(10)]
    assert [len(c) for c in chunks(huge, 1000, limit)] == [1, 1, 1]
    assert sum(len(c) for c in chunks(rows + huge, 7, limit)) == 28
