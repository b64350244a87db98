"""The kit's HTTP helpers."""

from __future__ import annotations

import httpx

from services.kit.http import no_cookies


def test_shared_clients_keep_no_cookies() -> None:
    reply = httpx.Response(
        200, headers={"set-cookie": "session=tenant-a"}, request=httpx.Request("GET", "http://tool.example/x")
    )
    shared = httpx.Client(cookies=no_cookies())
    shared.cookies.extract_cookies(reply)
    assert dict(shared.cookies) == {}
    next_call = shared.build_request("GET", "http://tool.example/y")
    assert "cookie" not in next_call.headers
    default = httpx.Client()  # what the jar guards against: httpx keeps them by default
    default.cookies.extract_cookies(reply)
    assert dict(default.cookies) == {"session": "tenant-a"}
