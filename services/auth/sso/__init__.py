"""SSO federation: upstream OpenID Connect providers per tenant (docs/sso.md)."""
