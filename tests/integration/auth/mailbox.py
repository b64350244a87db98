"""A real SMTP server for the auth tests (aiosmtpd in a thread): the auth service sends to it
over SMTP, tests read what arrived and follow the links, like a user reading their inbox."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LINK = re.compile(r"(https?://\S+[?&]token=[A-Za-z0-9_\-]+)")


class Mailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def start(self, port: int) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    async def wait(self, address: str, subject: str = "", count: int = 1, within: float = 15) -> EmailMessage:
        """The ``count``-th message to ``address`` whose subject contains ``subject``."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = [m for m in self.to(address) if subject.lower() in str(m["Subject"]).lower()]
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count}. mail {subject!r} to {address} within {within}s")


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    found = LINK.search(body(message))
    assert found, f"no link in the mail {message['Subject']!r}"
    return found.group(1)


def token_of(link: str) -> str:
    return link.rsplit("token=", 1)[1]
