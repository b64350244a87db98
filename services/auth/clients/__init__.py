"""OAuth clients of a tenant's issuer: types, grants, redirect URIs, scopes, roles, secrets."""
