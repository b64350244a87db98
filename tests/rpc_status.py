"""Read google.rpc details out of a failed gRPC call (what clients of our API do)."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2


def details(err: grpc.aio.AioRpcError) -> status_pb2.Status:
    raw = dict(err.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw, f"no google.rpc details on {err.code()}: {err.details()}"
    return status_pb2.Status.FromString(raw)  # type: ignore[arg-type]


def field_violations(err: grpc.aio.AioRpcError) -> dict[str, str]:
    for detail in details(err).details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            return {v.field: v.description for v in bad.field_violations}
    return {}


def reason(err: grpc.aio.AioRpcError) -> str:
    for detail in details(err).details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return ""
