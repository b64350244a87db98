"""What grants produce and consume: JWTs, refresh token families, authorization codes."""
