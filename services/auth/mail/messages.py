"""The texts of the emails the auth service sends (plain text: no tracking, no remote images).
Each carries one single-use link; nothing else in them is secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str


def _when(expires: datetime) -> str:
    return expires.strftime("%Y-%m-%d %H:%M UTC")


def invitation(
    *, tenant_name: str, inviter: str, role: str, link: str, expires: datetime, message: str = ""
) -> Mail:
    note = f"\nTheir message:\n\n{message}\n" if message else ""
    return Mail(
        f"You are invited to {tenant_name} on OpenFrame",
        f"{inviter or 'An administrator'} invited you to join {tenant_name} on OpenFrame as {role}.\n"
        f"{note}\nAccept the invitation and choose your password:\n\n{link}\n\n"
        f"The link works once and expires on {_when(expires)}.\n"
        "If you did not expect this invitation, ignore this email.\n",
    )


def password_reset(*, tenant_name: str, link: str, expires: datetime) -> Mail:
    return Mail(
        f"Reset your {tenant_name} password",
        f"Someone asked to reset the password of your {tenant_name} account on OpenFrame.\n\n"
        f"Choose a new password here:\n\n{link}\n\n"
        f"The link works once and expires on {_when(expires)}.\n"
        "If you did not ask for this, ignore this email: your password stays as it is.\n",
    )


def email_verification(*, tenant_name: str, link: str, expires: datetime) -> Mail:
    return Mail(
        f"Confirm your email address for {tenant_name}",
        f"Confirm that this address belongs to your {tenant_name} account on OpenFrame:\n\n"
        f"{link}\n\nThe link works once and expires on {_when(expires)}.\n",
    )


def set_password(*, tenant_name: str, link: str, expires: datetime) -> Mail:
    return Mail(
        f"Your {tenant_name} account: choose a password",
        f"An administrator created your {tenant_name} account on OpenFrame.\n\n"
        f"Choose your password here:\n\n{link}\n\n"
        f"The link works once and expires on {_when(expires)}.\n",
    )
