"""Integrated-tool rules: tenant scoping, etags, sealing of credentials, health checks, and the
resolution of a tool for the proxy (URL + decrypted credentials, briefly cached in memory)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidTag

from services.external.tools.health import probe
from services.external.tools.model import (
    MUTABLE_FIELDS,
    CredentialKind,
    Credentials,
    Health,
    IntegratedTool,
    ToolType,
    path_problem,
)
from services.external.tools.repository import Sealed, ToolRepository
from services.external.tools.settings import ToolSettings
from services.external.tools.upstream_auth import OAuthTokens
from services.kit.destinations import DestinationPolicy, Refused
from services.kit.errors import EtagMismatch, InvalidArgument, NotFound
from services.kit.logging import get_logger
from services.kit.pagination import Page, decode_token, page_of, page_size
from services.kit.resources import check_update_mask
from services.kit.sealing import SecretBox

log = get_logger(__name__)

PURPOSE = "openframe/external/tool-credentials/v1"


@dataclass(frozen=True)
class Target:
    """What the proxy needs to reach one tool."""

    tool: IntegratedTool
    credentials: Credentials | None


def sealing_aad(tenant_id: str, tool_id: str) -> str:
    """Sealed credentials open only on their own tool of their own tenant."""
    return f"integrated_tools/{tenant_id}/{tool_id}"


class ToolService:
    def __init__(
        self,
        repo: ToolRepository,
        box: SecretBox,
        *,
        client: httpx.AsyncClient,
        oauth: OAuthTokens,
        settings: ToolSettings,
        destinations: DestinationPolicy,
    ) -> None:
        self.repo = repo
        self.destinations = destinations
        self.box = box
        self.client = client
        self.oauth = oauth
        self.settings = settings
        self._targets: dict[tuple[str, str], tuple[float, Target]] = {}
        self._background: set[asyncio.Task[None]] = set()

    # -- management ------------------------------------------------------------------------------

    async def create(
        self, tenant_id: str, tool_type: ToolType, fields: dict[str, Any], credentials: Credentials | None
    ) -> IntegratedTool:
        _check_urls(fields, "integrated_tool")
        await self._check_destinations(fields, credentials)
        tool = IntegratedTool(
            id=uuid.uuid4().hex,
            tenant_id=tenant_id,
            tool_type=tool_type,
            display_name=fields["display_name"],
            base_url=fields["base_url"],
            ui_url=fields.get("ui_url", ""),
            health_path=fields.get("health_path", ""),
            credential_kind=credentials.kind if credentials else None,
            enabled=bool(fields.get("enabled", True)),
        )
        sealed = self._seal(tenant_id, tool.id, credentials)
        created = await self.repo.insert(tool, sealed)
        if created.enabled:  # "its health is checked in the background right after"
            self._in_background(self._check_quietly(tenant_id, created.id))
        return created

    async def get(self, tenant_id: str, tool_id: str) -> IntegratedTool:
        return (await self._load(tenant_id, tool_id))[0]

    async def find_page(
        self, tenant_id: str, *, tool_type: ToolType | None, enabled_only: bool, size: int, token: str
    ) -> Page[IntegratedTool]:
        position = decode_token(token, keys={"n", "id"})
        after = (str(position["n"]), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await self.repo.find_page(
            tenant_id=tenant_id, tool_type=tool_type, enabled_only=enabled_only, after=after, limit=limit + 1
        )
        return page_of(rows, limit, lambda tool: {"n": tool.display_name.lower(), "id": tool.id})

    async def update(
        self,
        tenant_id: str,
        tool_id: str,
        fields: dict[str, Any],
        credentials: Credentials | None,
        mask: list[str],
        etag: str,
    ) -> IntegratedTool:
        check_update_mask(mask, MUTABLE_FIELDS)
        changes = {path: fields[path] for path in mask if path != "credentials"}
        _check_urls(changes, "integrated_tool")
        if "display_name" in changes and not changes["display_name"]:
            raise InvalidArgument.field("integrated_tool.display_name", "must not be empty")
        if "base_url" in changes and not changes["base_url"]:
            raise InvalidArgument.field("integrated_tool.base_url", "must not be empty")
        await self._check_destinations(changes, credentials)
        if "credentials" in mask:  # replaced, or removed when none are sent
            changes["credentials"] = self._seal(tenant_id, tool_id, credentials)
            changes["credential_kind"] = credentials.kind.value if credentials else None
        updated = await self.repo.update(
            tenant_id=tenant_id, tool_id=tool_id, changes=changes, expected_etag=etag
        )
        if updated is None:
            await self.get(tenant_id, tool_id)  # NotFound when it does not exist (in this tenant)
            raise EtagMismatch(f"tools/{tool_id}")
        self._targets.pop((tenant_id, tool_id), None)
        return updated

    async def delete(self, tenant_id: str, tool_id: str, etag: str) -> None:
        if not await self.repo.delete(tenant_id=tenant_id, tool_id=tool_id, expected_etag=etag):
            await self.get(tenant_id, tool_id)
            raise EtagMismatch(f"tools/{tool_id}")
        self._targets.pop((tenant_id, tool_id), None)

    async def check_health(self, tenant_id: str, tool_id: str) -> Health:
        tool, sealed = await self._load(tenant_id, tool_id)
        health = await probe(
            self.client,
            self.oauth,
            tool,
            self._open(tenant_id, tool_id, sealed),
            timeout_s=self.settings.tools_health_timeout_seconds,
            degraded_after_s=self.settings.tools_health_degraded_after_seconds,
        )
        await self.repo.record_health(tenant_id=tenant_id, tool_id=tool_id, health=health)
        return health

    async def probe_due(self, *, limit: int = 50, concurrency: int = 8) -> int:
        """One round of the background monitor: probe the tools that are due (of every tenant)."""
        due = await self.repo.claim_due(
            interval_seconds=self.settings.tools_health_interval_seconds, limit=limit
        )
        gate = asyncio.Semaphore(concurrency)

        async def one(tenant_id: str, tool_id: str) -> None:
            async with gate:
                await self._check_quietly(tenant_id, tool_id)

        await asyncio.gather(*(one(t, i) for t, i in due))
        return len(due)

    # -- the proxy -------------------------------------------------------------------------------

    async def resolve(self, tenant_id: str, tool_id: str) -> Target:
        """The tool and its credentials in clear, for one proxied request; NotFound for a tool
        that does not exist in the caller's tenant (whatever other tenants have)."""
        key = (tenant_id, tool_id)
        cached = self._targets.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        tool, sealed = await self._load(tenant_id, tool_id)
        target = Target(tool, self._open(tenant_id, tool_id, sealed))
        if self.settings.tools_cache_seconds:
            if len(self._targets) > 10_000:  # bounded
                self._targets.clear()
            self._targets[key] = (time.monotonic() + self.settings.tools_cache_seconds, target)
        return target

    # -- internals -------------------------------------------------------------------------------

    async def _check_destinations(self, fields: dict[str, Any], credentials: Credentials | None) -> None:
        """What the platform will fetch on the tenant's behalf, checked before anything is stored
        or any connection is tried (docs/security.md): the base URL (the proxy's and the health
        probe's host), the health path (it must stay under the base path) and an OAuth token URL."""
        if problem := path_problem(fields.get("health_path") or "/"):
            raise InvalidArgument.field("integrated_tool.health_path", problem)
        urls = {"integrated_tool.base_url": fields.get("base_url")}
        if credentials is not None and credentials.kind is CredentialKind.OAUTH_CLIENT:
            urls["integrated_tool.credentials.oauth_client.token_url"] = credentials.values["token_url"]
        for field, url in urls.items():
            if not url:
                continue
            try:
                await self.destinations.check(url)
            except Refused as exc:
                raise InvalidArgument.field(
                    field, f"not an allowed destination: the host {exc} (see docs/security.md)"
                ) from None

    async def _load(self, tenant_id: str, tool_id: str) -> tuple[IntegratedTool, Sealed | None]:
        found = await self.repo.get(tenant_id=tenant_id, tool_id=tool_id)
        if found is None:
            raise NotFound(f"tools/{tool_id}")
        return found

    def _seal(self, tenant_id: str, tool_id: str, credentials: Credentials | None) -> Sealed | None:
        if credentials is None:
            return None
        return self.box.seal(credentials.to_bytes(), aad=sealing_aad(tenant_id, tool_id))

    def _open(self, tenant_id: str, tool_id: str, sealed: Sealed | None) -> Credentials | None:
        if sealed is None:
            return None
        try:
            return Credentials.from_bytes(self.box.open(sealed, aad=sealing_aad(tenant_id, tool_id)))
        except (InvalidTag, ValueError):
            # A wrong master key or a record tampered with: behave as if none were stored (the
            # tool will answer 401 and the health check say UNAUTHORIZED), and tell operators.
            log.error("tool credentials do not open", tenant=tenant_id, tool=tool_id)
            return None

    async def _check_quietly(self, tenant_id: str, tool_id: str) -> None:
        try:
            tool, _ = await self._load(tenant_id, tool_id)
            if not tool.enabled:  # the monitor probes enabled tools only
                return
            await self.check_health(tenant_id, tool_id)
        except NotFound:
            pass  # deleted meanwhile
        except Exception as exc:  # a probe must never take the monitor down
            log.warning("tool health check failed", tenant=tenant_id, tool=tool_id, error=type(exc).__name__)

    def _in_background(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def monitor_round(self, fence: int = 0) -> int:
        """One round of the background monitor: every tool that is due, batch after batch. Run
        once per period across every process by the kit's ``Periodic`` (wiring.py); ``fence``
        is its run's fencing token (unused: each probe's claim is its own compare-and-set)."""
        probed, batch = 0, 50
        while (found := await self.probe_due(limit=batch)) > 0:
            probed += found
            if found < batch:
                break
        return probed


def _check_urls(fields: dict[str, Any], prefix: str) -> None:
    """Only http(s) URLs with a host and without embedded credentials (those belong in
    ``credentials``, where they are sealed)."""
    for name in ("base_url", "ui_url"):
        value = fields.get(name)
        if not value:
            continue
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidArgument.field(f"{prefix}.{name}", "must be an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise InvalidArgument.field(f"{prefix}.{name}", "must not carry credentials; use credentials")
        if name == "base_url" and (parts.query or parts.fragment):
            raise InvalidArgument.field(f"{prefix}.{name}", "must not have a query or fragment")
