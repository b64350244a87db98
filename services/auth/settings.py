"""Settings of the auth service (the kit's, plus the issuer's). Env vars ``OPENFRAME_<FIELD>``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from services.kit.config import local_port
from services.kit.destinations import OutboundSettings


class AuthSettings(OutboundSettings):
    """``OutboundSettings``: where SSO upstreams may be (``OPENFRAME_OUTBOUND_ALLOW``)."""

    service_name: str = "auth"
    grpc_port: int = local_port("auth")
    http_host: str = "127.0.0.1"
    http_port: int = local_port("auth_http")

    #: Public origin of the edge; the issuer of tenant T is ``{public_url}/auth/tenants/{T}``.
    public_url: str = f"http://127.0.0.1:{local_port('envoy')}"
    #: Redirect URIs of every tenant's console client (default ``{public_url}/console/callback``).
    console_redirect_uris: list[str] = Field(default_factory=list)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    id_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=3600)
    auth_code_ttl_seconds: int = Field(default=60, ge=10, le=600)
    #: How long a rotated-out signing key stays in the JWKS (default for RotateSigningKey).
    key_overlap_seconds: int = Field(default=86_400, ge=3600)
    #: How long login and consent pages stay valid after the authorize request.
    login_request_ttl_seconds: int = Field(default=600, ge=60)

    #: Login throttling (services/auth/oauth/throttle.py, docs/auth.md "Login protection").
    #: Per account and client IP: failures before delays start, the first delay (doubled by
    #: every further failure), the longest delay, how long the failures are remembered.
    login_free_failures: int = Field(default=5, ge=1)
    login_backoff_base_seconds: float = Field(default=1.0, ge=0.001)
    login_backoff_max_seconds: int = Field(default=900, ge=1)
    login_backoff_memory_seconds: int = Field(default=86_400, ge=60)
    #: Per account, every address together: failures per window; then addresses the account
    #: never signed in from wait for the window's end (those it did, in the last N days, not).
    login_max_failures_per_account: int = Field(default=100, ge=1)
    login_account_window_seconds: int = Field(default=3600, ge=10)
    login_known_address_days: int = Field(default=30, ge=0)
    #: Per client IP, every account together: failures per window.
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=10)
    #: Take the client IP from the last X-Forwarded-For hop (our edge appends it).
    trust_forwarded_for: bool = True

    #: In-process cache of tenants, clients and keys: how stale another worker may be after a
    #: change (suspension, client disabled, rotation) before it sees it.
    cache_ttl_seconds: float = Field(default=5.0, ge=0)

    audit_topic: str = "openframe.auth.security-events.v1"
    #: Database of the audit log; empty means ``<mongo_database>_audit``.
    audit_mongo_database: str = ""
    #: Group commit of audit entries: how long the first entry waits for others to share its write.
    audit_linger_ms: float = Field(default=2.0, ge=0, le=100)
    #: How long the audit relay waits for more entries before sending a batch to Kafka that is
    #: not full: fewer, larger produce requests (cheaper for the broker, the relay and the
    #: consumers), each event that much later in Kafka. Entries are durable before this.
    audit_relay_linger_ms: float = Field(default=100.0, ge=0, le=5000)
    #: Outbox relay of the audit log: heartbeat of each writer process, and how long a silent
    #: writer's unpublished entries wait before another process relays them.
    outbox_heartbeat_seconds: float = Field(default=5.0, gt=0)
    outbox_dead_after_seconds: float = Field(default=30.0, gt=0)

    #: Outgoing mail (invitations, password resets, email verification) over SMTP. Locally the
    #: catcher of infra/servers/smtp.py (every message lands in .state/mail/).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = local_port("smtp")
    smtp_from: str = "OpenFrame <no-reply@openframe.localhost>"
    #: ``none`` (local catcher), ``starttls`` (upgrade on 587) or ``tls`` (implicit TLS on 465).
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    #: Lifetimes of the links sent by email.
    invitation_ttl_seconds: int = Field(default=7 * 86_400, ge=3600, le=30 * 86_400)
    password_reset_ttl_seconds: int = Field(default=1800, ge=300, le=86_400)
    email_verification_ttl_seconds: int = Field(default=86_400, ge=3600, le=30 * 86_400)
    #: Password reset requests per account (tenant + email) and per client IP in a window.
    reset_max_per_account: int = Field(default=3, ge=1)
    reset_max_per_ip: int = Field(default=20, ge=1)
    reset_window_seconds: int = Field(default=3600, ge=10)

    #: Audit log retention: entries older than this are removed (0 keeps them forever).
    audit_retention_days: int = Field(default=365, ge=0)
    #: How often the retention job runs (once across every replica and worker; a range delete
    #: on the audit log's ``_id`` index, services/auth/audit/retention.py).
    retention_interval_seconds: float = Field(default=86_400.0, ge=1)
    #: How often expired email tokens, initial access tokens and refresh tokens are removed
    #: (once across every replica and worker; range deletes on their ``expire_time`` indexes).
    token_cleanup_interval_seconds: float = Field(default=3_600.0, ge=1)

    #: SSO federation (docs/sso.md): how long a started upstream sign-in may take (state, nonce,
    #: PKCE verifier in Redis), how long upstream discovery documents are cached per process,
    #: and the timeout of every call to an upstream provider.
    sso_state_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    sso_discovery_cache_seconds: float = Field(default=300.0, ge=0)
    sso_http_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
