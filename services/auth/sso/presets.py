"""Presets: what Google and Microsoft Entra ID need filled in, and the issuer URL rules."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from services.auth.sso.model import Preset

DEFAULT_SCOPES = ("openid", "email", "profile")
GOOGLE_ISSUER = "https://accounts.google.com"
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
#: Microsoft's multi-tenant endpoints publish an issuer template with this placeholder; the ID
#: token's ``tid`` claim fills it (the one documented way to validate multi-tenant tokens).
MICROSOFT_TENANT_PLACEHOLDER = "{tenantid}"
MICROSOFT_DEFAULT_TENANT = "organizations"  # work and school accounts; "common" adds personal ones


def preset_issuer(preset: Preset, issuer_uri: str, microsoft_tenant: str) -> str:
    """The upstream issuer a provider uses: fixed for Google, derived for Microsoft."""
    if preset is Preset.GOOGLE:
        return GOOGLE_ISSUER
    if preset is Preset.MICROSOFT:
        return f"{MICROSOFT_LOGIN}/{microsoft_tenant or MICROSOFT_DEFAULT_TENANT}/v2.0"
    return issuer_uri  # exactly as given: it must equal the discovery document's "issuer"


def effective_scopes(scopes: list[str]) -> list[str]:
    """What is requested upstream: the configured scopes, always with ``openid`` (it is OIDC)."""
    chosen = list(scopes) or list(DEFAULT_SCOPES)
    return chosen if "openid" in chosen else ["openid", *chosen]


def discovery_url(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def issuer_problem(issuer: str) -> str | None:
    """Why an issuer URL is unacceptable, or None. HTTPS only, except loopback addresses (a
    provider on the same machine, as in development and our tests; RFC 8252 §8.3 reasoning)."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https URL"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    if parts.scheme == "http" and not _loopback(parts.hostname):
        return "must use https (http only for loopback addresses)"
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
