"""Apache Kafka 4.x as one combined KRaft node (broker + controller) on Java 17.

The jars come from ``infra/maven/kafka/pom.xml`` (fetched by ``make install``); there is
no Kafka distribution, so we run ``kafka.Kafka`` and ``kafka.tools.StorageTool`` directly.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

from infra.layout import REPO
from infra.servers.base import Server, ServerError, render, request
from infra.servers.jvm import java17

# Fixed so that a wiped data folder is re-formatted into "the same" local cluster.
CLUSTER_ID = "T3BlbkZyYW1lLWxvY2FsMQ"  # base64url("OpenFrame-local1")
JVM_OPTS = (
    "-Xms256m", "-Xmx512m",
    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent", "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)  # fmt: skip


class Kafka(Server):
    name = "kafka"
    start_timeout = 60

    @property
    def port(self) -> int:
        return self.layout.port("kafka")

    @property
    def controller_port(self) -> int:
        return self.layout.port("kafka_controller")

    def ports(self) -> list[int]:
        return [self.port, self.controller_port]

    @property
    def lib(self) -> Path:
        return self.layout.built("maven", "kafka") / "lib"

    @property
    def log_dirs(self) -> Path:
        return self.layout.data(self.name) / "kraft-combined-logs"

    @property
    def config(self) -> Path:
        return self.layout.conf(self.name) / "server.properties"

    @property
    def log4j_config(self) -> Path:
        return self.layout.conf(self.name) / "log4j2.xml"

    def installed(self) -> bool:
        return (self.lib / ".complete").exists()

    def _java(self, main: str, *args: str, opts: tuple[str, ...] = ()) -> list[str]:
        return [
            java17(), *opts, f"-Dlog4j2.configurationFile={self.log4j_config}",
            "-cp", f"{self.lib}/*", main, *args,
        ]  # fmt: skip

    def prepare(self) -> None:
        render(
            REPO / "infra/templates/kafka.server.properties",
            self.config,
            host=self.layout.host,
            port=self.port,
            controller_port=self.controller_port,
            log_dirs=self.log_dirs,
        )
        render(REPO / "infra/templates/kafka.log4j2.xml", self.log4j_config)
        # Format once: the check spares a JVM launch (~2 s) on every later start.
        if (self.log_dirs / "meta.properties").exists():
            return
        argv = self._java(
            "kafka.tools.StorageTool", "format",
            "--cluster-id", CLUSTER_ID, "--config", str(self.config), "--ignore-formatted",
            opts=("-Xmx256m",),
        )  # fmt: skip
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise ServerError(f"kafka: storage format failed:\n{out.stdout}{out.stderr}")

    def command(self) -> list[str]:
        # The config path names the state folder, which is how owned_pid() recognises us.
        return self._java("kafka.Kafka", str(self.config), opts=JVM_OPTS)

    def probe(self) -> bool:
        # Metadata v1 for no topics: the broker answers only once its listener is open,
        # and lists itself only once it is registered and unfenced with the controller.
        client = b"openframe-probe"
        body = struct.pack(">hhih", 3, 1, 7, len(client)) + client + struct.pack(">i", 0)
        resp = request(self.layout.host, self.port, struct.pack(">i", len(body)) + body)
        if len(resp) < 12:
            return False
        _size, correlation, brokers = struct.unpack_from(">iii", resp)  # then the broker array
        return bool(correlation == 7 and brokers >= 1)
