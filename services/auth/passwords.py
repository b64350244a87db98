"""User passwords: argon2id (argon2-cffi defaults, RFC 9106 low-memory profile).

Hashing runs in a thread: it takes tens of milliseconds on purpose and must not stall the
event loop that also serves tokens. Unknown accounts are checked against a dummy hash so the
response time does not tell whether an email exists.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a real password, only here to spend the same time")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, stored_hash, password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
