"""Tenant ↔ proto."""

from __future__ import annotations

from openframe.auth.v1 import tenants_pb2 as pb
from services.auth.common import ts
from services.auth.tenants.model import Tenant, TenantStatus

STATUS_TO_PB = {
    TenantStatus.PROVISIONING: pb.TENANT_STATUS_UNSPECIFIED,
    TenantStatus.ACTIVE: pb.TENANT_STATUS_ACTIVE,
    TenantStatus.SUSPENDED: pb.TENANT_STATUS_SUSPENDED,
    TenantStatus.DELETED: pb.TENANT_STATUS_DELETED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items() if k is not TenantStatus.PROVISIONING}


def to_pb(tenant: Tenant, issuer: str) -> pb.Tenant:
    return pb.Tenant(
        name=tenant.name,
        display_name=tenant.display_name,
        email_domains=tenant.email_domains,
        status=STATUS_TO_PB[tenant.status],
        status_reason=tenant.status_reason,
        owner=f"users/{tenant.owner_id}" if tenant.owner_id else "",
        issuer_uri=issuer,
        create_time=ts(tenant.create_time),
        update_time=ts(tenant.update_time),
        etag=tenant.etag,
    )
