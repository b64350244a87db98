"""The external service: API keys, the edge's API-key check (ext_authz), the public REST API,
usage analytics, and the integrated-tools registry and tool proxy."""
