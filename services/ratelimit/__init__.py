"""The rate-limit service: Envoy's ``envoy.service.ratelimit.v3.RateLimitService`` for the edge,
counting requests per tenant and per API key in Redis, and the tenants' policy admin API
(``openframe.ratelimit.v1.RateLimitPolicyService``). See docs/rate-limits.md."""
