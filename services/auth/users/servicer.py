"""gRPC UserService: proto ↔ domain. Reads need any role in the tenant; "users/me" is the caller."""

from __future__ import annotations

from typing import Any

from openframe.auth.v1 import users_pb2 as pb
from openframe.auth.v1 import users_pb2_grpc as pb_grpc
from services.auth.users.convert import ROLE_FROM_PB, STATUS_FROM_PB, to_pb
from services.auth.users.model import MUTABLE_FIELDS, id_from_name
from services.auth.users.service import UserService
from services.kit.identity import Identity, current_identity


def _user_id(name: str, who: Identity) -> str:
    user_id = id_from_name(name)
    return who.subject if user_id == "me" else user_id


class UserServicer(pb_grpc.UserServiceServicer):
    def __init__(self, service: UserService) -> None:
        self.service = service

    async def CreateUser(self, request: pb.CreateUserRequest, context: Any) -> pb.CreateUserResponse:
        fields = {f: getattr(request.user, f) for f in MUTABLE_FIELDS}
        user = await self.service.create(
            current_identity(), fields, ROLE_FROM_PB.get(request.user.role), request.password
        )
        return pb.CreateUserResponse(user=to_pb(user))

    async def GetUser(self, request: pb.GetUserRequest, context: Any) -> pb.GetUserResponse:
        who = current_identity()
        return pb.GetUserResponse(
            user=to_pb(await self.service.get(who.tenant_id, _user_id(request.name, who)))
        )

    async def ListUsers(self, request: pb.ListUsersRequest, context: Any) -> pb.ListUsersResponse:
        users, token = await self.service.find_page(
            current_identity().tenant_id,
            roles=[ROLE_FROM_PB[r] for r in request.roles],
            status=STATUS_FROM_PB.get(request.status),
            search=request.search,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListUsersResponse(users=[to_pb(u) for u in users], next_page_token=token)

    async def UpdateUser(self, request: pb.UpdateUserRequest, context: Any) -> pb.UpdateUserResponse:
        who = current_identity()
        fields = {f: getattr(request.user, f) for f in MUTABLE_FIELDS}
        user = await self.service.update(
            who, _user_id(request.user.name, who), fields, list(request.update_mask.paths), request.user.etag
        )
        return pb.UpdateUserResponse(user=to_pb(user))

    async def DeleteUser(self, request: pb.DeleteUserRequest, context: Any) -> pb.DeleteUserResponse:
        who = current_identity()
        await self.service.delete(who, _user_id(request.name, who), request.etag)
        return pb.DeleteUserResponse()

    async def SetUserRole(self, request: pb.SetUserRoleRequest, context: Any) -> pb.SetUserRoleResponse:
        who = current_identity()
        user = await self.service.set_role(
            who, _user_id(request.name, who), ROLE_FROM_PB[request.role], request.etag
        )
        return pb.SetUserRoleResponse(user=to_pb(user))

    async def TransferOwnership(
        self, request: pb.TransferOwnershipRequest, context: Any
    ) -> pb.TransferOwnershipResponse:
        who = current_identity()
        new_owner, previous = await self.service.transfer_ownership(who, _user_id(request.name, who))
        return pb.TransferOwnershipResponse(new_owner=to_pb(new_owner), previous_owner=to_pb(previous))

    async def DisableUser(self, request: pb.DisableUserRequest, context: Any) -> pb.DisableUserResponse:
        who = current_identity()
        user = await self.service.set_enabled(who, _user_id(request.name, who), False, request.etag)
        return pb.DisableUserResponse(user=to_pb(user))

    async def EnableUser(self, request: pb.EnableUserRequest, context: Any) -> pb.EnableUserResponse:
        who = current_identity()
        user = await self.service.set_enabled(who, _user_id(request.name, who), True, request.etag)
        return pb.EnableUserResponse(user=to_pb(user))
