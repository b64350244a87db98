"""gRPC AccountService. RequestPasswordReset, ConfirmPasswordReset and ConfirmEmailVerification
are public (the email, or the token, is all the caller has); the others act on the caller."""

from __future__ import annotations

from typing import Any

from openframe.auth.v1 import account_pb2 as pb
from openframe.auth.v1 import account_pb2_grpc as pb_grpc
from services.auth.account.service import AccountService
from services.kit.identity import current_identity

SERVICE = pb.DESCRIPTOR.services_by_name["AccountService"].full_name


def _peer_ip(context: Any) -> str:
    """The client address of a direct gRPC call ("ipv4:1.2.3.4:5678"); the edge's for REST."""
    peer = str(context.peer() or "") if context is not None else ""
    kind, _, rest = peer.partition(":")
    return rest.rpartition(":")[0].strip("[]") if kind in ("ipv4", "ipv6") else ""


class AccountServicer(pb_grpc.AccountServiceServicer):
    def __init__(self, service: AccountService, *, trust_forwarded_for: bool) -> None:
        self.service = service
        self.trust_forwarded_for = trust_forwarded_for

    def _ip(self, context: Any) -> str:
        """Behind the edge the last X-Forwarded-For hop (Envoy appends the client), else the peer."""
        return (_forwarded_ip(context) if self.trust_forwarded_for else "") or _peer_ip(context)

    async def RequestPasswordReset(
        self, request: pb.RequestPasswordResetRequest, context: Any
    ) -> pb.RequestPasswordResetResponse:
        ip = self._ip(context)
        await self.service.request_reset(request.tenant.removeprefix("tenants/"), request.email, ip)
        return pb.RequestPasswordResetResponse()

    async def ConfirmPasswordReset(
        self, request: pb.ConfirmPasswordResetRequest, context: Any
    ) -> pb.ConfirmPasswordResetResponse:
        issuer = await self.service.confirm_reset(request.token, request.new_password, self._ip(context))
        return pb.ConfirmPasswordResetResponse(issuer_uri=issuer)

    async def ChangePassword(
        self, request: pb.ChangePasswordRequest, context: Any
    ) -> pb.ChangePasswordResponse:
        await self.service.change_password(current_identity(), request.current_password, request.new_password)
        return pb.ChangePasswordResponse()

    async def RequestEmailVerification(
        self, request: pb.RequestEmailVerificationRequest, context: Any
    ) -> pb.RequestEmailVerificationResponse:
        already = await self.service.request_verification(current_identity())
        return pb.RequestEmailVerificationResponse(already_verified=already)

    async def ConfirmEmailVerification(
        self, request: pb.ConfirmEmailVerificationRequest, context: Any
    ) -> pb.ConfirmEmailVerificationResponse:
        user = await self.service.confirm_verification(request.token, self._ip(context))
        return pb.ConfirmEmailVerificationResponse(user=user.name, email=user.email)


def _forwarded_ip(context: Any) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-forwarded-for" and value:
            return str(value).split(",")[-1].strip()
    return ""
