"""Per-tenant token signing keys: generation, sealing at rest, rotation with overlap, JWKS."""
