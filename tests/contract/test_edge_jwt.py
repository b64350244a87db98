"""JWT validation per tenant at the edge, against the real Envoy, auth service and api service.

The attack list of issue #4, one test per case: each bad token is sent through the edge over
REST and over gRPC and must come back 401 (REST: ``{"code": 16, ...}``; gRPC: UNAUTHENTICATED),
and must never reach a service — Envoy's access log shows no upstream for its request id, and
the api service's own log never sees that id (while it does see a good request sent after it).

Then: a tenant registered while the edge runs is accepted within seconds, without restarting
Envoy (the delay is measured and printed); and the services validate again on their own —
the same bad tokens sent straight to the api service's gRPC port are UNAUTHENTICATED, and the
tenant of a call comes from its token only, never from a header.

The tokens: real ones issued by the auth service (``tests/support/identity.py``); forgeries
made from what an attacker can get — a tenant's published JWKS (HS256 with its public key),
a real token (tampered payload), or tenant A's own signing key (a token of A claiming tenant B;
read from the auth service's store with this checkout's master key, standing in for a rogue
or compromised tenant A).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import grpc
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.layout import Layout
from infra.servers.envoy import Envoy
from openframe.api.v1 import organizations_pb2 as pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import users_pb2 as upb
from openframe.auth.v1.oauth_clients_pb2_grpc import OAuthClientServiceStub
from tests.support import tokens
from tests.support.identity import Tenants, TenantSession

LIST = "/openframe.api.v1.OrganizationService/ListOrganizations"


@dataclass(frozen=True)
class Pair:
    """Two tenants of this module, and A's own signing key."""

    a: TenantSession
    b: TenantSession
    a_key: rsa.RSAPrivateKey
    a_kid: str
    a_public: rsa.RSAPublicKey


@pytest.fixture(scope="module")
def pair(tenants: Tenants) -> Pair:
    a = tenants.tenant(f"ja{uuid.uuid4().hex[:10]}")
    b = tenants.tenant(f"jb{uuid.uuid4().hex[:10]}")
    key, kid = tenants.signing_key(a.id)
    published = httpx.get(f"{a.issuer}/jwks", timeout=10).json()["keys"]
    jwk = next(k for k in published if k["kid"] == kid)
    public = rsa.RSAPublicNumbers(
        int.from_bytes(tokens.b64decode(jwk["e"]), "big"), int.from_bytes(tokens.b64decode(jwk["n"]), "big")
    ).public_key()
    assert public.public_numbers() == key.public_key().public_numbers(), "the JWKS publishes A's key"
    return Pair(a, b, key, kid, public)


class Sent:
    """Requests sent with one token through the edge: REST, gRPC, and their request ids."""

    def __init__(self, edge_url: str, edge_grpc: str, token: str) -> None:
        self.rest_id, self.grpc_id = f"jwt-rest-{uuid.uuid4().hex}", f"jwt-grpc-{uuid.uuid4().hex}"
        self.rest = httpx.get(
            f"{edge_url}/api/v1/organizations",
            headers={"authorization": f"Bearer {token}", "x-request-id": self.rest_id},
            timeout=10,
        )
        self.grpc_code, self.grpc_message = grpc_call(edge_grpc, token, self.grpc_id)


def grpc_call(target: str, token: str, request_id: str = "", **extra: str) -> tuple[grpc.StatusCode, str]:
    metadata = [("authorization", f"Bearer {token}"), *extra.items()]
    if request_id:
        metadata.append(("x-request-id", request_id))
    with grpc.insecure_channel(target) as channel:
        try:
            OrganizationServiceStub(channel).ListOrganizations(
                pb.ListOrganizationsRequest(), metadata=metadata, timeout=10
            )
        except grpc.RpcError as failure:
            call = cast(grpc.Call, failure)
            return call.code(), call.details() or ""
    return grpc.StatusCode.OK, ""


