"""Per-request context carried in ``contextvars``: survives ``await`` and never leaks
between concurrent requests the way a global or thread-local would under asyncio."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog

tenant_id: ContextVar[str | None] = ContextVar("tenant_id", default=None)
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class MissingTenantError(RuntimeError):
    """A tenant-scoped operation ran without a tenant in context: a bug, never user input."""


def current_tenant() -> str:
    """The tenant of the current request; raises instead of defaulting to "all tenants"."""
    tid = tenant_id.get()
    if not tid:
        raise MissingTenantError("no tenant in context")
    return tid


@contextmanager
def request_scope(*, tenant: str | None, request: str | None) -> Iterator[None]:
    """Bind tenant and request id for the duration of one request (and its log lines)."""
    t1, t2 = tenant_id.set(tenant), request_id.set(request)
    with structlog.contextvars.bound_contextvars(tenant_id=tenant, request_id=request):
        try:
            yield
        finally:
            tenant_id.reset(t1)
            request_id.reset(t2)
