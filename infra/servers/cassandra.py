"""Cassandra 5.0 single node from the Maven Central jars (``infra/maven/cassandra``) on Java 17."""

from __future__ import annotations

from pathlib import Path

from infra.layout import REPO
from infra.servers.base import Server, ServerError, render, request
from infra.servers.jvm import classpath, java17

# What conf/jvm17-server.options opens up for Cassandra 5.0 (jamm, netty, off-heap, JMX internals).
JVM17_MODULE_FLAGS = [
    *[
        f"--add-exports={m}=ALL-UNNAMED"
        for m in (
            "java.base/jdk.internal.misc",
            "java.base/jdk.internal.ref",
            "java.base/sun.nio.ch",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi",
            "java.rmi/sun.rmi.registry",
            "java.rmi/sun.rmi.server",
            "java.sql/java.sql",
            "java.base/java.lang.ref",
            "jdk.unsupported/sun.misc",
            "jdk.compiler/com.sun.tools.javac.file",
            "jdk.attach/sun.tools.attach",
        )
    ],
    *[
        f"--add-opens={m}=ALL-UNNAMED"
        for m in (
            "java.base/java.lang.module",
            "java.base/jdk.internal.loader",
            "java.base/jdk.internal.ref",
            "java.base/jdk.internal.reflect",
            "java.base/jdk.internal.math",
            "java.base/jdk.internal.module",
            "java.base/jdk.internal.util.jar",
            "jdk.management/com.sun.management.internal",
            "java.base/sun.nio.ch",
            "java.base/java.io",
            "java.base/java.lang.reflect",
            "jdk.compiler/com.sun.tools.javac",
            "java.base/java.lang",
            "java.base/java.util",
            "java.base/java.util.concurrent",
            "java.base/java.util.concurrent.atomic",
            "java.base/java.nio",
            "java.base/java.math",
            "java.base/java.net",
        )
    ],
]

# CQL native protocol v4 OPTIONS: version 0x04, flags 0, stream 0, opcode 0x05, empty body.
CQL_OPTIONS = bytes([0x04, 0, 0, 0, 0x05, 0, 0, 0, 0])
CQL_RESPONSE_V4 = 0x84
CQL_SUPPORTED = 0x06


class Cassandra(Server):
    name = "cassandra"
    start_timeout = 180  # a cold JVM plus schema setup on a 2-core machine
    stop_timeout = 60  # SIGTERM drains (flushes memtables) before exiting

    @property
    def port(self) -> int:
        return self.layout.port("cassandra")

    @property
    def storage_port(self) -> int:
        return self.layout.port("cassandra_storage")

    def ports(self) -> list[int]:
        return [self.port, self.storage_port]

    @property
    def lib(self) -> Path:
        return self.layout.built("maven", "cassandra") / "lib"

    def installed(self) -> bool:
        return (self.lib / ".complete").exists()

    @property
    def config(self) -> Path:
        return self.layout.conf(self.name) / "cassandra.yaml"

    @property
    def logback(self) -> Path:
        return self.layout.conf(self.name) / "logback.xml"

    def prepare(self) -> None:
        render(
            REPO / "infra/templates/cassandra.yaml",
            self.config,
            host=self.layout.host,
            native_port=self.port,
            storage_port=self.storage_port,
            data=self.layout.data(self.name),
        )
        render(REPO / "infra/templates/cassandra.logback.xml", self.logback)

    def command(self) -> list[str]:
        jamm = next(iter(sorted(self.lib.glob("jamm-*.jar"))), None)
        if jamm is None:
            raise ServerError(f"cassandra: no jamm jar in {self.lib}; re-run `make install`")
        return [
            java17(),
            # Cassandra mlockall()s its memory at start (it succeeds as root), so whatever heap is
            # committed then stays resident: start small and let the heap grow towards -Xmx.
            "-Xms256m", "-Xmx4g", "-Xss512k",
            "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled", "-XX:MaxGCPauseMillis=300",
            "-XX:+PerfDisableSharedMem",  # no hsperfdata file in /tmp
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.net.preferIPv4Stack=true",
            "-Djdk.attach.allowAttachSelf=true",
            "-Dio.netty.tryReflectionSetAccessible=true",
            *JVM17_MODULE_FLAGS,
            f"-javaagent:{jamm}",  # object sizes for memtable accounting
            # The config path names the state folder: Server.owned_pid() relies on it.
            f"-Dcassandra.config={self.config.as_uri()}",
            f"-Dlogback.configurationFile={self.logback}",
            f"-Dcassandra.storagedir={self.layout.data(self.name)}",
            f"-Dcassandra.logdir={self.layout.log(self.name).parent}",
            "-Dcassandra-foreground=yes",  # otherwise the daemon closes stdout, our log
            # No JMX at all: without cassandra.jmx.local.port the daemon starts no connector
            # (one startup WARN says so); only the CQL and storage ports are bound. No nodetool.
            # A lone seed with no peers: skip the waits meant for a multi-node ring.
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",
            "-Dcassandra.ring_delay_ms=1000",
            "-Dcassandra.superuser_setup_delay_ms=0",
            "-cp", classpath(self.lib),
            "org.apache.cassandra.service.CassandraDaemon",
        ]  # fmt: skip

    def probe(self) -> bool:
        # The native port opens last in startup; a SUPPORTED answer means CQL is served.
        resp = request(self.layout.host, self.port, CQL_OPTIONS)
        return len(resp) >= 9 and resp[0] == CQL_RESPONSE_V4 and resp[4] == CQL_SUPPORTED
