"""Key material: ``ak_<key_id>.sk_<secret>``, and the one-way hash that is all we store.

The secret is 256 random bits, so the hash needs no key stretching: argon2/bcrypt exist to make
guessing *low-entropy* passwords expensive, and nobody can enumerate 2^256 secrets whatever the
hash costs. A slow hash would only add latency to every request the edge checks. We use
HMAC-SHA256 under a server-side pepper derived from the master key, so a copy of the database
alone does not even allow checking a guessed key offline. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from services.external.api_keys.model import KEY_PREFIX, SECRET_PREFIX

#: ``ak_<16 hex>.sk_<43 base64url>``; the id part is public, the secret part is shown once.
KEY_RE = re.compile(r"^ak_([0-9a-f]{16})\.sk_([A-Za-z0-9_-]{43})$")


def new_key_id() -> str:
    return secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def full_key(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}{key_id}.{SECRET_PREFIX}{secret}"


def parse(presented: str) -> tuple[str, str] | None:
    """(key_id, secret) of a well-formed key, else None."""
    match = KEY_RE.fullmatch(presented.strip())
    return (match.group(1), match.group(2)) if match else None


class SecretHasher:
    def __init__(self, pepper: bytes) -> None:
        if len(pepper) < 16:
            raise ValueError("the API key pepper must have at least 16 bytes")
        self._pepper = pepper

    @classmethod
    def from_master_key(cls, master_key: str | None) -> SecretHasher:
        """Pepper = HMAC(master key, purpose): the master key never touches a hash directly."""
        ikm = (master_key or "openframe-development-only-pepper").encode()
        return cls(hmac.new(ikm, b"openframe/external/api-key-pepper/v1", hashlib.sha256).digest())

    def hash(self, key_id: str, secret: str) -> str:
        # the key id is bound in: a hash copied onto another key's record does not verify there
        return hmac.new(self._pepper, f"{key_id}.{secret}".encode(), hashlib.sha256).hexdigest()

    def matches(self, key_id: str, secret: str, stored: str) -> bool:
        return hmac.compare_digest(self.hash(key_id, secret), stored)
