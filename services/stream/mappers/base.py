"""What every mapper shares: the Kafka record as mappers see it, and the rejection they raise.

Mappers run once per event (20,000 a second on two cores), so the helpers here cache what
repeats across events: a key's tenant, a resource id's check, a type's derived names."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from services.kit.identity import TENANT_RE


class Record(Protocol):
    """What a mapper reads of a Kafka record: aiokafka's ``ConsumerRecord`` as the consumer hands
    it over (no copy per record), or an :class:`Incoming` built by hand."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class Incoming(NamedTuple):
    """One Kafka record built by hand (tests, tools): the fields of aiokafka's ``ConsumerRecord``
    that mappers read."""

    topic: str
    partition: int
    offset: int
    timestamp: int  # milliseconds since the epoch
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def header(record: Record, name: str) -> str | None:
    """The first header ``name`` of the record, decoded; None when absent."""
    for k, v in record.headers:
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
TENANT_HEADERS = frozenset(("ce_tenant", "of_tenant"))
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@functools.lru_cache(maxsize=65536)
def _tenant_of_key(prefix: bytes) -> str | None:
    """The tenant named by a key's prefix (the bytes before ':'), None when it is not a tenant id."""
    tenant = prefix.decode("utf-8", "replace")
    return tenant if TENANT_RE.fullmatch(tenant) is not None else None


def tenant_of(record: Record) -> str:
    """The record's tenant: the key prefix (``<tenant>:<aggregate>``), which every tenant header
    must repeat. A body's own tenant field is never trusted on its own (mappers check it too)."""
    key = record.key
    if not key:
        raise Rejected("missing_key", "the record key must be '<tenant>:<aggregate>'")
    prefix, sep, _ = key.partition(b":")
    tenant = _tenant_of_key(prefix) if sep else None
    if tenant is None:
        raise Rejected("invalid_key", "the record key must start with a tenant id and ':'")
    for name, value in record.headers:
        if name in TENANT_HEADERS and value != prefix:  # the prefix is the tenant's UTF-8 bytes
            raise Rejected("tenant_mismatch", f"header {name} names another tenant than the key")
    return tenant


def resource_id(value: object, collection: str) -> str:
    """The id of ``"<collection>/<id>"`` or a bare id; "" when absent; Rejected when malformed."""
    if value is None or value == "":
        return ""
    return _resource_id(value if type(value) is str else str(value), collection)


@functools.lru_cache(maxsize=65536)
def _resource_id(value: str, collection: str) -> str:
    if value.startswith(collection + "/"):
        value = value[len(collection) + 1 :]
    if not _ID_RE.fullmatch(value):
        raise Rejected("invalid_field", f"{collection} id {value[:80]!r} is not a valid id")
    return value


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


@functools.lru_cache(maxsize=4096)
def snake(name: str) -> str:
    """``DeviceStatusChanged`` → ``device_status_changed``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def truncate(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text(value: object, limit: int = 200) -> str:
    """A JSON value as text of at most ``limit`` characters ("" for null)."""
    if type(value) is str:
        return value if len(value) <= limit else value[:limit]
    return "" if value is None else str(value)[:limit]
