"""Servicers of the public API: check the scope, forward to the owning service, convert back."""

from __future__ import annotations

from typing import Any

import grpc

from openframe.api.v1 import (
    devices_pb2,
    devices_pb2_grpc,
    events_pb2,
    events_pb2_grpc,
    organizations_pb2,
    organizations_pb2_grpc,
)
from openframe.external.v1 import public_api_pb2 as pub
from openframe.external.v1 import public_api_pb2_grpc as pub_grpc
from openframe.external.v1 import public_devices_pb2 as pubdev
from openframe.external.v1 import public_devices_pb2_grpc as pubdev_grpc
from openframe.stream.v1 import logs_pb2, logs_pb2_grpc
from services.external.public.forward import (
    Forwarder,
    NotImplementedYet,
    convert,
    require_scope,
)


class PublicDeviceServicer(pubdev_grpc.PublicDeviceServiceServicer):
    def __init__(self, api: grpc.aio.Channel, forward: Forwarder) -> None:
        self.devices = devices_pb2_grpc.DeviceServiceStub(api)
        self.forward = forward

    async def ListDevices(
        self, request: pubdev.ListDevicesRequest, context: Any
    ) -> pubdev.ListDevicesResponse:
        require_scope("devices:read")
        upstream = convert(request, devices_pb2.ListDevicesRequest)
        return await self.forward.call(
            self.devices.ListDevices, upstream, pubdev.ListDevicesResponse, context
        )

    async def GetDevice(self, request: pubdev.GetDeviceRequest, context: Any) -> pubdev.GetDeviceResponse:
        require_scope("devices:read")
        upstream = convert(request, devices_pb2.GetDeviceRequest)
        return await self.forward.call(self.devices.GetDevice, upstream, pubdev.GetDeviceResponse, context)

    async def UpdateDevice(
        self, request: pubdev.UpdateDeviceRequest, context: Any
    ) -> pubdev.UpdateDeviceResponse:
        require_scope("devices:write")
        upstream = convert(request, devices_pb2.UpdateDeviceRequest)
        return await self.forward.call(
            self.devices.UpdateDevice, upstream, pubdev.UpdateDeviceResponse, context
        )

    async def SetDeviceNickname(
        self, request: pubdev.SetDeviceNicknameRequest, context: Any
    ) -> pubdev.SetDeviceNicknameResponse:
        require_scope("devices:write")
        upstream = convert(request, devices_pb2.SetDeviceNicknameRequest)
        return await self.forward.call(
            self.devices.SetDeviceNickname, upstream, pubdev.SetDeviceNicknameResponse, context
        )


class PublicOrganizationServicer(pub_grpc.PublicOrganizationServiceServicer):
    def __init__(self, api: grpc.aio.Channel, forward: Forwarder) -> None:
        self.orgs = organizations_pb2_grpc.OrganizationServiceStub(api)
        self.forward = forward

    async def ListOrganizations(
        self, request: pub.ListOrganizationsRequest, context: Any
    ) -> pub.ListOrganizationsResponse:
        require_scope("organizations:read")
        upstream = convert(request, organizations_pb2.ListOrganizationsRequest)
        return await self.forward.call(
            self.orgs.ListOrganizations, upstream, pub.ListOrganizationsResponse, context
        )

    async def GetOrganization(
        self, request: pub.GetOrganizationRequest, context: Any
    ) -> pub.GetOrganizationResponse:
        require_scope("organizations:read")
        upstream = convert(request, organizations_pb2.GetOrganizationRequest)
        return await self.forward.call(
            self.orgs.GetOrganization, upstream, pub.GetOrganizationResponse, context
        )


class PublicEventServicer(pub_grpc.PublicEventServiceServicer):
    def __init__(self, api: grpc.aio.Channel, forward: Forwarder) -> None:
        self.events = events_pb2_grpc.EventServiceStub(api)
        self.forward = forward

    async def ListEvents(self, request: pub.ListEventsRequest, context: Any) -> pub.ListEventsResponse:
        require_scope("events:read")
        upstream = convert(request, events_pb2.ListEventsRequest)
        return await self.forward.call(self.events.ListEvents, upstream, pub.ListEventsResponse, context)

    async def GetEvent(self, request: pub.GetEventRequest, context: Any) -> pub.GetEventResponse:
        require_scope("events:read")
        upstream = convert(request, events_pb2.GetEventRequest)
        return await self.forward.call(self.events.GetEvent, upstream, pub.GetEventResponse, context)


#: What a caller sees on a platform that does not run the stream service (the unified log).
LOGS_NOT_DEPLOYED = "the unified log is not available: the stream service is not deployed"


class PublicLogServicer(pub_grpc.PublicLogServiceServicer):
    """Forwards to the stream service's LogService. ``stream`` is None on a platform that does
    not run it (``OPENFRAME_STREAM_DEPLOYED=false``): then, and only then, the answer is
    UNIMPLEMENTED (501); a stream service that is down for a moment is UNAVAILABLE (503,
    retryable), like any other owning service (forward.py)."""

    def __init__(self, stream: grpc.aio.Channel | None, forward: Forwarder) -> None:
        self.logs = logs_pb2_grpc.LogServiceStub(stream) if stream is not None else None
        self.forward = forward

    async def ListLogEntries(
        self, request: pub.ListLogEntriesRequest, context: Any
    ) -> pub.ListLogEntriesResponse:
        require_scope("logs:read")
        logs = self._logs()
        upstream = convert(request, logs_pb2.ListLogEntriesRequest)
        return await self.forward.call(logs.ListLogEntries, upstream, pub.ListLogEntriesResponse, context)

    async def GetLogEntry(self, request: pub.GetLogEntryRequest, context: Any) -> pub.GetLogEntryResponse:
        require_scope("logs:read")
        logs = self._logs()
        upstream = convert(request, logs_pb2.GetLogEntryRequest)
        return await self.forward.call(logs.GetLogEntry, upstream, pub.GetLogEntryResponse, context)

    def _logs(self) -> logs_pb2_grpc.LogServiceStub:
        if self.logs is None:
            raise NotImplementedYet(LOGS_NOT_DEPLOYED)
        return self.logs
