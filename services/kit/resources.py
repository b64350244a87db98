"""Conventions every resource follows (AIP): etags for optimistic concurrency, updates that name
their fields in an ``update_mask``. One helper each, so every service answers alike."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence

from services.kit.errors import InvalidArgument


def new_etag() -> str:
    """A fresh etag for a resource's new state (opaque; compared, never parsed)."""
    return secrets.token_hex(8)


def check_update_mask(mask: Sequence[str], updatable: Collection[str]) -> None:
    """INVALID_ARGUMENT on ``update_mask.paths`` unless the mask names at least one field and only
    fields the caller may change."""
    unknown = sorted(set(mask) - set(updatable))
    if unknown:
        raise InvalidArgument.field(
            "update_mask.paths", f"unknown or read-only field(s) {unknown}; updatable: {sorted(updatable)}"
        )
    if not mask:
        raise InvalidArgument.field("update_mask.paths", "name at least one field to update")
