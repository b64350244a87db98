"""Sending email over SMTP (aiosmtplib: asyncio-native, so a slow mail server never blocks the
loop that also signs tokens). One connection per message: the volume is a few messages per
user lifetime (invitation, reset, verification), not worth a pool."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from services.auth.settings import AuthSettings
from services.kit.errors import Unavailable
from services.kit.logging import get_logger

log = get_logger(__name__)


class MailError(Unavailable):
    """The mail server refused or could not be reached (the caller may retry)."""


class Mailer:
    def __init__(self, settings: AuthSettings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.sender = settings.smtp_from
        self.security = settings.smtp_security
        self.username = settings.smtp_username
        self.password = settings.smtp_password.get_secret_value()
        self.timeout = settings.smtp_timeout_seconds

    async def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="openframe")
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to these
        # 7bit when possible: links stay whole in the raw message (quoted-printable would break
        # them across "=" soft line breaks for anyone reading the .eml by hand).
        message.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                username=self.username or None,
                password=self.password or None,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Never the message itself in the log: it carries a single-use link.
            log.warning("mail not sent", smtp=f"{self.host}:{self.port}", error=type(exc).__name__)
            raise MailError("the email could not be sent; try again later") from None
