"""The public API's log entries (``openframe.external.v1.PublicLogService``), served here by the
servicer of the internal LogService (services/kit/public_api.py says how)."""

from __future__ import annotations

from typing import Any

from openframe.external.v1 import public_api_pb2 as pub
from openframe.external.v1 import public_api_pb2_grpc as pub_grpc
from openframe.stream.v1 import logs_pb2
from services.kit.public_api import delegate
from services.stream.servicer import LogServicer


class PublicLogServicer(pub_grpc.PublicLogServiceServicer):
    def __init__(self, logs: LogServicer) -> None:
        self.logs = logs

    async def ListLogEntries(
        self, request: pub.ListLogEntriesRequest, context: Any
    ) -> pub.ListLogEntriesResponse:
        return await delegate(
            "PublicLogService/ListLogEntries",
            self.logs.ListLogEntries,
            request,
            logs_pb2.ListLogEntriesRequest,
            pub.ListLogEntriesResponse,
            context,
        )

    async def GetLogEntry(self, request: pub.GetLogEntryRequest, context: Any) -> pub.GetLogEntryResponse:
        return await delegate(
            "PublicLogService/GetLogEntry",
            self.logs.GetLogEntry,
            request,
            logs_pb2.GetLogEntryRequest,
            pub.GetLogEntryResponse,
            context,
        )
