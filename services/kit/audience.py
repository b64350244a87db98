"""The audience (``aud``) of every access token of the platform, declared once: the auth service
writes it into the tokens it issues (unless a client names audiences of its own), and the edge
(infra/servers/envoy/auth.py), every service (jwt.py) and the mesh's internal tokens
(internal.py) require it. Stdlib only: the edge's configuration, rendered before any service
runs, imports it too."""

TOKEN_AUDIENCE = "openframe"  # noqa: S105 (an audience name, not a secret)
