"""FerretDB 1.24 (MongoDB wire protocol) on our PostgreSQL, built from ``infra/go/ferretdb``.

The binary wraps FerretDB's embeddable package (see main.go there for why), so telemetry is
off and no debug HTTP listener exists; its small process state is kept in memory. It is built
with the patches in ``infra/go/ferretdb/patches/`` (atomic single-document writes, unique
indexes answering 11000, index-served queries: docs/decisions/0017-*).
"""

from __future__ import annotations

import struct
from pathlib import Path

from infra.servers.base import Server, request
from infra.servers.postgres import Postgres

OP_MSG = 2013
POOL_CONNECTIONS = 32
GOGC = "400"  # see FerretDB.environment


def bson_ping() -> bytes:
    """``{ping: 1, $db: "admin"}`` as BSON: int32 ping, then string $db."""
    body = b"\x10ping\x00" + struct.pack("<i", 1) + b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00"
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def op_msg(document: bytes, request_id: int = 1) -> bytes:
    """OP_MSG: header (length, requestID, responseTo, opCode), flagBits 0, one kind-0 section."""
    payload = struct.pack("<I", 0) + b"\x00" + document
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, OP_MSG) + payload


def reply_ok(reply: bytes) -> bool:
    """True when ``reply`` is an OP_MSG whose body holds ``ok: 1.0`` (a BSON double)."""
    if len(reply) < 21 or struct.unpack_from("<i", reply, 12)[0] != OP_MSG:
        return False
    return b"\x01ok\x00" + struct.pack("<d", 1.0) in reply[21:]


class FerretDB(Server):
    name = "ferretdb"
    start_timeout = 30

    @property
    def port(self) -> int:
        return self.layout.port("mongo")

    @property
    def binary(self) -> Path:
        return self.layout.built("go", "ferretdb") / "ferretdb"

    def installed(self) -> bool:
        return self.binary.exists()

    def prepare(self) -> None:
        Postgres(self.layout).start()  # its backend (a no-op when running)

    def postgresql_url(self) -> str:
        # Through the unix socket in our state folder (its path marks the process ours); pgx's
        # pool would otherwise hold max(4, CPUs) connections, too few for concurrent clients.
        pg = Postgres(self.layout)
        return f"{pg.url()}?host={pg.socket_dir}&pool_max_conns={POOL_CONNECTIONS}"

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "--listen-addr", self.address,
            "--handler", "postgresql",
            "--postgresql-url", self.postgresql_url(),
            # FerretDB logs every ok:0 reply at WARN as a multi-line dump (PyMongo's
            # endSessions on each close is one), which would flood the log.
            "--log-level", "error",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        # Go's collector runs when the heap doubles (GOGC=100); FerretDB allocates a document's
        # worth per document it reads, and its live heap is ~20 MiB, so collections took a
        # fifth of its CPU on a page of 50 devices. 400: a page 11 -> 9 ms, +10 MiB resident.
        return {**super().environment(), "GOGC": GOGC}

    def code_fingerprint(self) -> str:
        """The built binary's path names its source and patch set (infra/layout.py ``built``),
        so ``up`` restarts a FerretDB built from other patches or run with other flags."""
        return " ".join([*self.command(), f"GOGC={GOGC}"])

    def probe(self) -> bool:
        return reply_ok(request(self.layout.host, self.port, op_msg(bson_ping())))
