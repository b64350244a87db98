"""SsoProviderService over gRPC: presets fill issuer and scopes, the client secret is sealed and
never returned, field errors name the field, enabling needs a reachable discovery document,
writes need ADMIN/OWNER, and another tenant's provider is NOT_FOUND like a missing one."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import sso_providers_pb2 as pb
from openframe.auth.v1 import users_pb2 as upb
from services.auth.app import Running
from services.auth.crypto import KeyVault
from services.auth.sso.secretbox import SecretBox
from services.kit.config import local_port
from tests.integration.auth import test_sso_support as support
from tests.integration.auth.helpers import Api, as_tenant
from tests.integration.external.tools_harness import RunningTool

# conftest.py's fixtures of these names, overridden in this module (see test_sso_support.py).
auth, channel, db, audit_db, sso = support.auth, support.channel, support.db, support.audit_db, support.sso
upstream, reserved, outside = support.upstream, support.reserved, support.outside
Sso = support.Sso
ISSUER = "sso_provider.issuer_uri"
Db = AsyncDatabase[dict[str, Any]]
SECRET = "upstream-client-secret-value"


def google(**fields: Any) -> pb.SsoProvider:
    values: dict[str, Any] = {
        "display_name": "Sign in with Google",
        "preset": pb.SSO_PROVIDER_PRESET_GOOGLE,
        "client_id": "1234.apps.googleusercontent.com",
        "client_secret": SECRET,
        **fields,
    }
    return pb.SsoProvider(**values)


async def create(sso: Sso, tenant: str, provider: pb.SsoProvider, roles: str = "ADMIN") -> pb.SsoProvider:
    reply = await sso.CreateSsoProvider(
        pb.CreateSsoProviderRequest(sso_provider=provider), metadata=as_tenant(tenant, roles)
    )
    return reply.sso_provider


async def rpc_error(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_presets_fill_issuer_and_scopes_and_the_secret_is_write_only(
    api: Api, sso: Sso, unique: str, db: Db, audit_db: Db
) -> None:
    await api.register(unique)
    made = await create(sso, unique, google())
    assert made.issuer_uri == "https://accounts.google.com"
    assert list(made.scopes) == ["openid", "email", "profile"]
    assert not made.enabled and made.client_secret_set and made.client_secret == ""
    assert made.redirect_uri == f"{api.issuer(unique)}/sso/callback"
    assert made.auto_provision_role == upb.USER_ROLE_VIEWER
    microsoft = await create(
        sso,
        unique,
        pb.SsoProvider(
            display_name="Sign in with Microsoft",
            preset=pb.SSO_PROVIDER_PRESET_MICROSOFT,
            microsoft_tenant="contoso.onmicrosoft.com",
            client_id="00000000-1111-2222-3333-444444444444",
            scopes=["email"],
        ),
    )
    assert microsoft.issuer_uri == "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"
    assert list(microsoft.scopes) == ["openid", "email"] and not microsoft.client_secret_set
    default_directory = await create(
        sso,
        unique,
        pb.SsoProvider(display_name="MS", preset=pb.SSO_PROVIDER_PRESET_MICROSOFT, client_id="abc"),
    )
    assert default_directory.issuer_uri == "https://login.microsoftonline.com/organizations/v2.0"

    stored = await db["sso_providers"].find_one({"_id": made.name.removeprefix("ssoProviders/")})
    assert stored is not None and stored["tenant_id"] == unique
    assert SECRET not in str(stored) and SECRET.encode() not in stored["client_secret_sealed"]["ciphertext"]
    got = await sso.GetSsoProvider(pb.GetSsoProviderRequest(name=made.name), metadata=as_tenant(unique))
    assert got.sso_provider == made
    listed = await sso.ListSsoProviders(pb.ListSsoProvidersRequest(), metadata=as_tenant(unique))
    assert [p.display_name for p in listed.sso_providers] == [
        "MS",
        "Sign in with Google",
        "Sign in with Microsoft",
    ]
    first = await sso.ListSsoProviders(pb.ListSsoProvidersRequest(page_size=2), metadata=as_tenant(unique))
    rest = await sso.ListSsoProviders(
        pb.ListSsoProvidersRequest(page_size=2, page_token=first.next_page_token), metadata=as_tenant(unique)
    )
    assert [p.name for p in [*first.sso_providers, *rest.sso_providers]] == [
        p.name for p in listed.sso_providers
    ]
    assert rest.next_page_token == ""

    entries = [d async for d in audit_db["audit_events"].find({"tenant_id": unique, "subject": made.name})]
    assert [e["type"] for e in entries] == ["AUDIT_EVENT_TYPE_SSO_PROVIDER_CHANGED"]
    assert SECRET.encode() not in entries[0]["payload"]


async def test_update_replaces_the_secret_and_checks_etags(api: Api, sso: Sso, unique: str, db: Db) -> None:
    await api.register(unique)
    made = await create(sso, unique, google())
    provider_id = made.name.removeprefix("ssoProviders/")
    before = await db["sso_providers"].find_one({"_id": provider_id})
    changed = google(
        name=made.name, client_secret="another-secret-value", allowed_email_domains=["Example.COM"]
    )
    reply = await sso.UpdateSsoProvider(
        pb.UpdateSsoProviderRequest(
            sso_provider=changed, update_mask={"paths": ["client_secret", "allowed_email_domains"]}
        ),
        metadata=as_tenant(unique),
    )
    updated = reply.sso_provider
    assert updated.client_secret_set and list(updated.allowed_email_domains) == ["example.com"]
    assert updated.etag != made.etag
    after = await db["sso_providers"].find_one({"_id": provider_id})
    assert before and after and after["client_secret_sealed"] != before["client_secret_sealed"]
    stale = google(name=made.name, etag=made.etag, display_name="Renamed")
    err = await rpc_error(
        sso.UpdateSsoProvider(
            pb.UpdateSsoProviderRequest(sso_provider=stale, update_mask={"paths": ["display_name"]}),
            metadata=as_tenant(unique),
        )
    )
    assert err.code() == grpc.StatusCode.ABORTED
    err = await rpc_error(
        sso.UpdateSsoProvider(
            pb.UpdateSsoProviderRequest(
                sso_provider=google(name=made.name), update_mask={"paths": ["preset"]}
            ),
            metadata=as_tenant(unique),
        )
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "update_mask.paths" in (err.details() or "")


async def test_bad_input_names_the_field(api: Api, sso: Sso, unique: str) -> None:
    await api.register(unique)
    cases = [
        (
            pb.SsoProvider(display_name="x", preset=pb.SSO_PROVIDER_PRESET_GENERIC_OIDC, client_id="c"),
            "issuer_uri",
        ),
        (
            pb.SsoProvider(
                display_name="x",
                preset=pb.SSO_PROVIDER_PRESET_GENERIC_OIDC,
                client_id="c",
                issuer_uri="http://idp.example.net",
            ),
            "issuer_uri",
        ),
        (google(issuer_uri="https://evil.example.net"), "issuer_uri"),
        (google(microsoft_tenant="common"), "microsoft_tenant"),
        (google(auto_provision_role=upb.USER_ROLE_ADMIN), "auto_provision_role"),
        (google(preset=pb.SSO_PROVIDER_PRESET_UNSPECIFIED), "preset"),
        (google(client_secret="short"), "client_secret"),
        (google(display_name=""), "display_name"),
    ]
    for provider, field in cases:
        err = await rpc_error(create(sso, unique, provider))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, err.details())
        assert field in (err.details() or ""), (field, err.details())


async def test_enabling_needs_a_reachable_discovery_document(
    api: Api, sso: Sso, upstream: support.Upstream, reserved: support.Reserved, unique: str
) -> None:
    await api.register(unique)
    unreachable = pb.SsoProvider(
        display_name="Nowhere",
        preset=pb.SSO_PROVIDER_PRESET_GENERIC_OIDC,
        issuer_uri=f"http://127.0.0.1:{reserved.idle_port}/nothing-listens-here",
        client_id="c",
    )
    err = await rpc_error(create(sso, unique, pb.SsoProvider(**{**_fields(unreachable), "enabled": True})))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "discovery" in (err.details() or "")
    made = await create(sso, unique, unreachable)  # disabled: allowed, nothing depends on it yet
    err = await rpc_error(
        sso.SetSsoProviderEnabled(
            pb.SetSsoProviderEnabledRequest(name=made.name, enabled=True), metadata=as_tenant(unique)
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    # A tenant of the upstream server is a reachable issuer.
    await api.register(f"{unique}-up")
    issuer = upstream.issuer(f"{unique}-up")
    fixed = pb.SsoProvider(**{**_fields(unreachable), "name": made.name, "issuer_uri": issuer})
    await sso.UpdateSsoProvider(
        pb.UpdateSsoProviderRequest(sso_provider=fixed, update_mask={"paths": ["issuer_uri"]}),
        metadata=as_tenant(unique),
    )
    enabled = await sso.SetSsoProviderEnabled(
        pb.SetSsoProviderEnabledRequest(name=made.name, enabled=True), metadata=as_tenant(unique)
    )
    assert enabled.sso_provider.enabled and enabled.sso_provider.issuer_uri == issuer


def generic(issuer: str, enabled: bool = False) -> pb.SsoProvider:
    return pb.SsoProvider(
        display_name="Corporate IdP",
        preset=pb.SSO_PROVIDER_PRESET_GENERIC_OIDC,
        issuer_uri=issuer,
        client_id="c",
        enabled=enabled,
    )


async def test_issuers_inside_are_refused_at_create_and_update(
    api: Api, sso: Sso, auth: Running, reserved: support.Reserved, outside: RunningTool, unique: str
) -> None:
    await api.register(unique)
    refused = [
        (f"{auth.deps.settings.public_url}/auth/tenants/{unique}", "platform itself"),  # itself
        (f"http://127.0.0.1:{local_port('auth_http')}/auth/tenants/{unique}", "platform itself"),
        (f"http://127.0.0.1:{outside.port}/idp", "loopback"),
        (f"http://localhost:{outside.port}/idp", "local machine"),
        (f"https://127.1:{outside.port}/idp", "canonical"),
        (f"https://2130706433:{outside.port}/idp", "canonical"),
        (f"http://[::1]:{outside.port}/idp", "loopback"),
        (f"https://[::ffff:127.0.0.1]:{outside.port}/idp", "IPv4-mapped"),
        ("https://169.254.169.254/idp", "link-local"),
        ("https://10.1.2.3/idp", "private"),
        ("https://[fd00::1]/idp", "private"),
        ("https://100.100.100.100/idp", "carrier-grade"),
    ]
    for issuer, words in refused:
        for enabled in (False, True):  # refused whether or not it would be fetched now
            err = await rpc_error(create(sso, unique, generic(issuer, enabled)))
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, issuer
            assert ISSUER in (err.details() or "") and words in (err.details() or ""), err.details()
    made = await create(sso, unique, generic(f"http://127.0.0.1:{reserved.idle_port}/idp"))
    for issuer, _ in refused[:4]:
        err = await rpc_error(
            sso.UpdateSsoProvider(
                pb.UpdateSsoProviderRequest(
                    sso_provider=pb.SsoProvider(name=made.name, issuer_uri=issuer),
                    update_mask={"paths": ["issuer_uri"]},
                ),
                metadata=as_tenant(unique),
            )
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and ISSUER in (err.details() or "")
    got = await sso.GetSsoProvider(pb.GetSsoProviderRequest(name=made.name), metadata=as_tenant(unique))
    assert got.sso_provider.issuer_uri == made.issuer_uri and got.sso_provider.etag == made.etag
    assert outside.tool.log.requests == []


async def test_discovery_that_points_or_redirects_inside_is_refused(
    api: Api, sso: Sso, reserved: support.Reserved, outside: RunningTool, unique: str
) -> None:
    await api.register(unique)
    base = f"http://127.0.0.1:{reserved.provider.port}"
    inside = f"http://127.0.0.1:{outside.port}"

    def document(name: str, **endpoints: str) -> dict[str, object]:
        return {
            "issuer": f"{base}/{name}",
            "authorization_endpoint": f"{base}/{name}/authorize",
            "token_endpoint": f"{base}/{name}/token",
            "jwks_uri": f"{base}/{name}/jwks",
            **endpoints,
        }

    fake = reserved.fake
    fake.documents[f"{unique}-token"] = document(f"{unique}-token", token_endpoint=f"{inside}/token")
    fake.documents[f"{unique}-jwks"] = document(f"{unique}-jwks", jwks_uri=f"http://0x7f.1:{outside.port}/k")
    fake.documents[f"{unique}-moved"] = f"{inside}/.well-known/openid-configuration"
    fake.documents[f"{unique}-fine"] = document(f"{unique}-fine")
    for name, words in (
        (f"{unique}-token", "token_endpoint: the host is a loopback address"),
        (f"{unique}-jwks", "jwks_uri: the host is not a canonical IPv4 address"),
        (f"{unique}-moved", "answered 302"),
    ):
        err = await rpc_error(create(sso, unique, generic(f"{base}/{name}", enabled=True)))
        assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, name
        assert words in (err.details() or ""), err.details()
    fine = await create(sso, unique, generic(f"{base}/{unique}-fine", enabled=True))
    assert fine.enabled  # the control: the same provider with its endpoints outside
    assert outside.tool.log.requests == []


async def test_writes_need_an_administrator(api: Api, sso: Sso, unique: str) -> None:
    await api.register(unique)
    made = await create(sso, unique, google())
    for role in ("TECHNICIAN", "VIEWER"):
        err = await rpc_error(create(sso, unique, google(), roles=role))
        assert err.code() == grpc.StatusCode.PERMISSION_DENIED
        err = await rpc_error(
            sso.GetSsoProvider(pb.GetSsoProviderRequest(name=made.name), metadata=as_tenant(unique, role))
        )
        assert err.code() == grpc.StatusCode.PERMISSION_DENIED  # the configuration is an admin matter
    owner = await create(sso, unique, google(display_name="By the owner"), roles="OWNER")
    assert owner.name


async def test_another_tenants_provider_is_not_found(api: Api, sso: Sso, unique: str) -> None:
    mine, theirs = unique, f"{unique}-b"
    await api.register(mine)
    await api.register(theirs)
    made = await create(sso, theirs, google())
    missing = "ssoProviders/0123456789abcdef"
    as_me = as_tenant(mine)
    for name in (made.name, missing):
        calls = [
            sso.GetSsoProvider(pb.GetSsoProviderRequest(name=name), metadata=as_me),
            sso.UpdateSsoProvider(
                pb.UpdateSsoProviderRequest(
                    sso_provider=google(name=name), update_mask={"paths": ["display_name"]}
                ),
                metadata=as_me,
            ),
            sso.SetSsoProviderEnabled(
                pb.SetSsoProviderEnabledRequest(name=name, enabled=False), metadata=as_me
            ),
            sso.DeleteSsoProvider(pb.DeleteSsoProviderRequest(name=name), metadata=as_me),
        ]
        for call in calls:
            err = await rpc_error(call)
            assert err.code() == grpc.StatusCode.NOT_FOUND
            assert err.details() == f"{name} not found"  # same message: existence is not revealed
    listed = await sso.ListSsoProviders(pb.ListSsoProvidersRequest(), metadata=as_me)
    assert list(listed.sso_providers) == []
    still = await sso.GetSsoProvider(pb.GetSsoProviderRequest(name=made.name), metadata=as_tenant(theirs))
    assert still.sso_provider == made  # untouched by the other tenant's attempts


def test_a_sealed_secret_opens_only_for_its_own_provider() -> None:
    box = SecretBox(KeyVault(SecretStr("test-master-key-not-a-secret")))
    sealed = box.seal(SECRET, tenant_id="acme", provider_id="p1")
    assert SECRET.encode() not in sealed["ciphertext"]
    assert box.open(sealed, tenant_id="acme", provider_id="p1") == SECRET
    for tenant, provider in (("acme", "p2"), ("other", "p1")):
        with pytest.raises(InvalidTag):
            box.open(sealed, tenant_id=tenant, provider_id=provider)
    with pytest.raises(InvalidTag):  # another master key
        SecretBox(KeyVault(SecretStr("another-master-key"))).open(sealed, tenant_id="acme", provider_id="p1")


def _fields(provider: pb.SsoProvider) -> dict[str, Any]:
    return {f.name: v for f, v in provider.ListFields()}
