"""Tenants: registration with owner and first signing key, discovery, status."""
