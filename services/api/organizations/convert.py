"""Organization domain -> proto (used by the servicer and by the events the repository records)."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from openframe.api.v1 import organizations_pb2 as pb
from services.api.organizations.model import Organization, Status

STATUS_TO_PB = {
    Status.ACTIVE: pb.ORGANIZATION_STATUS_ACTIVE,
    Status.ARCHIVED: pb.ORGANIZATION_STATUS_ARCHIVED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def to_pb(org: Organization) -> pb.Organization:
    return pb.Organization(
        name=org.name,
        display_name=org.display_name,
        category=org.category,
        employee_count=org.employee_count,
        website_url=org.website_url,
        contact_email=org.contact_email,
        notes=org.notes,
        status=STATUS_TO_PB[org.status],
        is_default=org.is_default,
        create_time=_ts(org.create_time),
        update_time=_ts(org.update_time),
        etag=org.etag,
    )


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
