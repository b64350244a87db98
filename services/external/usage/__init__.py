"""Usage analytics of the public API: counted from Envoy's access log stream, kept in Redis."""
