"""gRPC transport for tags: proto <-> domain (reads for the tenant, writes for ADMIN/OWNER)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from openframe.api.v1 import tags_pb2 as pb
from openframe.api.v1 import tags_pb2_grpc as pb_grpc
from openframe.events.v1 import tag_events_pb2 as ev
from services.api.devices.model import Tag, id_from_name
from services.api.devices.servicer import writer_tenant
from services.api.tags.service import TagService
from services.kit.identity import current_identity
from services.kit.mongo import Document
from services.kit.pagination import decode_token, encode_token, page_size


def _entity(value: int) -> str:
    return pb.TagEntityType.Name(value).removeprefix("TAG_ENTITY_TYPE_")


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def to_pb(doc: Document) -> pb.TagKey:
    return pb.TagKey(
        name=f"tagKeys/{doc['_id']}",
        key=doc["key"],
        entity_type=f"TAG_ENTITY_TYPE_{doc['entity_type']}",
        description=doc.get("description", ""),
        color=doc.get("color", ""),
        allowed_values=[pb.TagValue(**v) for v in doc.get("allowed_values") or []],
        restrict_values=doc.get("restrict_values", False),
        usage_count=doc.get("usage_count", 0),
        create_time=_ts(doc.get("create_time")),
        update_time=_ts(doc.get("update_time")),
        etag=doc["etag"],
    )


def _fields(message: pb.TagKey) -> Document:
    return {
        "description": message.description,
        "color": message.color,
        "allowed_values": [
            {"value": v.value, "color": v.color, "description": v.description} for v in message.allowed_values
        ],
        "restrict_values": message.restrict_values,
    }


def _tags_reply(device: Any) -> tuple[list[pb.Tag], str]:
    return [pb.Tag(key=t.key, value=t.value) for t in device.tags], device.etag


class TagServicer(pb_grpc.TagServiceServicer):
    def __init__(self, service: TagService) -> None:
        self.service = service

    async def CreateTagKey(self, request: pb.CreateTagKeyRequest, context: Any) -> pb.CreateTagKeyResponse:
        tenant = writer_tenant()
        key = request.tag_key
        fields = {"key": key.key, "entity_type": _entity(key.entity_type), **_fields(key)}
        doc = await self.service.create(tenant, fields, lambda d: ev.TagKeyCreated(tag_key=to_pb(d)))
        return pb.CreateTagKeyResponse(tag_key=to_pb(doc))

    async def GetTagKey(self, request: pb.GetTagKeyRequest, context: Any) -> pb.GetTagKeyResponse:
        doc = await self.service.get(current_identity().tenant_id, request.name.removeprefix("tagKeys/"))
        return pb.GetTagKeyResponse(tag_key=to_pb(doc))

    async def ListTagKeys(self, request: pb.ListTagKeysRequest, context: Any) -> pb.ListTagKeysResponse:
        # Tag keys per tenant are few (a vocabulary, not data): sorted in memory, cursor = last key.
        position = decode_token(request.page_token, keys={"k", "id"})
        entity = _entity(request.entity_type) if request.entity_type else None
        docs = await self.service.list_keys(current_identity().tenant_id, entity, request.search)
        if position:
            docs = [d for d in docs if (d["key"].lower(), d["_id"]) > (position["k"], position["id"])]
        limit = page_size(request.page_size)
        items = docs[:limit]
        token = (
            encode_token({"k": items[-1]["key"].lower(), "id": items[-1]["_id"]}) if len(docs) > limit else ""
        )
        return pb.ListTagKeysResponse(tag_keys=[to_pb(d) for d in items], next_page_token=token)

    async def UpdateTagKey(self, request: pb.UpdateTagKeyRequest, context: Any) -> pb.UpdateTagKeyResponse:
        tenant = writer_tenant()
        mask = list(request.update_mask.paths)
        doc = await self.service.update(
            tenant,
            request.tag_key.name.removeprefix("tagKeys/"),
            _fields(request.tag_key),
            mask,
            request.tag_key.etag,
            lambda d: ev.TagKeyUpdated(tag_key=to_pb(d), update_mask=FieldMask(paths=sorted(mask))),
        )
        return pb.UpdateTagKeyResponse(tag_key=to_pb(doc))

    async def DeleteTagKey(self, request: pb.DeleteTagKeyRequest, context: Any) -> pb.DeleteTagKeyResponse:
        tenant = writer_tenant()
        count = await self.service.delete(
            tenant,
            request.name.removeprefix("tagKeys/"),
            request.etag,
            request.force,
            lambda d, n: ev.TagKeyDeleted(tag_key=to_pb(d), unassigned_count=n),
        )
        return pb.DeleteTagKeyResponse(unassigned_count=count)

    async def AssignTags(self, request: pb.AssignTagsRequest, context: Any) -> pb.AssignTagsResponse:
        device = await self.service.assign(
            writer_tenant(),
            id_from_name(request.entity),
            [Tag(t.key, t.value) for t in request.tags],
            request.etag,
        )
        tags, etag = _tags_reply(device)
        return pb.AssignTagsResponse(tags=tags, etag=etag)

    async def UnassignTags(self, request: pb.UnassignTagsRequest, context: Any) -> pb.UnassignTagsResponse:
        device = await self.service.unassign(
            writer_tenant(), id_from_name(request.entity), list(request.keys), request.etag
        )
        tags, etag = _tags_reply(device)
        return pb.UnassignTagsResponse(tags=tags, etag=etag)

    async def SuggestTagKeys(
        self, request: pb.SuggestTagKeysRequest, context: Any
    ) -> pb.SuggestTagKeysResponse:
        found = await self.service.suggest_keys(
            current_identity().tenant_id, _entity(request.entity_type), request.prefix, request.limit
        )
        return pb.SuggestTagKeysResponse(
            suggestions=[
                pb.TagKeySuggestion(key=s.value, tag_key=s.name, color=s.color, usage_count=s.usage_count)
                for s in found
            ]
        )

    async def SuggestTagValues(
        self, request: pb.SuggestTagValuesRequest, context: Any
    ) -> pb.SuggestTagValuesResponse:
        found = await self.service.suggest_values(
            current_identity().tenant_id,
            _entity(request.entity_type),
            request.key,
            request.prefix,
            request.limit,
        )
        return pb.SuggestTagValuesResponse(
            suggestions=[
                pb.TagValueSuggestion(
                    value=s.value, color=s.color, allowed=s.defined, usage_count=s.usage_count
                )
                for s in found
            ]
        )
