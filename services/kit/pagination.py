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
from typing import Any

from services.kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50


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
