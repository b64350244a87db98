"""What the SSO routes need at run time (``app.state.sso``), and the login page's provider links.
Kept apart from flow.py so that the login page can import it without a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from services.auth.oauth.base import issuer_of
from services.auth.oauth.pages import Link
from services.auth.sso.accounts import Accounts
from services.auth.sso.service import SsoProviderService
from services.auth.sso.upstream import Upstreams


@dataclass(frozen=True)
class SsoLogin:
    providers: SsoProviderService
    upstreams: Upstreams
    accounts: Accounts
    state_ttl_seconds: int


def sso_of(request: Request) -> SsoLogin | None:
    found = getattr(request.app.state, "sso", None)
    return found if isinstance(found, SsoLogin) else None


async def login_links(request: Request, tenant_id: str, blob: str) -> list[Link]:
    """The "sign in with <provider>" links of the tenant's enabled providers (the login page's
    template escapes them); each starts the SSO flow carrying the pending authorization request."""
    sso = sso_of(request)
    if sso is None or not blob:
        return []
    providers = await sso.providers.enabled(tenant_id)
    issuer, query = issuer_of(request, tenant_id), urlencode({"request": blob})
    return [Link(f"{issuer}/sso/{p.id}/start?{query}", p.display_name) for p in providers]
