"""Invitation ↔ proto (never the token)."""

from __future__ import annotations

from openframe.auth.v1 import invitations_pb2 as pb
from openframe.common.v1 import common_pb2
from services.auth.common import ts
from services.auth.invitations.model import Invitation, InvitationStatus
from services.auth.users.convert import ROLE_TO_PB

STATUS_TO_PB = {
    InvitationStatus.PENDING: pb.INVITATION_STATUS_PENDING,
    InvitationStatus.ACCEPTED: pb.INVITATION_STATUS_ACCEPTED,
    InvitationStatus.REVOKED: pb.INVITATION_STATUS_REVOKED,
    InvitationStatus.EXPIRED: pb.INVITATION_STATUS_EXPIRED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def to_pb(invitation: Invitation) -> pb.Invitation:
    return pb.Invitation(
        name=invitation.name,
        email=invitation.email,
        role=ROLE_TO_PB[invitation.role],
        message=invitation.message,
        status=STATUS_TO_PB[invitation.effective_status],
        inviter=common_pb2.Actor(
            type=common_pb2.ACTOR_TYPE_USER, id=invitation.inviter_id, display_name=invitation.inviter_name
        ),
        expire_time=ts(invitation.expire_time),
        send_count=invitation.send_count,
        last_send_time=ts(invitation.last_send_time),
        user=f"users/{invitation.user_id}" if invitation.user_id else "",
        accept_time=ts(invitation.accept_time),
        create_time=ts(invitation.create_time),
        etag=invitation.etag,
    )
