"""The OAuth2/OIDC HTTP side: one issuer per tenant at ``{public_url}/auth/tenants/{tenant}``."""