class LogTail:
    """A JSON-lines log read from where it ended when the tail was made (the shared logs grow
    to hundreds of MB over benchmarks; only what our requests add is read)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def entries(self) -> Iterator[dict[str, Any]]:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            for line in f.read().decode(errors="replace").splitlines():
                if line.startswith("{"):
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue

    def wait_for(self, request_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.entries():
                if entry.get("request_id") == request_id:
                    return entry
            time.sleep(0.1)
        pytest.fail(f"{request_id} never appeared in {self.path.name}")


class Refused:
    """Send a token; check it was refused at the edge and never reached a service."""

    def __init__(self, layout: Layout, edge_url: str, edge_grpc: str, good: TenantSession) -> None:
        self.layout, self.edge_url, self.edge_grpc, self.good = layout, edge_url, edge_grpc, good

    def __call__(self, token: str, message: str) -> Sent:
        self.envoy_log, self.api_log = LogTail(self.layout.log("envoy")), LogTail(self.layout.log("api"))
        sent = Sent(self.edge_url, self.edge_grpc, token)
        assert sent.rest.status_code == 401, sent.rest.text
        assert sent.rest.headers["content-type"] == "application/json"
        assert sent.rest.json() == {"code": 16, "message": message}
        assert sent.rest.headers["www-authenticate"].startswith("Bearer")
        assert sent.grpc_code == grpc.StatusCode.UNAUTHENTICATED, (sent.grpc_code, sent.grpc_message)
        self.never_reached_a_service(sent)
        return sent

    def never_reached_a_service(self, sent: Sent) -> None:
        for request_id, refusal in ((sent.rest_id, ("status", 401)), (sent.grpc_id, ("grpc_status", 16))):
            entry = self.envoy_log.wait_for(request_id)
            assert entry[refusal[0]] == refusal[1], entry  # a gRPC refusal is HTTP 200 + grpc-status 16
            assert entry["upstream_host"] is None, f"forwarded to {entry['upstream_host']}"
            assert entry["details"].startswith(("jwt_authn_access_denied", "rbac_access_denied")), entry
        # A good request sent afterwards reaches the api (its log line proves the log is flushed
        # past the bad ones), and neither bad request id is in the api's log.
        marker = Sent(self.edge_url, self.edge_grpc, self.good.access_token)
        assert marker.rest.status_code == 200, marker.rest.text
        self.api_log.wait_for(marker.rest_id)
        seen = {e.get("request_id") for e in self.api_log.entries()}
        assert not seen & {sent.rest_id, sent.grpc_id}, "a refused request reached the api service"


@pytest.fixture(scope="module")
def refused(infra_up: Layout, edge_url: str, edge_grpc_target: str, pair: Pair) -> Refused:
    return Refused(infra_up, edge_url, edge_grpc_target, pair.a)


def forged_claims(tenant: TenantSession, edge_url: str, **extra: Any) -> dict[str, Any]:
    return tokens.claims_for(tenant.id, edge_url, subject=tenant.owner_id, roles=["OWNER"], **extra)


# -- the good token ---------------------------------------------------------------------------


def test_a_valid_token_passes_the_edge_and_reaches_the_api(
    infra_up: Layout, edge_url: str, edge_grpc_target: str, pair: Pair
) -> None:
    envoy_log, api_log = LogTail(infra_up.log("envoy")), LogTail(infra_up.log("api"))
    sent = Sent(edge_url, edge_grpc_target, pair.a.access_token)
    assert sent.rest.status_code == 200, sent.rest.text
    body = sent.rest.json()  # the tenant's own organizations: just its default one
    assert [o["name"].startswith("organizations/default-") for o in body["organizations"]] == [True], body
    assert sent.grpc_code == grpc.StatusCode.OK
    for request_id in (sent.rest_id, sent.grpc_id):
        assert api_log.wait_for(request_id)["tenant_id"] == pair.a.id
        entry = envoy_log.wait_for(request_id)
        assert (entry["tenant"], entry["subject"]) == (pair.a.id, pair.a.owner_id)


def test_a_client_credentials_token_passes_too(tenants: Tenants, edge_url: str, pair: Pair) -> None:
    token = tenants.service_token(pair.a)
    claims = tokens.unverified_claims(token)
    assert (claims["tid"], claims["roles"]) == (pair.a.id, ["ADMIN"])
    resp = httpx.get(f"{edge_url}/api/v1/organizations", headers={"authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text


# -- the attack list: one test per case ----------------------------------------------------------


def test_token_signed_by_tenant_a_claiming_tenant_b_is_401(
    refused: Refused, pair: Pair, edge_url: str
) -> None:
    """A's key (and A's kid, so the signature verifies), but tid and iss of B."""
    forged = tokens.sign(forged_claims(pair.b, edge_url), pair.a_key, pair.a_kid)
    assert tokens.unverified_claims(forged)["iss"] == pair.b.issuer
    refused(forged, "Jwt is not bound to the tenant it claims")


def test_token_signed_by_tenant_a_with_tenant_b_kid_is_401(
    refused: Refused, pair: Pair, edge_url: str
) -> None:
    """Same forgery naming one of B's keys: A's signature does not verify under B's key."""
    b_kid = tokens.unverified_header(pair.b.access_token)["kid"]
    forged = tokens.sign(forged_claims(pair.b, edge_url), pair.a_key, b_kid)
    refused(forged, "Jwt verification fails")


