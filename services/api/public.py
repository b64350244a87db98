"""The public API's devices, organizations and events (``openframe.external.v1``), served here
by the servicers that serve the internal API (services/kit/public_api.py says how)."""

from __future__ import annotations

from typing import Any

from openframe.api.v1 import devices_pb2, events_pb2, organizations_pb2
from openframe.external.v1 import public_api_pb2 as pub
from openframe.external.v1 import public_api_pb2_grpc as pub_grpc
from openframe.external.v1 import public_devices_pb2 as pubdev
from openframe.external.v1 import public_devices_pb2_grpc as pubdev_grpc
from services.api.devices.servicer import DeviceServicer
from services.api.events.servicer import EventServicer
from services.api.organizations.servicer import OrganizationServicer
from services.kit.public_api import delegate


class PublicDeviceServicer(pubdev_grpc.PublicDeviceServiceServicer):
    def __init__(self, devices: DeviceServicer) -> None:
        self.devices = devices

    async def ListDevices(
        self, request: pubdev.ListDevicesRequest, context: Any
    ) -> pubdev.ListDevicesResponse:
        return await delegate(
            "PublicDeviceService/ListDevices",
            self.devices.ListDevices,
            request,
            devices_pb2.ListDevicesRequest,
            pubdev.ListDevicesResponse,
            context,
        )

    async def GetDevice(self, request: pubdev.GetDeviceRequest, context: Any) -> pubdev.GetDeviceResponse:
        return await delegate(
            "PublicDeviceService/GetDevice",
            self.devices.GetDevice,
            request,
            devices_pb2.GetDeviceRequest,
            pubdev.GetDeviceResponse,
            context,
        )

    async def UpdateDevice(
        self, request: pubdev.UpdateDeviceRequest, context: Any
    ) -> pubdev.UpdateDeviceResponse:
        return await delegate(
            "PublicDeviceService/UpdateDevice",
            self.devices.UpdateDevice,
            request,
            devices_pb2.UpdateDeviceRequest,
            pubdev.UpdateDeviceResponse,
            context,
        )

    async def SetDeviceNickname(
        self, request: pubdev.SetDeviceNicknameRequest, context: Any
    ) -> pubdev.SetDeviceNicknameResponse:
        return await delegate(
            "PublicDeviceService/SetDeviceNickname",
            self.devices.SetDeviceNickname,
            request,
            devices_pb2.SetDeviceNicknameRequest,
            pubdev.SetDeviceNicknameResponse,
            context,
        )


class PublicOrganizationServicer(pub_grpc.PublicOrganizationServiceServicer):
    def __init__(self, organizations: OrganizationServicer) -> None:
        self.organizations = organizations

    async def ListOrganizations(
        self, request: pub.ListOrganizationsRequest, context: Any
    ) -> pub.ListOrganizationsResponse:
        return await delegate(
            "PublicOrganizationService/ListOrganizations",
            self.organizations.ListOrganizations,
            request,
            organizations_pb2.ListOrganizationsRequest,
            pub.ListOrganizationsResponse,
            context,
        )

    async def GetOrganization(
        self, request: pub.GetOrganizationRequest, context: Any
    ) -> pub.GetOrganizationResponse:
        return await delegate(
            "PublicOrganizationService/GetOrganization",
            self.organizations.GetOrganization,
            request,
            organizations_pb2.GetOrganizationRequest,
            pub.GetOrganizationResponse,
            context,
        )


class PublicEventServicer(pub_grpc.PublicEventServiceServicer):
    def __init__(self, events: EventServicer) -> None:
        self.events = events

    async def ListEvents(self, request: pub.ListEventsRequest, context: Any) -> pub.ListEventsResponse:
        return await delegate(
            "PublicEventService/ListEvents",
            self.events.ListEvents,
            request,
            events_pb2.ListEventsRequest,
            pub.ListEventsResponse,
            context,
        )

    async def GetEvent(self, request: pub.GetEventRequest, context: Any) -> pub.GetEventResponse:
        return await delegate(
            "PublicEventService/GetEvent",
            self.events.GetEvent,
            request,
            events_pb2.GetEventRequest,
            pub.GetEventResponse,
            context,
        )
