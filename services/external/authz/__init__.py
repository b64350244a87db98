"""The edge's API-key check: Envoy's ext_authz (``envoy.service.auth.v3.Authorization``)."""
