"""What every mapper shares: the Kafka record as mappers see it, and the rejection they raise."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import NamedTuple

from services.kit.identity import TENANT_RE


class Incoming(NamedTuple):
    """One Kafka record (a named tuple: built per record, three times cheaper than a frozen
    dataclass)."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode("utf-8", "replace")
        return None


class Rejected(Exception):
    """The record cannot become a log entry; it goes to the dead-letter topic with ``reason``
    (a stable code) and ``detail`` (a sentence naming what was wrong)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


#: Headers that may name the tenant; when present they must agree with the key.
TENANT_HEADERS = ("ce_tenant", "of_tenant")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@functools.lru_cache(maxsize=65536)
def _valid_tenant(tenant: str) -> bool:
    return TENANT_RE.fullmatch(tenant) is not None


def tenant_of(record: Incoming) -> str:
    """The record's tenant: the key prefix (``<tenant>:<aggregate>``), which every tenant header
    must repeat. A body's own tenant field is never trusted on its own (mappers check it too)."""
    if not record.key:
        raise Rejected("missing_key", "the record key must be '<tenant>:<aggregate>'")
    tenant, sep, _ = record.key.decode("utf-8", "replace").partition(":")
    if not sep or not _valid_tenant(tenant):
        raise Rejected("invalid_key", "the record key must start with a tenant id and ':'")
    for name, value in record.headers:
        if name in TENANT_HEADERS and value.decode("utf-8", "replace") != tenant:
            raise Rejected("tenant_mismatch", f"header {name} names another tenant than the key")
    return tenant


def resource_id(value: object, collection: str) -> str:
    """The id of ``"<collection>/<id>"`` or a bare id; "" when absent; Rejected when malformed."""
    if value is None or value == "":
        return ""
    text = str(value)
    if text.startswith(collection + "/"):
        text = text[len(collection) + 1 :]
    if not _ID_RE.fullmatch(text):
        raise Rejected("invalid_field", f"{collection} id {text[:80]!r} is not a valid id")
    return text


def time_ms(value: object, fallback_ms: int) -> int:
    """Milliseconds since the epoch of an RFC 3339 string or a number (seconds or milliseconds)."""
    if value is None or value == "":
        return fallback_ms
    if isinstance(value, bool):
        raise Rejected("invalid_field", "time is not a timestamp")
    if isinstance(value, int | float):
        return int(value if value > 10**11 else value * 1000)
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise Rejected("invalid_field", f"time {value[:40]!r} is not RFC 3339") from None
    raise Rejected("invalid_field", "time is not a timestamp")


def snake(name: str) -> str:
    """``DeviceStatusChanged`` → ``device_status_changed``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def truncate(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
