"""An integrated tool as the domain sees it, independent of protos and storage."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import unquote

RESOURCE = "tools"

#: Fields a client may change through update_mask (tool_type is immutable).
MUTABLE_FIELDS = frozenset({"display_name", "base_url", "ui_url", "credentials", "enabled", "health_path"})


class ToolType(StrEnum):
    FLEET = "FLEET"
    MESHCENTRAL = "MESHCENTRAL"
    TACTICAL_RMM = "TACTICAL_RMM"
    AUTHENTIK = "AUTHENTIK"
    GENERIC = "GENERIC"


#: What the health probe requests when the tool names no ``health_path``. Fleet's version
#: endpoint needs the token, so a probe also tells whether the stored credentials work.
DEFAULT_HEALTH_PATHS: dict[ToolType, str] = {
    ToolType.FLEET: "/api/v1/fleet/version",
    ToolType.MESHCENTRAL: "/health.ashx",
    ToolType.TACTICAL_RMM: "/",
    ToolType.AUTHENTIK: "/-/health/live/",
    ToolType.GENERIC: "/",
}


class CredentialKind(StrEnum):
    API_TOKEN = "API_TOKEN"  # noqa: S105 (a kind name, not a token)
    BASIC = "BASIC"
    OAUTH_CLIENT = "OAUTH_CLIENT"
    HEADER = "HEADER"


@dataclass(frozen=True)
class Credentials:
    """Plaintext credentials: only ever in memory, sealed before they are stored."""

    kind: CredentialKind
    values: dict[str, str] = field(repr=False)  # repr=False: never in a log line or traceback

    def to_bytes(self) -> bytes:
        return json.dumps({"kind": self.kind.value, "values": self.values}, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Credentials:
        data = json.loads(raw)
        return cls(CredentialKind(data["kind"]), {str(k): str(v) for k, v in data["values"].items()})


class HealthStatus(StrEnum):
    UNSPECIFIED = "UNSPECIFIED"
    HEALTHY = "HEALTHY"
    DEGRADED = "DEGRADED"
    UNAUTHORIZED = "UNAUTHORIZED"
    UNREACHABLE = "UNREACHABLE"


@dataclass(frozen=True)
class Health:
    status: HealthStatus = HealthStatus.UNSPECIFIED
    latency_ms: float = 0.0
    message: str = ""
    tool_version: str = ""
    check_time: datetime | None = None


@dataclass
class IntegratedTool:
    id: str
    tenant_id: str
    tool_type: ToolType
    display_name: str
    base_url: str
    ui_url: str = ""
    health_path: str = ""
    #: which kind of credentials is stored (None: none); the credentials themselves are sealed
    credential_kind: CredentialKind | None = None
    enabled: bool = True
    health: Health = field(default_factory=Health)
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""

    @property
    def name(self) -> str:
        return f"{RESOURCE}/{self.id}"

    @property
    def probe_path(self) -> str:
        return self.health_path or DEFAULT_HEALTH_PATHS[self.tool_type]


def id_from_name(name: str) -> str:
    """'tools/abc' -> 'abc' (the format is already validated by the contract)."""
    return name.removeprefix(f"{RESOURCE}/")


def path_problem(raw: str) -> str | None:
    """Why a raw (still percent-encoded) path could leave the tool's base path once the tool, or
    anything before it, decodes it; None when it cannot. Checked at every level of encoding, so
    ``%252e%252e`` is caught as well as ``..``: dot segments (also ``..;``, which some servers
    read as ``..``), encoded slashes, backslashes, NUL and other control characters."""
    seen = raw
    for _ in range(3):
        lowered = seen.lower()
        if "\\" in seen or "%5c" in lowered:
            return "backslashes are not allowed"
        if "%2f" in lowered:
            return "encoded slashes are not allowed"
        if "%00" in lowered or any(ord(c) < 0x20 or ord(c) == 0x7F for c in seen):
            return "control characters are not allowed"
        if any(unquote(s).split(";", 1)[0] in (".", "..") for s in seen.split("/")):
            return "path segments '.' and '..' are not allowed"
        decoded = unquote(seen)
        if decoded == seen:
            return None
        seen = decoded
    return "too many levels of percent-encoding"
