"""Opaque cursor page tokens.

A token encodes the sort key of the last item served (e.g. creation time and id), so the
next page starts strictly after it: pages stay correct while items are added, unlike
offsets. Tokens are base64url JSON, not secrets; tenant scoping comes from the query,
never from the token. A token that does not decode is INVALID_ARGUMENT on ``page_token``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the token of the next (empty on the last page)."""

    items: list[T]
    next_page_token: str


def page_of(rows: Sequence[T], limit: int, position: Callable[[T], dict[str, Any]]) -> Page[T]:
    """The page from ``rows`` read with ``limit + 1``: the extra row only says that more follow,
    and the next page starts after the last item served (``position`` gives its sort key)."""
    items = list(rows[:limit])
    more = len(rows) > limit and bool(items)
    return Page(items, encode_token(position(items[-1])) if more else "")


def page_size(requested: int, *, default: int = DEFAULT_PAGE_SIZE) -> int:
    return requested if requested > 0 else default


def encode_token(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, *, keys: set[str]) -> dict[str, Any] | None:
    """The position a token encodes, or None for the first page."""
    if not token:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        position = None
    if not isinstance(position, dict) or set(position) != keys:
        raise InvalidArgument.field("page_token", "not a token returned by this list; start without one")
    return position
