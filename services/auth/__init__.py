"""The auth service: tenants, users, OAuth clients, per-tenant signing keys, the OAuth2/OIDC
issuer of every tenant (HTTP) and the audit log of security events."""
