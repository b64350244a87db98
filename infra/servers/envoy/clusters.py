"""Upstream clusters: one per service role, HTTP/2 declared explicitly for the gRPC ones; every
replica of the service is an endpoint, checked actively and ejected on failures (docs/replicas.md)."""

from __future__ import annotations

from typing import Any

from infra.servers.envoy.filters import typed
from infra.servers.envoy.options import EdgeOptions
from infra.servers.envoy.services import Cluster

Json = dict[str, Any]

#: Per cluster and priority. Sized for one edge in front of a few Python workers: far above
#: what they can serve, so the breakers only trip when a service is truly stuck.
CIRCUIT_BREAKERS: Json = {
    "thresholds": [
        {
            "priority": "DEFAULT",
            "max_connections": 1024,
            "max_pending_requests": 1024,
            "max_requests": 4096,
            # retries may add at most 20% load (at least 10 in flight), instead of a fixed count
            "retry_budget": {"budget_percent": {"value": 20.0}, "min_retry_concurrency": 10},
            "track_remaining": True,
        }
    ]
}
#: Eject a host that fails (5xx / gateway errors, gRPC UNAVAILABLE counts as 503) 5 times in a
#: row, for 30 s and growing; never more than half of the hosts, and with a single host
#: (local runs) nothing is ejected, so a restarted service is usable at once.
OUTLIER_DETECTION: Json = {
    "consecutive_5xx": 5,
    "consecutive_gateway_failure": 5,
    "enforcing_consecutive_gateway_failure": 100,
    "interval": "10s",
    "base_ejection_time": "30s",
    "max_ejection_time": "300s",
    "max_ejection_percent": 50,
}

#: For an upstream that relays other servers' errors (the tool proxy answers 502/503/504 when a
#: tool is down): only its own connection failures count, or one tenant's broken tool would
#: eject the proxy for everyone.
RELAY_OUTLIER_DETECTION: Json = {
    "split_external_local_origin_errors": True,
    "consecutive_local_origin_failure": 5,
    "enforcing_consecutive_local_origin_failure": 100,
    "enforcing_consecutive_5xx": 0,
    "enforcing_consecutive_gateway_failure": 0,
    "enforcing_success_rate": 0,
    "enforcing_local_origin_success_rate": 0,
    "interval": "10s",
    "base_ejection_time": "30s",
    "max_ejection_time": "300s",
    "max_ejection_percent": 50,
}


#: Path of the HTTP ports' health check. Any answer under 500 (their own 404 today) shows the
#: process's HTTP server is serving; the gRPC check of the same process covers the rest.
HTTP_HEALTH_PATH = "/healthz"


def health_check(protocol: str) -> Json:
    """Each host asked every 2 s (gRPC ``grpc.health.v1.Health/Check`` of the whole server,
    NOT_SERVING from the moment a replica begins to stop; or an HTTP GET): 2 failures take it out
    of the balancing, 1 success brings it back. A cluster whose every host fails still sends to
    them all (Envoy's panic threshold), so a lone replica that restarts is used at once."""
    check: Json = {
        "timeout": "1s",
        "interval": "2s",
        "no_traffic_interval": "5s",
        "unhealthy_threshold": 2,
        "healthy_threshold": 1,
    }
    if protocol == "grpc":
        return {**check, "grpc_health_check": {}}
    statuses = [{"start": 200, "end": 500}]
    return {**check, "http_health_check": {"path": HTTP_HEALTH_PATH, "expected_statuses": statuses}}


#: Requests in flight per upstream HTTP/2 connection (docs/edge.md "Upstreams").
UPSTREAM_STREAMS_PER_CONNECTION = 2


def _protocol_options(protocol: str) -> Json:
    if protocol == "grpc":
        explicit: Json = {
            "http2_protocol_options": {
                # keep idle HTTP/2 connections alive and find dead ones without waiting for TCP
                "connection_keepalive": {"interval": "30s", "timeout": "5s"},
                # A service's worker processes share its port (SO_REUSEPORT: the kernel spreads
                # connections, not streams), so streams are spread over several connections:
                # a new one opens past this many in flight on each.
                "max_concurrent_streams": UPSTREAM_STREAMS_PER_CONNECTION,
            }
        }
    else:
        explicit = {"http_protocol_options": {}}
    return {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": typed(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            common_http_protocol_options={"idle_timeout": "300s"},
            explicit_http_config=explicit,
        )
    }


def cluster(spec: Cluster, options: EdgeOptions) -> Json:
    endpoints = [
        {"endpoint": {"address": {"socket_address": {"address": address.host, "port_value": address.port}}}}
        for address in options.endpoints(spec.name)
    ]
    config: Json = {
        "name": spec.name,
        "type": "STRICT_DNS" if options.dns else "STATIC",
        "connect_timeout": f"{options.connect_timeout_s:g}s",
        "lb_policy": "ROUND_ROBIN",
        "load_assignment": {"cluster_name": spec.name, "endpoints": [{"lb_endpoints": endpoints}]},
        "typed_extension_protocol_options": _protocol_options(spec.protocol),
        "circuit_breakers": CIRCUIT_BREAKERS,
        "outlier_detection": RELAY_OUTLIER_DETECTION if spec.relays_errors else OUTLIER_DETECTION,
        "health_checks": [health_check(spec.protocol)],
    }
    if options.dns:  # every replica behind the compose service name, re-resolved as they come and go
        config["dns_lookup_family"] = "V4_ONLY"
    return config


def clusters(specs: list[Cluster], options: EdgeOptions) -> list[Json]:
    return [cluster(spec, options) for spec in specs] + list(options.extra_clusters)
