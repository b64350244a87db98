"""Helpers shared by the test suites (token forging, real tenants and tokens through the edge)."""
