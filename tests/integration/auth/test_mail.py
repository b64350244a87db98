"""The SMTP sender against real servers: the local catcher of `infra up` writes what it receives
to .state/mail/ (what a developer opens to follow a link); an unreachable mail server is a clear
UNAVAILABLE, never a stack trace."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest

from infra.layout import Layout
from infra.servers.smtp import Smtp
from services.auth.mail.sender import Mailer, MailError
from services.auth.settings import AuthSettings
from tests.integration.auth.conftest import free_port


async def test_the_local_catcher_writes_eml_files(layout: Layout, unique: str) -> None:
    catcher = Smtp(layout)
    catcher.start()  # a no-op when `infra up` runs it already
    mailer = Mailer(AuthSettings(environment="test", smtp_port=layout.port("smtp")))
    link = f"http://127.0.0.1/auth/tenants/{unique}/email/verify?token={'x' * 43}"
    await mailer.send(f"dev@{unique}.test", "Catcher check", f"Follow {link}\n")
    deadline = time.monotonic() + 10
    found: list[str] = []
    while not found and time.monotonic() < deadline:
        found = [p.read_text() for p in catcher.maildir.glob("*.eml") if unique in p.read_text()]
        await asyncio.sleep(0.1)
    assert found, "the catcher wrote no .eml for the message"
    assert f"To: dev@{unique}.test" in found[0] and link in found[0]  # the link is whole (7bit)


async def test_unreachable_mail_server_is_unavailable() -> None:
    mailer = Mailer(AuthSettings(environment="test", smtp_port=free_port(), smtp_timeout_seconds=2))
    with pytest.raises(MailError) as err:
        await mailer.send("someone@example.test", "Nobody listens", "text")
    assert err.value.code == grpc.StatusCode.UNAVAILABLE and "could not be sent" in str(err.value)
