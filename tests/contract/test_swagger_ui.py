"""The Swagger UI page Envoy serves at /docs/ renders the OpenAPI document in a real browser.

Headless Debian Chromium loads the page through the edge, runs Swagger UI (assets from the npm
package, served by Envoy) which fetches /openapi.json, and we read the rendered DOM: the
organizations operations must be there with their paths and the summaries that come from the
proto comments. The HTML shell alone contains none of that, so this proves the spec rendered.

Swagger UI 5 virtualizes the operations list (only the tags near the viewport are in the DOM),
so the DOM is taken on the tag's deep link `/docs/#/OrganizationService`, which scrolls there.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import uuid
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
]
#: A copy of the screenshot for humans to look at.
SCREENSHOT_COPY = Path("/tmp/swagger-ui.png")
ORGANIZATIONS = "/api/v1/organizations"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)"
)


def chromium(tmp_path: Path, url: str, *args: str) -> bytes:
    """Run headless Chromium once (own throw-away profile); return its stdout."""
    profile = tmp_path / f"profile-{uuid.uuid4().hex[:8]}"
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, url]
    out = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-2000:]
    return out.stdout


def squash(text: str) -> str:
    return " ".join(text.split())


class Operations(HTMLParser):
    """Collects Swagger UI's rendered operations: `div.opblock#operations-<tag>-<operationId>`."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: dict[str, dict[str, str]] = {}
        self.tags: list[str] = []
        self._op: dict[str, str] | None = None
        self._field: str | None = None
        self._depth = 0  # open <div>s inside the current field (the description is a div)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if "opblock-tag" in classes and a.get("data-tag"):
            self.tags.append(a["data-tag"])
        if tag == "div" and "opblock" in classes and a.get("id", "").startswith("operations-"):
            self._op = self.ops.setdefault(a["id"], {"method": "", "path": "", "summary": ""})
        if self._op is None:
            return
        if "opblock-summary-path" in classes:
            self._op["path"] = a.get("data-path", "")
        elif "opblock-summary-method" in classes:
            self._field, self._depth = "method", 0
        elif "opblock-summary-description" in classes:
            self._field, self._depth = "summary", 0
        elif self._field and tag == "div":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._field and tag in ("span", "div"):
            if self._depth:
                self._depth -= 1
            else:
                self._field = None

    def handle_data(self, data: str) -> None:
        if self._op is not None and self._field:
            self._op[self._field] += data


@pytest.fixture(scope="module")
def served_openapi(edge_url: str) -> dict[str, Any]:
    resp = httpx.get(f"{edge_url}/openapi.json", timeout=10)
    assert resp.status_code == 200
    document: dict[str, Any] = resp.json()
    return document


@pytest.fixture(scope="module")
def expected_operations(served_openapi: dict[str, Any]) -> dict[str, dict[str, str]]:
    """DOM id -> method, path, summary, for every organizations operation of the served document."""
    expected = {
        f"operations-{op['tags'][0]}-{op['operationId']}": {
            "method": verb.upper(),
            "path": path,
            "summary": squash(op["summary"]),
        }
        for path, item in served_openapi["paths"].items()
        if path.startswith(ORGANIZATIONS)
        for verb, op in item.items()
    }
    assert len(expected) == 7, sorted(expected)  # Create, Get, List, Update, Archive, Unarchive, CanArchive
    return expected


def test_docs_page_renders_the_organizations_operations(
    edge_url: str, tmp_path: Path, expected_operations: dict[str, dict[str, str]]
) -> None:
    shell = httpx.get(f"{edge_url}/docs/", timeout=10)
    assert shell.status_code == 200
    assert "opblock" not in shell.text  # the shell has no operations: whatever we find below was rendered

    dom = chromium(
        tmp_path, f"{edge_url}/docs/#/OrganizationService", "--window-size=1280,2000", "--dump-dom"
    )
    html = dom.decode()
    assert "Failed to load API definition" not in html
    # the info block comes from the document Swagger UI fetched, /openapi.json (OpenAPI 3)
    assert re.search(r'<h1 class="title">OpenFrame API<', html), "no API title rendered"
    assert ">OAS 3.0<" in html
    assert re.search(r'href="/openapi.json"[^>]*class="link"', html), (
        "the loaded definition is not /openapi.json"
    )

    parsed = Operations()
    parsed.feed(html)
    assert "OrganizationService" in parsed.tags
    rendered = {
        dom_id: {"method": op["method"].strip(), "path": op["path"], "summary": squash(op["summary"])}
        for dom_id, op in parsed.ops.items()
        if op["path"].startswith(ORGANIZATIONS)
    }
    assert rendered == expected_operations
    # and a literal spot check of two proto comments, as a reader sees them
    summaries = {op["summary"] for op in rendered.values()}
    assert "Creates an organization in the caller's tenant." in summaries
    assert "Tells whether ArchiveOrganization would succeed now, and if not, why." in summaries


def png_info(data: bytes) -> tuple[int, int, int]:
    """(width, height, decompressed image bytes) of a PNG; fails on anything that is not one."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return size[0], size[1], len(zlib.decompress(idat))


def test_docs_page_screenshot_is_a_rendered_page(edge_url: str, tmp_path: Path) -> None:
    width, height = 1280, 4000  # tall enough to show the organizations operations (virtualized list)
    shot, blank = tmp_path / "swagger-ui.png", tmp_path / "blank.png"
    size = f"--window-size={width},{height}"
    chromium(tmp_path, f"{edge_url}/docs/", size, f"--screenshot={shot}")
    chromium(
        tmp_path, "data:text/html,<body style='background:%23fafafa'></body>", size, f"--screenshot={blank}"
    )

    data = shot.read_bytes()
    w, h, raw = png_info(data)
    assert (w, h) == (width, height)
    assert raw >= height * (1 + width * 3)  # every scanline present (RGB or RGBA)
    # A blank page of the same size compresses to ~10 KB; the rendered page carries text, colored
    # method badges and borders, so it compresses far worse.
    assert len(data) > 10 * len(blank.read_bytes()), (len(data), blank.stat().st_size)
    shutil.copyfile(shot, SCREENSHOT_COPY)