def test_expired_token_is_401(refused: Refused, pair: Pair, edge_url: str) -> None:
    now = int(time.time())
    expired = forged_claims(pair.a, edge_url, iat=now - 3600, nbf=now - 3600, exp=now - 600)
    refused(tokens.sign(expired, pair.a_key, pair.a_kid), "Jwt is expired")


def test_alg_none_is_401(refused: Refused, pair: Pair, edge_url: str) -> None:
    # no signature at all: not even a well-formed JWS for Envoy
    refused(
        tokens.alg_none(forged_claims(pair.a, edge_url), pair.a_kid),
        "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    )


def test_hs256_signed_with_the_tenants_public_key_is_401(refused: Refused, pair: Pair, edge_url: str) -> None:
    """The public key as published in A's JWKS, used as the HMAC secret."""
    forged = tokens.hs256_with_public_key(forged_claims(pair.a, edge_url), pair.a_public, pair.a_kid)
    refused(forged, "Jwks doesn't have key to match kid or alg from Jwt")


def test_wrong_audience_is_401(refused: Refused, pair: Pair, edge_url: str) -> None:
    other = forged_claims(pair.a, edge_url, aud=["some-other-api"])
    refused(tokens.sign(other, pair.a_key, pair.a_kid), "Audiences in Jwt are not allowed")


def test_tampered_payload_is_401(refused: Refused, pair: Pair) -> None:
    """A real token of A, its payload changed to B's tenant, A's signature kept."""
    token = pair.a.access_token
    refused(tokens.tampered(token, tid=pair.b.id, iss=pair.b.issuer), "Jwt verification fails")
    refused(tokens.tampered(token, roles=["OWNER", "ADMIN"], sub="someone"), "Jwt verification fails")


def test_unknown_kid_is_401(refused: Refused, pair: Pair, edge_url: str) -> None:
    stranger = tokens.new_key()
    forged = tokens.sign(forged_claims(pair.a, edge_url), stranger, tokens.new_kid(pair.a.id))
    refused(forged, "Jwks doesn't have key to match kid or alg from Jwt")


def test_no_token_and_other_schemes_are_401(refused: Refused, edge_url: str) -> None:
    assert httpx.get(f"{edge_url}/api/v1/organizations").json() == {"code": 16, "message": "Jwt is missing"}
    basic = httpx.get(f"{edge_url}/api/v1/organizations", headers={"authorization": "Basic dTpw"})
    assert basic.status_code == 401


# -- tenants created at runtime ------------------------------------------------------------------


def test_tenant_created_at_runtime_is_accepted_without_restarting_envoy(
    tenants: Tenants, infra_up: Layout, edge_url: str, api_grpc_target: str
) -> None:
    """Register a tenant while everything runs, get a real token of it, call through the edge.

    The token comes from a client-credentials client created right after registration, straight
    on the auth service's gRPC port (services know a new tenant's key at once: an unknown kid
    makes them fetch the key set); the edge knows it after its next background JWKS refresh.
    """
    envoy = Envoy(infra_up)
    pid = envoy.owned_pid()
    assert pid is not None, "the shared edge is running"
    tenant_id = f"jr{uuid.uuid4().hex[:10]}"
    with tenants.client() as http:
        owner_id, _, issuer = tenants.register_only(http, tenant_id)
        registered = time.monotonic()
        bootstrap = (("authorization", f"Bearer {tenants.bootstrap_token(tenant_id, owner_id)}"),)
        with grpc.insecure_channel(f"127.0.0.1:{infra_up.port('auth')}") as channel:
            created = OAuthClientServiceStub(channel).CreateOAuthClient(
                cpb.CreateOAuthClientRequest(
                    oauth_client=cpb.OAuthClient(
                        display_name="Runtime probe",
                        client_type=cpb.CLIENT_TYPE_CONFIDENTIAL,
                        grant_types=[cpb.GRANT_TYPE_CLIENT_CREDENTIALS],
                        roles=[upb.USER_ROLE_ADMIN],
                    )
                ),
                metadata=bootstrap,
                timeout=10,
            )
        issued = tenants.client_credentials(tenant_id, created.oauth_client.client_id, created.client_secret)
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        token_after = time.monotonic() - registered
        assert tokens.unverified_claims(token)["iss"] == issuer
        edge_ok = api_ok = 0.0
        bearer = {"authorization": f"Bearer {token}"}
        while not (edge_ok and api_ok):
            elapsed = time.monotonic() - registered
            assert elapsed < 15, f"never accepted (edge after {edge_ok:.2f} s, api after {api_ok:.2f} s)"
            if not api_ok and grpc_call(api_grpc_target, token)[0] == grpc.StatusCode.OK:
                api_ok = time.monotonic() - registered
            if not edge_ok and http.get("/api/v1/organizations", headers=bearer).status_code == 200:
                edge_ok = time.monotonic() - registered
            time.sleep(0.02)
    assert envoy.owned_pid() == pid, "Envoy was not restarted"
    print(
        f"\nruntime tenant: a token {token_after:.2f} s after registration; accepted by the api service "
        f"{api_ok:.2f} s and by the edge {edge_ok:.2f} s after registration (Envoy refreshes the JWKS "
        "every 2 s; the auth service's JWKS document is cached for up to its cache_ttl_seconds)"
    )
    assert edge_ok < 10


# -- the services validate again (internal callers do not pass the edge) --------------------------


@pytest.fixture(scope="module")
def bad_tokens(pair: Pair, edge_url: str) -> dict[str, str]:
    now = int(time.time())
    return {
        "a-claiming-b": tokens.sign(forged_claims(pair.b, edge_url), pair.a_key, pair.a_kid),
        "expired": tokens.sign(
            forged_claims(pair.a, edge_url, iat=now - 3600, nbf=now - 3600, exp=now - 600),
            pair.a_key,
            pair.a_kid,
        ),
        "alg-none": tokens.alg_none(forged_claims(pair.a, edge_url), pair.a_kid),
        "hs256-public-key": tokens.hs256_with_public_key(
            forged_claims(pair.a, edge_url), pair.a_public, pair.a_kid
        ),
        "wrong-audience": tokens.sign(forged_claims(pair.a, edge_url, aud=["x"]), pair.a_key, pair.a_kid),
        "tampered": tokens.tampered(pair.a.access_token, tid=pair.b.id, iss=pair.b.issuer),
        "unknown-kid": tokens.sign(
            forged_claims(pair.a, edge_url), tokens.new_key(), tokens.new_kid(pair.a.id)
        ),
    }


@pytest.mark.parametrize(
    "attack",
    ["a-claiming-b", "expired", "alg-none", "hs256-public-key", "wrong-audience", "tampered", "unknown-kid"],
)
def test_the_api_service_refuses_each_bad_token_itself(
    api_grpc_target: str, bad_tokens: dict[str, str], attack: str
) -> None:
    code, _ = grpc_call(api_grpc_target, bad_tokens[attack])
    assert code == grpc.StatusCode.UNAUTHENTICATED


def test_the_api_service_accepts_a_good_token_and_nothing_else(api_grpc_target: str, pair: Pair) -> None:
    assert grpc_call(api_grpc_target, pair.a.access_token)[0] == grpc.StatusCode.OK
    # the development header is not an identity
    with grpc.insecure_channel(api_grpc_target) as channel, pytest.raises(grpc.RpcError) as failure:
        OrganizationServiceStub(channel).ListOrganizations(
            pb.ListOrganizationsRequest(), metadata=[("x-openframe-tenant", pair.a.id)], timeout=10
        )
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED  # type: ignore[attr-defined]


def test_the_tenant_comes_from_the_token_only(api_grpc_target: str, pair: Pair) -> None:
    """A's token with headers claiming B: the organization is A's, and B does not see it."""
    spoof = [("x-openframe-tenant", pair.b.id), ("x-openframe-roles", "OWNER"), ("x-openframe-subject", "x")]
    with grpc.insecure_channel(api_grpc_target) as channel:
        stub = OrganizationServiceStub(channel)
        created = stub.CreateOrganization(
            pb.CreateOrganizationRequest(
                organization=pb.Organization(display_name=f"Spoof {uuid.uuid4().hex[:6]}")
            ),
            metadata=[*pair.a.metadata, *spoof],
            timeout=10,
        ).organization
        mine = stub.ListOrganizations(pb.ListOrganizationsRequest(), metadata=pair.a.metadata, timeout=10)
        theirs = stub.ListOrganizations(pb.ListOrganizationsRequest(), metadata=pair.b.metadata, timeout=10)
        with pytest.raises(grpc.RpcError) as failure:
            stub.GetOrganization(
                pb.GetOrganizationRequest(name=created.name), metadata=pair.b.metadata, timeout=10
            )
    assert created.name in {o.name for o in mine.organizations}
    assert created.name not in {o.name for o in theirs.organizations}
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]


def test_a_services_permission_denied_stays_403(tenants: Tenants, edge_url: str, pair: Pair) -> None:
    """Only token refusals are rewritten to 401: a valid token without the role a write needs
    gets the service's own PERMISSION_DENIED (403 over REST) through the edge."""
    with tenants.client() as http:
        viewer = tenants.create_client(
            http,
            pair.a.bearer,
            display_name="Read-only integration",
            client_type="CLIENT_TYPE_CONFIDENTIAL",
            grant_types=["GRANT_TYPE_CLIENT_CREDENTIALS"],
            roles=["USER_ROLE_VIEWER"],
        )
    issued = tenants.client_credentials(pair.a.id, *viewer)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    bearer = {"authorization": f"Bearer {token}"}
    assert httpx.get(f"{edge_url}/api/v1/organizations", headers=bearer).status_code == 200  # reads: any role
    write = httpx.post(f"{edge_url}/api/v1/organizations", headers=bearer, json={"displayName": "Nope"})
    assert write.status_code == 403, write.text
    assert write.json()["code"] == 7  # PERMISSION_DENIED, from the api service
    assert "www-authenticate" not in write.headers
