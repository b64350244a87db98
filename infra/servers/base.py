"""A locally managed server process: start once, probe for readiness, stop by pid.

Ownership rule: we only ever signal a pid that we recorded *and* whose command line
still names our state folder. A recycled pid, or a server someone else started on the
same port, is never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.layout import Layout


class ServerError(RuntimeError):
    """A server could not be installed, started or stopped; the message says why."""


@dataclass
class Status:
    name: str
    state: str  # running | stopped | stale (pid file left by a dead process)
    address: str
    pid: int | None = None
    rss_mib: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Server(ABC):
    """One infrastructure server. Subclasses say how to prepare, launch and probe it."""

    name: str = ""
    #: seconds to wait for readiness after launch
    start_timeout: float = 60.0
    #: seconds between SIGTERM and SIGKILL on stop
    stop_timeout: float = 30.0

    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    # -- what subclasses provide -------------------------------------------------
    @property
    @abstractmethod
    def port(self) -> int:
        """The main client port (the one the readiness probe talks to)."""

    @abstractmethod
    def command(self) -> list[str]:
        """The argv that runs the server in the foreground."""

    @abstractmethod
    def probe(self) -> bool:
        """True once the server answers a real protocol request (not just a TCP accept)."""

    def prepare(self) -> None:  # noqa: B027 - optional hook, most servers need none
        """Write configs, format storage, ... Must be idempotent."""

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def ports(self) -> list[int]:
        """Every port the server binds; checked for collisions before start."""
        return [self.port]

    def installed(self) -> bool:
        """Whether the binaries/jars this server needs are present."""
        return True

    def code_fingerprint(self) -> str | None:
        """A value that changes when the server's code changes (None: never restart for that)."""
        return None

    @property
    def address(self) -> str:
        return f"{self.layout.host}:{self.port}"

    @property
    def group(self) -> str:
        """What a NAME given to ``up``/``down``/``status`` selects: this server, or with the
        service's name every replica of a service."""
        return self.name

    # -- lifecycle -----------------------------------------------------------------
    @property
    def pidfile(self) -> Path:
        return self.layout.pidfile(self.name)

    def owned_pid(self) -> int | None:
        """The pid of our running server, or None. Never trusts a pid blindly."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return None
        if stat.split(")")[-1].split()[0] == "Z":  # zombie: exited, not yet reaped
            return None
        return pid if str(self.layout.state) in cmdline else None

    def status(self) -> Status:
        pid = self.owned_pid()
        if pid is None:
            state = "stale" if self.pidfile.exists() else "stopped"
            return Status(self.name, state, self.address)
        return Status(self.name, "running", self.address, pid, rss_mib(pid))

    @property
    def fingerprint_file(self) -> Path:
        return self.pidfile.with_suffix(".code")

    def start(self) -> bool:
        """Start unless already running (with unchanged code). True when it launched a process.

        Serialised per server by a lock file: two test runs (or ``make run`` and a test run)
        starting at once must not both launch it."""
        self.pidfile.parent.mkdir(parents=True, exist_ok=True)
        with self.pidfile.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._start()

    def _start(self) -> bool:
        fingerprint = self.code_fingerprint()
        if self.owned_pid() is not None:
            recorded = self.fingerprint_file.read_text() if self.fingerprint_file.exists() else None
            if fingerprint == recorded:
                return False
            self.stop()  # running an older version of our code: replace it
        if not self.installed():
            raise ServerError(f"{self.name}: not installed; run `make install` first")
        busy = [p for p in self.ports() if port_in_use(self.layout.host, p)]
        if busy:
            raise ServerError(
                f"{self.name}: port(s) {busy} on {self.layout.host} are taken by a process we did "
                "not start; choose another block with OPENFRAME_PORT_BASE"
            )
        for d in (self.pidfile.parent, self.layout.log(self.name).parent, self.layout.data(self.name)):
            d.mkdir(parents=True, exist_ok=True)
        self.prepare()
        log = self.layout.log(self.name).open("ab")
        proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.environment(),
            cwd=self.layout.data(self.name),
            start_new_session=True,  # survives the shell that ran `make run`
        )
        self.pidfile.write_text(str(proc.pid))
        self._wait_ready(proc)
        if fingerprint is not None:
            self.fingerprint_file.write_text(fingerprint)
        return True

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(
                    f"{self.name}: exited with code {proc.returncode} during start; "
                    f"last log lines:\n{tail(self.layout.log(self.name))}"
                )
            if self.probe():
                return
            time.sleep(0.25)
        raise ServerError(
            f"{self.name}: not ready after {self.start_timeout:.0f}s; last log lines:\n"
            f"{tail(self.layout.log(self.name))}"
        )

    def stop(self) -> bool:
        """Stop our process (SIGTERM, then SIGKILL). Returns True when it stopped one."""
        pid = self.owned_pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline and self.owned_pid() == pid:
            time.sleep(0.1)
        if self.owned_pid() == pid:
            # the whole group we started (start_new_session): a supervisor's workers too
            os.killpg(pid, signal.SIGKILL) if os.getpgid(pid) == pid else os.kill(pid, signal.SIGKILL)
            while self.owned_pid() == pid:
                time.sleep(0.1)
        with contextlib.suppress(ChildProcessError):  # reap it if this process launched it
            os.waitpid(pid, os.WNOHANG)
        self.pidfile.unlink(missing_ok=True)
        return True


# -- helpers shared by the servers ----------------------------------------------------
def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except FileNotFoundError:
        return None
    return None


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def request(host: str, port: int, payload: bytes, timeout: float = 1.0, size: int = 65536) -> bytes:
    """Send one request and read one response chunk; b'' when the server is not answering."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(payload)
            return s.recv(size)
    except OSError:
        return b""


def render(template: Path, target: Path, **values: object) -> None:
    """Fill a ``{name}`` template from infra/templates; write only when content changed."""
    text = template.read_text().format(**values)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
