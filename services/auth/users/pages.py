"""Listing users page by page (ordered by email, cursor tokens)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.auth.users.model import Role, User, UserStatus
from services.auth.users.repository import UserRepository
from services.kit.pagination import decode_token, page_of, page_size

Lister = Callable[..., Awaitable[tuple[list[User], str]]]


def find_page(repo: UserRepository) -> Lister:
    async def lister(
        tenant_id: str, *, roles: list[Role], status: UserStatus | None, search: str, size: int, token: str
    ) -> tuple[list[User], str]:
        position = decode_token(token, keys={"e", "id"})
        after = (str(position["e"]), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await repo.find_page(
            tenant_id=tenant_id, roles=roles, status=status, search=search, after=after, limit=limit + 1
        )
        page = page_of(rows, limit, lambda user: {"e": user.email.lower(), "id": user.id})
        return page.items, page.next_page_token

    return lister
