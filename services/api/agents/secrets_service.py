"""Registration secret rules: shown once, stored as a digest, rotation with an overlap window,
revocation at once, expiry by time or number of uses; and the check registration makes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openframe.events.v1 import agent_events_pb2 as ev
from services.api.agents.secrets_convert import to_pb
from services.api.agents.secrets_model import (
    ParsedSecret,
    RegistrationSecret,
    SecretStatus,
    digest,
    new_secret,
    parse_secret,
)
from services.api.agents.secrets_repository import SecretRepository
from services.api.organizations.model import id_from_name as org_id_from_name
from services.api.organizations.repository import OrganizationRepository
from services.kit.errors import EtagMismatch, FailedPrecondition, InvalidArgument, NotFound, Unauthenticated
from services.kit.mongo import now
from services.kit.pagination import decode_token, encode_token, page_size
from services.kit.resources import new_etag

DEFAULT_OVERLAP = timedelta(hours=24)
INVALID = "invalid registration secret"


@dataclass(frozen=True)
class Issued:
    """A secret record and the secret itself (returned once)."""

    record: RegistrationSecret
    secret: str


class SecretService:
    def __init__(self, repo: SecretRepository, organizations: OrganizationRepository) -> None:
        self.repo = repo
        self.organizations = organizations

    async def create(self, tenant_id: str, fields: dict[str, Any], actor: str) -> Issued:
        if fields.get("organization"):
            org = await self.organizations.get(
                tenant_id=tenant_id, org_id=org_id_from_name(fields["organization"])
            )
            if org is None:  # another tenant's organization looks exactly like a missing one
                raise InvalidArgument.field(
                    "registration_secret.organization", f"{fields['organization']} not found"
                )
        secret_id = secrets.token_hex(12)
        secret, random_part = new_secret(tenant_id, secret_id)
        t = now()
        record = RegistrationSecret(
            id=secret_id,
            tenant_id=tenant_id,
            display_name=fields["display_name"],
            organization=fields.get("organization", ""),
            expire_time=fields.get("expire_time"),
            max_uses=fields.get("max_uses", 0),
            secret_digest=digest(random_part),
            secret_hint=secret[-4:],
            creator={"type": "ACTOR_TYPE_USER", "id": actor},
            create_time=t,
            etag=new_etag(),
            version=1,
        )
        await self.repo.insert(record, lambda r: ev.RegistrationSecretCreated(registration_secret=to_pb(r)))
        return Issued(record, secret)

    async def get(self, tenant_id: str, secret_id: str) -> RegistrationSecret:
        record = await self.repo.get(tenant_id=tenant_id, secret_id=secret_id)
        if record is None:
            raise NotFound(f"registrationSecrets/{secret_id}")
        return record

    async def find_page(
        self, tenant_id: str, *, status: SecretStatus | None, size: int, token: str
    ) -> tuple[list[RegistrationSecret], str]:
        position = decode_token(token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        limit, at, items = page_size(size), now(), []
        # status is derived (expiry), so filter here; stop early once a page is full
        while True:
            rows = await self.repo.find_page(tenant_id=tenant_id, after=after, limit=limit + 1)
            for row in rows:
                if status is None or row.effective_status(at) is status:
                    items.append(row)
            if len(rows) <= limit or len(items) > limit:
                break
            last = rows[-1]
            after = (last.create_time, last.id) if last.create_time else None
        page, more = items[:limit], len(items) > limit
        last_item = page[-1] if page else None
        if more and last_item and last_item.create_time:
            return page, encode_token({"t": last_item.create_time.isoformat(), "id": last_item.id})
        return page, ""

    async def rotate(self, tenant_id: str, secret_id: str, overlap: timedelta | None, etag: str) -> Issued:
        secret, random_part = new_secret(tenant_id, secret_id)
        window = DEFAULT_OVERLAP if overlap is None else overlap

        def decide(current: RegistrationSecret) -> dict[str, Any]:
            _check_etag(current, etag)
            if current.status is SecretStatus.REVOKED:
                raise FailedPrecondition(f"registrationSecrets/{secret_id} is revoked; create a new one")
            t = now()
            return {
                "secret_digest": digest(random_part),
                "secret_hint": secret[-4:],
                "previous_secret_digest": current.secret_digest if window else "",
                "previous_secret_expire_time": t + window if window else None,
                "rotate_time": t,
            }

        record = await self.repo.change(
            tenant_id=tenant_id,
            secret_id=secret_id,
            decide=decide,
            event=lambda r: ev.RegistrationSecretRotated(registration_secret=to_pb(r)),
        )
        if record is None:
            raise NotFound(f"registrationSecrets/{secret_id}")
        return Issued(record, secret)

    async def revoke(self, tenant_id: str, secret_id: str, etag: str) -> RegistrationSecret:
        def decide(current: RegistrationSecret) -> dict[str, Any] | None:
            _check_etag(current, etag)
            if current.status is SecretStatus.REVOKED:
                return None  # revoking twice changes nothing
            return {"status": SecretStatus.REVOKED, "revoke_time": now(), "previous_secret_digest": ""}

        record = await self.repo.change(
            tenant_id=tenant_id,
            secret_id=secret_id,
            decide=decide,
            event=lambda r: ev.RegistrationSecretRevoked(registration_secret=to_pb(r)),
        )
        if record is None:
            raise NotFound(f"registrationSecrets/{secret_id}")
        return record

    async def use(self, secret: str) -> RegistrationSecret:
        """The record a registering agent's secret belongs to, counting the use; UNAUTHENTICATED
        for anything else. Unknown secrets get one message: no oracle for ids or tenants."""
        parsed = parse_secret(secret)
        if parsed is None:
            raise Unauthenticated(INVALID)
        current = await self._usable(parsed)
        if not current.max_uses:  # no limit to keep: counted without a write of its own
            return self.repo.record_use(current, now())
        record = await self.repo.count_use(current, digest(parsed.random_part), now())
        if record is None:  # changed meanwhile (another agent took the last use, a revocation)
            await self._usable(parsed)  # says why
            raise Unauthenticated(INVALID)
        return record

    async def _usable(self, parsed: ParsedSecret) -> RegistrationSecret:
        """The record if it accepts the secret now; UNAUTHENTICATED otherwise (with the reason
        only for the holder of the right secret)."""
        record = await self.repo.get(tenant_id=parsed.tenant_id, secret_id=parsed.secret_id, with_uses=False)
        at = now()
        if record is None or not record.accepts(parsed.random_part, at):
            raise Unauthenticated(INVALID)
        status = record.effective_status(at)
        if status is not SecretStatus.ACTIVE:
            raise Unauthenticated(f"the registration secret is {status.value.lower()}")
        return record


def _check_etag(current: RegistrationSecret, etag: str) -> None:
    if etag and etag != current.etag:
        raise EtagMismatch(f"registrationSecrets/{current.id}")
