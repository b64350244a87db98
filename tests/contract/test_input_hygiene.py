"""Input the edge and the services must refuse cleanly, through the real edge: ids that are
empty or malformed after percent-decoding, bytes that are not text, and secrets in URLs.

Every refusal is a 400 whose JSON body names what is wrong (the field, where there is one),
never an empty message, a 500 or a lookup of a bad id. The checks walk the descriptor set, so a
new RPC is covered without being listed here."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.support.descriptors import Route, message, routes
from tests.support.identity import Tenants, TenantSession

#: Field names that hold a secret: never bound to a URL's query string.
SECRET_FIELD = re.compile(r"password|secret|credential|api_key|(?<!page_)token$")
#: One path variable that names a resource: ``{organization.name=organizations/*}``.
VARIABLE = re.compile(r"\{([a-z_.]+)=([A-Za-z]+)/\*\}")


@pytest.fixture(scope="module")
def caller(tenants: Tenants) -> TenantSession:
    return tenants.fresh()


def _fields_bound_by(route: Route) -> set[str]:
    return {v.split(".")[0] for v in re.findall(r"\{([a-z_.]+)", route.path)} | (
        {route.body} if route.body not in ("", "*") else set()
    )


def test_no_secret_field_is_bound_to_the_query_string() -> None:
    """Fields outside the path and the body become query parameters: none may hold a secret
    (access logs, proxies and browser history keep URLs)."""
    offending = [
        f"{r.method} {r.verb} {r.path}: {field.name}"
        for r in routes()
        if r.body != "*"
        for field in message(r.input_type).field
        if field.name not in _fields_bound_by(r) and SECRET_FIELD.search(field.name)
    ]
    assert offending == []


async def test_a_password_in_the_query_string_is_refused(edge_url: str, caller: TenantSession) -> None:
    email = f"q{uuid.uuid4().hex[:10]}@example.test"
    async with httpx.AsyncClient(base_url=edge_url, headers=caller.bearer, timeout=10) as rest:
        for name in ("password", "PASSWORD", "newPassword", "client_secret", "apiKey", "access_token"):
            refused = await rest.post(
                f"/auth/v1/users?{name}=a%20long%20passphrase%2042",
                json={"user": {"email": email, "displayName": "Q"}},
            )
            assert refused.status_code == 400, (name, refused.text)
            assert "must not be sent in the URL" in refused.json()["message"], refused.text
        listed = await rest.get("/auth/v1/users")
        assert email not in listed.text  # nothing was created
        # the same on the OIDC endpoints and the tool proxy, whatever the route
        for path in (f"{caller.issuer.removeprefix(edge_url)}/oauth2/token", "/tools/t1/x"):
            refused = await rest.post(
                f"{path}?client_secret=s3cret", data={"grant_type": "client_credentials"}
            )
            assert refused.status_code == 400, (path, refused.text)
        created = await rest.post(
            "/auth/v1/users",
            json={"user": {"email": email, "displayName": "Q"}, "password": "a long passphrase 42"},
        )
        assert created.status_code == 200, created.text
        assert created.json()["user"]["hasPassword"] is True


def _named_routes() -> list[tuple[Route, str, str]]:
    """(route, field path, collection) of every route with one resource-name variable."""
    found = []
    for r in routes():
        variables = VARIABLE.findall(r.path)
        if len(variables) == 1:
            found.append((r, *variables[0]))
    return found


@pytest.mark.parametrize("encoded", ["%20", "%09", "%E2%80%8B", "-%0A"])
async def test_ids_empty_or_malformed_after_decoding_name_the_field(
    encoded: str, edge_url: str, caller: TenantSession
) -> None:
    async with httpx.AsyncClient(base_url=edge_url, headers=caller.bearer, timeout=10) as rest:
        for route, field, collection in _named_routes():
            url = VARIABLE.sub(f"{collection}/{encoded}", route.path)
            body = {} if route.verb in ("post", "patch", "put") else None
            query = {"updateMask": "displayName"} if route.verb == "patch" else None
            reply = await rest.request(route.verb.upper(), url, json=body, params=query)
            assert reply.status_code == 400, (route, reply.text)
            violations = [
                v["field"] for d in reply.json().get("details", []) for v in d.get("fieldViolations", [])
            ]
            assert field in violations, (route, reply.text)


async def test_the_named_routes_are_found() -> None:
    services = {r.method.split("/")[1].rsplit(".", 1)[0] for r, _, _ in _named_routes()}
    assert {"openframe.api.v1", "openframe.auth.v1", "openframe.external.v1"} <= services


@pytest.mark.parametrize(
    "path", ["/api/v1/organizations/%00", "/api/v1/organizations/a%00b", "/auth/v1/users/%00"]
)
async def test_a_nul_in_the_path_is_a_clear_400(path: str, edge_url: str, caller: TenantSession) -> None:
    async with httpx.AsyncClient(base_url=edge_url, headers=caller.bearer, timeout=10) as rest:
        reply = await rest.get(path)
    assert reply.status_code == 400
    assert reply.json()["code"] == 3
    assert "path" in reply.json()["message"], reply.text


@pytest.mark.parametrize("encoded", ["%FF", "%C0%80", "ab%ED%A0%80"])
async def test_bytes_that_are_not_utf8_name_the_field(
    encoded: str, edge_url: str, caller: TenantSession
) -> None:
    async with httpx.AsyncClient(base_url=edge_url, headers=caller.bearer, timeout=10) as rest:
        got = await rest.get(f"/api/v1/organizations/{encoded}")
        patched = await rest.patch(
            f"/api/v1/organizations/{encoded}", params={"updateMask": "notes"}, json={"notes": "x"}
        )
        listed = await rest.get(
            "/api/v1/organizations", params={"search": bytes.fromhex("ff").decode("latin-1")}
        )
    for reply, field in ((got, "name"), (patched, "organization.name")):
        assert reply.status_code == 400, reply.text
        fields = [v["field"] for d in reply.json().get("details", []) for v in d.get("fieldViolations", [])]
        assert fields == [field], reply.text
        assert "UTF-8" in reply.json()["message"]
    assert listed.status_code in (200, 400), listed.text  # httpx sends it UTF-8 encoded: valid text
