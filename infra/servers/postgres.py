"""PostgreSQL 15 from the Debian package, run as our own cluster in the state folder.

FerretDB's backend (see ferretdb.py). ``initdb`` runs once into the data dir; the server listens
on 127.0.0.1 only, at our port, with its unix socket in the state folder too. Loopback and the
socket are trusted (like our Redis and NATS, nothing else can reach them). Commits are durable
when acknowledged (fsync, synchronous commit); the rest is sized for a small dev box.

PostgreSQL refuses to run as root: when we are root, the cluster belongs to and runs as the
unprivileged ``postgres`` user that the Debian package creates. Where that user may not enter
the state folder (it sits below a directory only root may enter, as pytest's temporary folders
do), the server also gets the capability to search directories (CAP_DAC_READ_SEARCH).
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import signal
import struct
import subprocess
from pathlib import Path

from infra.servers.base import Server, ServerError, Status, request

BIN = Path("/usr/lib/postgresql/15/bin")
USER = "openframe"  # the cluster's superuser, the one FerretDB connects as
DATABASE = "postgres"  # created by initdb; FerretDB keeps one schema per MongoDB database in it
RUN_AS = "postgres"  # the Debian package's system user, used when we are root

SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # durable once acknowledged: every commit waits for its WAL flush (many concurrent
    # commits share one flush)
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    # a dev box: fewer checkpoints, SSD costs, no JIT for short queries. The buffer pool holds
    # the hot pages of a million-device tenant (its table is ~3.8 GB): at 128 MB a search that
    # sorts 2,000 matches read each of their heap pages through the kernel on every query
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "15min",
    "random_page_cost": "1.1",
    "jit": "off",
    # short queries on 2 shared cores: parallel workers cost more to start than they save
    "max_parallel_workers_per_gather": "0",
    "max_connections": "100",
    # quiet: to our log file (stderr), only what stops a session or the server; a client's
    # failed statement (a duplicate key, say) is the client's answer, not a server problem
    "logging_collector": "off",
    "log_min_messages": "fatal",
    "log_min_error_statement": "panic",
    "log_line_prefix": "%m [%p] ",
}


class Postgres(Server):
    name = "postgres"
    start_timeout = 60

    @property
    def port(self) -> int:
        return self.layout.port("postgres")

    @property
    def socket_dir(self) -> Path:
        return self.layout.state / "run" / self.name

    def url(self) -> str:
        """What FerretDB connects with (loopback, trusted: no password to leak)."""
        return f"postgres://{USER}@{self.layout.host}:{self.port}/{DATABASE}"

    def installed(self) -> bool:
        return (BIN / "postgres").exists()

    def _as_owner(self) -> list[str]:
        """Prefix that runs a command as the cluster's owner (empty unless we are root)."""
        if os.geteuid() != 0:
            return []
        setpriv = shutil.which("setpriv") or "setpriv"
        argv = [setpriv, f"--reuid={RUN_AS}", f"--regid={RUN_AS}", "--init-groups"]
        if not enterable(self.layout.state, pwd.getpwnam(RUN_AS)):
            argv += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
        return argv

    def prepare(self) -> None:
        data = self.layout.data(self.name)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam(RUN_AS)
            for d in (data, self.socket_dir):
                os.chown(d, owner.pw_uid, owner.pw_gid)
        if (data / "PG_VERSION").exists():
            return
        # C collation: strings sort by their bytes, as MongoDB compares them.
        argv = [
            *self._as_owner(), str(BIN / "initdb"),
            "--pgdata", str(data), "--username", USER,
            "--auth", "trust", "--encoding", "UTF8", "--locale", "C",
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, cwd=data, check=False)
        if done.returncode != 0:
            raise ServerError(f"{self.name}: initdb failed:\n{(done.stdout + done.stderr)[-2000:]}")

    def command(self) -> list[str]:
        # -D names the data dir inside our state folder: that marks the process ours.
        settings = {**SETTINGS, "port": str(self.port), "unix_socket_directories": str(self.socket_dir)}
        flags = [arg for k, v in settings.items() for arg in ("-c", f"{k}={v}")]
        return [*self._as_owner(), str(BIN / "postgres"), "-D", str(self.layout.data(self.name)), *flags]

    def code_fingerprint(self) -> str:
        """Changed settings restart the server."""
        return hashlib.sha256("\0".join(self.command()).encode()).hexdigest()[:16]

    def _start(self) -> bool:
        launched = super()._start()
        if launched:
            self.analyze_tables_without_statistics()
        return launched

    def analyze_tables_without_statistics(self) -> None:
        """ANALYZE every table that holds rows but has no planner statistics (of its own or of
        one of its expression indexes).

        PostgreSQL forgets its activity counters after an unclean stop (a crash, a killed
        machine), and autovacuum decides what to analyze from those counters: a table filled
        before the crash and never analyzed would then stay without statistics until a tenth of
        it changes again, and the planner, guessing, picks a bitmap scan and a sort over a whole
        tenant instead of the index that gives the page in order (seen: 0.8 s instead of 10 ms
        for the first page of 100k devices: no statistics of ``tenant_id`` in the index, so
        the planner took the tenant for 0.5 % of the table). Tables that have statistics are
        left alone."""
        find = (
            "SELECT format('ANALYZE %I.%I;', n.nspname, c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND c.reltuples > 0 "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND (NOT EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = c.oid) "
            # an expression index (every FerretDB index) has statistics of its own
            "OR EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indexprs IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = i.indexrelid)))"
        )
        psql = [
            *self._as_owner(), str(BIN / "psql"), "--no-psqlrc", "--quiet", "--tuples-only",
            "--no-align", "--host", str(self.socket_dir), "--port", str(self.port),
            "--username", USER, DATABASE,
        ]  # fmt: skip
        cwd = self.layout.data(self.name)
        found = subprocess.run([*psql, "-c", find], capture_output=True, text=True, cwd=cwd, check=False)
        statements = found.stdout.strip()
        if found.returncode == 0 and statements:
            subprocess.run([*psql, "-c", statements], capture_output=True, cwd=cwd, check=False)

    def probe(self) -> bool:
        # A startup message answered by AuthenticationOk ('R', length 8, code 0): the server
        # accepts sessions (while it starts or recovers it answers an error instead).
        reply = request(self.layout.host, self.port, startup_message(USER, DATABASE) + TERMINATE)
        return reply.startswith(b"R" + struct.pack("!ii", 8, 0))

    def stop(self) -> bool:
        # SIGINT is PostgreSQL's fast shutdown (clients are disconnected, then a checkpoint);
        # the SIGTERM that follows from the base class would alone wait for every client to leave.
        pid = self.owned_pid()
        if pid is not None:
            os.kill(pid, signal.SIGINT)
        return super().stop()

    def status(self) -> Status:
        """The whole cluster's memory: postmaster and backends, shared pages counted once (PSS)."""
        status = super().status()
        if status.pid is not None:
            pids = [status.pid, *children(status.pid)]
            status.rss_mib = round(sum(pss_kib(p) for p in pids) / 1024, 1)
            status.extra = {"processes": len(pids), "memory": "PSS of the postmaster and its children"}
        return status


TERMINATE = b"X" + struct.pack("!i", 4)


def startup_message(user: str, database: str) -> bytes:
    """Protocol 3.0 StartupMessage: length, version 196608, then key/value pairs."""
    body = struct.pack("!i", 196608) + f"user\0{user}\0database\0{database}\0\0".encode()
    return struct.pack("!i", len(body) + 4) + body


def enterable(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether ``user`` may search every directory from / down to ``path``."""
    groups = {user.pw_gid, *(g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem)}
    for d in [*reversed(path.parents), path]:
        if not d.exists():
            break
        st = d.stat()
        bit = 0o100 if st.st_uid == user.pw_uid else 0o010 if st.st_gid in groups else 0o001
        if not st.st_mode & bit:
            return False
    return True


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0
