"""User ↔ proto (never the password hash)."""

from __future__ import annotations

from openframe.auth.v1 import users_pb2 as pb
from services.auth.common import ts
from services.auth.users.model import Role, User, UserStatus

ROLE_TO_PB = {
    Role.OWNER: pb.USER_ROLE_OWNER,
    Role.ADMIN: pb.USER_ROLE_ADMIN,
    Role.TECHNICIAN: pb.USER_ROLE_TECHNICIAN,
    Role.VIEWER: pb.USER_ROLE_VIEWER,
}
ROLE_FROM_PB = {v: k for k, v in ROLE_TO_PB.items()}
STATUS_TO_PB = {
    UserStatus.ACTIVE: pb.USER_STATUS_ACTIVE,
    UserStatus.DISABLED: pb.USER_STATUS_DISABLED,
    UserStatus.PENDING: pb.USER_STATUS_PENDING,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def to_pb(user: User) -> pb.User:
    return pb.User(
        name=user.name,
        email=user.email,
        display_name=user.display_name,
        given_name=user.given_name,
        family_name=user.family_name,
        role=ROLE_TO_PB[user.role],
        status=STATUS_TO_PB[user.status],
        email_verified=user.email_verified,
        has_password=user.has_password,
        time_zone=user.time_zone,
        last_login_time=ts(user.last_login_time),
        create_time=ts(user.create_time),
        update_time=ts(user.update_time),
        etag=user.etag,
    )
