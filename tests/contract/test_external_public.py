"""The public API's contracts, checked without servers: the public messages are wire-compatible
named subsets of the internal ones (the external service converts field by field), every public RPC
has a scope, and the edge's rendering puts ext_authz where it belongs — after the token checks,
before rate limiting, enabled on the public API's routes only."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor

from infra.layout import Layout
from infra.servers.envoy import edge, local_options
from openframe.api.v1 import devices_pb2, events_pb2, organizations_pb2
from openframe.external.v1 import public_api_pb2, public_devices_pb2, tools_pb2
from openframe.stream.v1 import logs_pb2
from services.external.authz import scopes

#: (public message, the internal message it is converted to or from)
PAIRS: list[tuple[Any, Any]] = [
    (public_devices_pb2.ListDevicesRequest, devices_pb2.ListDevicesRequest),
    (public_devices_pb2.ListDevicesResponse, devices_pb2.ListDevicesResponse),
    (public_devices_pb2.GetDeviceRequest, devices_pb2.GetDeviceRequest),
    (public_devices_pb2.GetDeviceResponse, devices_pb2.GetDeviceResponse),
    (public_devices_pb2.UpdateDeviceRequest, devices_pb2.UpdateDeviceRequest),
    (public_devices_pb2.UpdateDeviceResponse, devices_pb2.UpdateDeviceResponse),
    (public_devices_pb2.SetDeviceNicknameRequest, devices_pb2.SetDeviceNicknameRequest),
    (public_devices_pb2.SetDeviceNicknameResponse, devices_pb2.SetDeviceNicknameResponse),
    (public_api_pb2.ListOrganizationsRequest, organizations_pb2.ListOrganizationsRequest),
    (public_api_pb2.ListOrganizationsResponse, organizations_pb2.ListOrganizationsResponse),
    (public_api_pb2.GetOrganizationRequest, organizations_pb2.GetOrganizationRequest),
    (public_api_pb2.GetOrganizationResponse, organizations_pb2.GetOrganizationResponse),
    (public_api_pb2.ListEventsRequest, events_pb2.ListEventsRequest),
    (public_api_pb2.ListEventsResponse, events_pb2.ListEventsResponse),
    (public_api_pb2.GetEventRequest, events_pb2.GetEventRequest),
    (public_api_pb2.GetEventResponse, events_pb2.GetEventResponse),
    (public_api_pb2.ListLogEntriesRequest, logs_pb2.ListLogEntriesRequest),
    (public_api_pb2.ListLogEntriesResponse, logs_pb2.ListLogEntriesResponse),
    (public_api_pb2.GetLogEntryRequest, logs_pb2.GetLogEntryRequest),
    (public_api_pb2.GetLogEntryResponse, logs_pb2.GetLogEntryResponse),
]


def _shape(descriptor: Descriptor) -> dict[str, tuple[int, bool, str, str]]:
    return {
        f.name: (
            f.type,
            f.is_repeated,
            f.message_type.full_name if f.message_type else "",
            f.enum_type.full_name if f.enum_type else "",
        )
        for f in descriptor.fields
    }


@pytest.mark.parametrize(("public", "internal"), PAIRS, ids=[str(p.DESCRIPTOR.full_name) for p, _ in PAIRS])
def test_public_messages_are_named_subsets_of_the_internal_ones(public: Any, internal: Any) -> None:
    """Every public field exists in the internal message with the same name and type (the
    external service converts field by field, by name)."""
    theirs = _shape(internal.DESCRIPTOR)
    for name, field in _shape(public.DESCRIPTOR).items():
        assert theirs.get(name) == field, f"{public.DESCRIPTOR.full_name}.{name}"


def test_every_public_rpc_needs_a_scope_and_management_needs_none() -> None:
    public = {
        f"{s.name}/{m.name}"
        for module in (public_api_pb2, public_devices_pb2)
        for s in module.DESCRIPTOR.services_by_name.values()
        for m in s.methods
    }
    assert public <= set(scopes.RPC_SCOPES)
    tools = {
        f"IntegratedToolService/{m.name}"
        for m in tools_pb2.DESCRIPTOR.services_by_name["IntegratedToolService"].methods
    }
    tool_reads = {r for r in scopes.RPC_SCOPES if r.startswith("IntegratedToolService/")}
    assert tool_reads == {
        "IntegratedToolService/ListIntegratedTools",
        "IntegratedToolService/GetIntegratedTool",
    }
    assert tool_reads <= tools  # the registry's writes stay with users (ADMIN/OWNER), never keys
    # reads need :read, writes :write; keys never reach key management or usage
    assert scopes.required_scope("GET", "/external-api/v1/devices?pageSize=5") == "devices:read"
    assert scopes.required_scope("PATCH", "/external-api/v1/devices/abc") == "devices:write"
    assert scopes.required_scope("POST", "/external-api/v1/devices/abc:setNickname") == "devices:write"
    assert scopes.required_scope("POST", "/external-api/v1/devices:search") == "devices:read"
    assert scopes.required_scope("DELETE", "/external-api/v1/tools/t1/proxy/api/v1/hosts") == "tools:proxy"
    assert (
        scopes.required_scope("POST", "/openframe.external.v1.PublicDeviceService/UpdateDevice")
        == "devices:write"
    )
    for method, path in [
        ("GET", "/external-api/v1/apiKeys"),
        ("POST", "/external-api/v1/apiKeys"),
        ("GET", "/external-api/v1/usage"),
        ("POST", "/openframe.external.v1.ApiKeyService/VerifyApiKey"),
        ("POST", "/external-api/v1/tools"),
        ("DELETE", "/external-api/v1/tools/t1"),
    ]:
        assert scopes.required_scope(method, path) is None, path


def _rendered() -> dict[str, Any]:
    return edge.build(local_options(Layout.from_env()))


def _hcm(config: dict[str, Any]) -> dict[str, Any]:
    manager: dict[str, Any] = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    return dict(manager["typed_config"])


def test_ext_authz_sits_between_the_token_checks_and_the_rate_limiter() -> None:
    names = [f["name"] for f in _hcm(_rendered())["http_filters"]]
    ext = names.index("envoy.filters.http.ext_authz")
    assert names.index("envoy.filters.http.jwt_authn") < names.index("envoy.filters.http.rbac") < ext
    if "envoy.filters.http.ratelimit" in names:
        assert ext < names.index("envoy.filters.http.ratelimit")
    assert ext < names.index("envoy.filters.http.router")
    ext_authz = next(
        f for f in _hcm(_rendered())["http_filters"] if f["name"] == "envoy.filters.http.ext_authz"
    )
    assert ext_authz["disabled"] is True  # on only where a route switches it on
    config = ext_authz["typed_config"]
    assert config["failure_mode_allow"] is False
    assert config["metadata_context_namespaces"] == ["envoy.filters.http.jwt_authn"]


def test_ext_authz_is_switched_on_for_the_public_api_routes_only() -> None:
    routes = _hcm(_rendered())["route_config"]["virtual_hosts"][0]["routes"]
    on = set()
    for route in routes:
        entry = route.get("typed_per_filter_config", {}).get("envoy.filters.http.ext_authz")
        if entry is not None and not entry.get("disabled", False):
            on.add(route["name"])
    assert {"rest:external:api-key", "grpc:external:api-key", "grpc:external:read:api-key"} <= on
    assert all(name.endswith(":api-key") and "external" in name for name in on), on


def test_public_api_routes_split_by_credential() -> None:
    """With ``X-API-Key``: ext_authz on, a token optional. Without: a token required, no ext_authz
    call (the rate limiter reads the verified token), so bearer callers pay for no key check."""
    routes = {r["name"]: r for r in _hcm(_rendered())["route_config"]["virtual_hosts"][0]["routes"]}
    names = list(routes)
    for name in ("rest:external", "grpc:external", "grpc:external:read", "http:external_http:pattern"):
        keyed, plain = routes[f"{name}:api-key"], routes[name]
        assert names.index(f"{name}:api-key") < names.index(name)  # the narrower match first
        assert {"name": "x-api-key", "present_match": True} in keyed["match"]["headers"]
        assert "x-api-key" not in str(plain["match"])
        per_route = plain.get("typed_per_filter_config", {})
        assert "envoy.filters.http.ext_authz" not in per_route  # the filter's default: disabled
        assert "envoy.filters.http.jwt_authn" not in per_route  # the default rule: token required
        jwt = keyed["typed_per_filter_config"]["envoy.filters.http.jwt_authn"]
        assert jwt["requirement_name"]  # optional: the key authenticates


def test_usage_is_streamed_for_api_key_requests_only() -> None:
    loggers = _hcm(_rendered())["access_log"]
    grpc_log = next(a for a in loggers if a["name"] == "envoy.access_loggers.http_grpc")
    matcher = grpc_log["filter"]["metadata_filter"]["matcher"]
    assert matcher["filter"] == "envoy.filters.http.ext_authz"
    assert matcher["path"] == [{"key": "api_key_id"}]
    assert (
        grpc_log["typed_config"]["common_config"]["grpc_service"]["envoy_grpc"]["cluster_name"] == "external"
    )
