"""gRPC transport for devices: proto <-> domain, nothing else (input already validated by the
kit's protovalidate interceptor). Reads for any caller of the tenant, writes for ADMIN/OWNER."""

from __future__ import annotations

from collections import Counter
from typing import Any

from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import devices_pb2_grpc as pb_grpc
from services.api.devices.convert import (
    os_from_pb,
    os_to_pb,
    status_from_pb,
    status_to_pb,
    to_pb,
    type_from_pb,
    type_to_pb,
)
from services.api.devices.model import DeviceStatus, DeviceType, OsType, id_from_name
from services.api.devices.repository import DeviceQuery
from services.api.devices.service import DeviceService
from services.api.organizations.repository import OrganizationRepository
from services.kit.identity import current_identity

WRITERS = ("OWNER", "ADMIN")


def writer_tenant() -> str:
    identity = current_identity()
    identity.require_any_role(*WRITERS)
    return identity.tenant_id


class DeviceServicer(pb_grpc.DeviceServiceServicer):
    def __init__(self, service: DeviceService, organizations: OrganizationRepository) -> None:
        self.service = service
        self.organizations = organizations

    async def GetDevice(self, request: pb.GetDeviceRequest, context: Any) -> pb.GetDeviceResponse:
        # "Cache-Control: no-cache" (HTTP semantics; REST callers' headers arrive as metadata):
        # answer from the database, not from the cache
        no_cache = any(
            k == "cache-control" and "no-cache" in str(v).lower()
            for k, v in context.invocation_metadata() or ()
        )
        device = await self.service.get(
            current_identity().tenant_id, id_from_name(request.name), use_cache=not no_cache
        )
        return pb.GetDeviceResponse(device=to_pb(device))

    @staticmethod
    def query_of(request: pb.ListDevicesRequest) -> DeviceQuery:
        order_by, _, direction = (request.order_by or "create_time").partition(" ")
        return DeviceQuery(
            statuses=[status_from_pb(s) for s in request.statuses],
            device_types=[type_from_pb(t) for t in request.device_types],
            os_types=[os_from_pb(o) for o in request.os_types],
            organizations=list(request.organizations),
            tags=[(f.key, list(f.values)) for f in request.tag_filters],
            search=request.search.strip(),
            order_by=order_by,
            descending=direction == "desc",
        )

    async def ListDevices(self, request: pb.ListDevicesRequest, context: Any) -> pb.ListDevicesResponse:
        page = await self.service.find_page(
            current_identity().tenant_id,
            self.query_of(request),
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListDevicesResponse(
            devices=[to_pb(d) for d in page.items], next_page_token=page.next_page_token
        )

    async def UpdateDevice(self, request: pb.UpdateDeviceRequest, context: Any) -> pb.UpdateDeviceResponse:
        tenant = writer_tenant()
        message = request.device
        fields = {
            "display_name": message.display_name,
            "device_type": type_from_pb(message.device_type),
            "organization": message.organization,
            "notes": message.notes,
        }
        device = await self.service.update(
            tenant, id_from_name(message.name), fields, list(request.update_mask.paths), message.etag
        )
        return pb.UpdateDeviceResponse(device=to_pb(device))

    async def SetDeviceNickname(
        self, request: pb.SetDeviceNicknameRequest, context: Any
    ) -> pb.SetDeviceNicknameResponse:
        device = await self.service.set_nickname(
            writer_tenant(), id_from_name(request.name), request.nickname.strip(), request.etag
        )
        return pb.SetDeviceNicknameResponse(device=to_pb(device))

    async def SetDeviceStatus(
        self, request: pb.SetDeviceStatusRequest, context: Any
    ) -> pb.SetDeviceStatusResponse:
        device = await self.service.set_status(
            writer_tenant(),
            id_from_name(request.name),
            status_from_pb(request.status),
            request.reason,
            request.etag,
        )
        return pb.SetDeviceStatusResponse(device=to_pb(device))

    async def GetDeviceFilterOptions(
        self, request: pb.GetDeviceFilterOptionsRequest, context: Any
    ) -> pb.GetDeviceFilterOptionsResponse:
        tenant = current_identity().tenant_id
        options = await self.service.filter_options(tenant, list(request.organizations))
        org_names = {}
        for name in options.organizations:
            org = await self.organizations.get(tenant_id=tenant, org_id=name.removeprefix("organizations/"))
            org_names[name] = org.display_name if org else ""
        return pb.GetDeviceFilterOptionsResponse(
            statuses=[
                pb.DeviceStatusCount(status=status_to_pb(DeviceStatus(k)), count=n)  # type: ignore[arg-type]
                for k, n in sorted(options.statuses.items())
            ],
            device_types=[
                pb.DeviceTypeCount(device_type=type_to_pb(DeviceType(k)), count=n)  # type: ignore[arg-type]
                for k, n in sorted(options.device_types.items())
            ],
            os_types=[
                pb.OsTypeCount(os_type=os_to_pb(OsType(k)), count=n)  # type: ignore[arg-type]
                for k, n in sorted(options.os_types.items())
            ],
            organizations=[
                pb.OrganizationDeviceCount(organization=k, display_name=org_names[k], count=n)
                for k, n in sorted(options.organizations.items())
            ],
            tag_keys=[
                pb.TagKeyDeviceCount(
                    key=key,
                    count=sum(values.values()),
                    values=[pb.TagValueDeviceCount(value=v, count=c) for v, c in _most_used(values)[:50]],
                )
                for key, values in sorted(options.tags.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[
                    :100
                ]
            ],
        )


def _most_used(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
