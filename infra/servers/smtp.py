"""A local SMTP catcher: accepts every message and writes it as ``.eml`` to ``.state/mail/``.

The auth service sends invitations, password resets and verification links over real SMTP;
locally they go here, so a developer opens the newest file to follow a link. Run from .venv
(``aiosmtpd``, a dev dependency, like our Python services); the class below stays stdlib-only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

from infra.layout import REPO
from infra.servers.base import Server, request


class Smtp(Server):
    name = "smtp"
    start_timeout = 20
    stop_timeout = 5

    @property
    def port(self) -> int:
        return self.layout.port("smtp")

    @property
    def maildir(self) -> Path:
        return self.layout.state / "mail"

    def installed(self) -> bool:
        return self.layout.venv_bin("python").exists()

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(REPO)}

    def command(self) -> list[str]:
        # The maildir argument names our state folder: how ownership of the process is recognised.
        return [
            str(self.layout.venv_bin("python")),
            "-c", "from infra.servers.smtp import main; main()",
            "--host", self.layout.host,
            "--port", str(self.port),
            "--maildir", str(self.maildir),
        ]  # fmt: skip

    def probe(self) -> bool:
        return request(self.layout.host, self.port, b"").startswith(b"220")


def _serve(host: str, port: int, maildir: Path) -> None:
    from aiosmtpd.controller import Controller  # .venv only: infra itself stays stdlib-only

    maildir.mkdir(parents=True, exist_ok=True)

    class WriteEml:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            name = f"{time.time_ns()}-{os.getpid()}.eml"
            partial = maildir / f".{name}.part"
            partial.write_bytes(envelope.original_content or envelope.content)
            partial.rename(maildir / name)  # readers never see half a message
            return "250 Message accepted for delivery"

    controller = Controller(WriteEml(), hostname=host, port=port)
    controller.start()
    print(f"smtp catcher on {host}:{port}, writing to {maildir}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
        loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()
    _serve(args.host, args.port, args.maildir)


if __name__ == "__main__":
    main()
