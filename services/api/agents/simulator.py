"""Agent simulator: registers N agents through the real RegisterAgent RPC, gets their tokens at
the tenant's token endpoint, heartbeats over NATS at a chosen rate, answers commands; any
subset can be stopped. Used by the tests, the benchmark and people:

    python -m services.api.agents.simulator register --secret ofrs.… --count 100 --out agents.jsonl
    python -m services.api.agents.simulator run --agents agents.jsonl --interval 5 --duration 60

The credentials file holds client secrets: keep it private (it is what an installed agent keeps).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import grpc
import httpx
import nats
import typer
from google.protobuf.timestamp_pb2 import Timestamp
from nats.aio.client import Client as Nats
from nats.aio.msg import Msg

from openframe.agents.v1 import agents_pb2, agents_pb2_grpc, commands_pb2
from openframe.api.v1 import devices_pb2
from services.api.agents import subjects
from services.kit.config import local_port

AGENT_VERSION = "sim-1.0.0"
#: Attempts per registration or token request: a service restarting (30 s at most) is waited for.
RETRIES = 10


def backoff(attempt: int) -> float:
    return float(min(0.25 * 2**attempt, 5.0))


@dataclass
class SimulatedAgent:
    machine_id: str
    tenant_id: str
    client_id: str
    client_secret: str
    token_endpoint: str
    token: str = ""

    @property
    def device(self) -> str:
        return f"devices/{self.machine_id}"

    def subject(self, verb: str) -> str:
        return subjects.subject(self.tenant_id, self.machine_id, verb)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def inventory(hostname: str) -> agents_pb2.DeviceInventory:
    return agents_pb2.DeviceInventory(
        hostname=hostname,
        os_type=devices_pb2.OS_TYPE_LINUX,
        os_version="6.1",
        device_type=devices_pb2.DEVICE_TYPE_VIRTUAL_MACHINE,
        architecture="amd64",
        agent_version=AGENT_VERSION,
    )


async def register_agents(
    target: str,
    secret: str,
    count: int,
    *,
    concurrency: int = 32,
    prefix: str = "sim",
    fingerprints: bool = False,
) -> list[SimulatedAgent]:
    """Register ``count`` agents concurrently through the real RPC (retrying UNAVAILABLE)."""
    limit = asyncio.Semaphore(concurrency)
    async with grpc.aio.insecure_channel(target) as channel:
        stub = agents_pb2_grpc.AgentServiceStub(channel)

        async def one(i: int) -> SimulatedAgent:
            request = agents_pb2.RegisterAgentRequest(
                registration_secret=secret,
                inventory=inventory(f"{prefix}-{i}"),
                machine_fingerprint=f"{prefix}-{i}" if fingerprints else "",
            )
            async with limit:
                for attempt in range(RETRIES):
                    try:
                        reply = await stub.RegisterAgent(request, timeout=30)
                        break
                    except grpc.aio.AioRpcError as exc:
                        if exc.code() != grpc.StatusCode.UNAVAILABLE or attempt == RETRIES - 1:
                            raise
                        await asyncio.sleep(backoff(attempt))
            return SimulatedAgent(
                reply.machine_id, reply.tenant_id, reply.client_id, reply.client_secret, reply.token_endpoint
            )

        return list(await asyncio.gather(*(one(i) for i in range(count))))


async def fetch_tokens(agents: Iterable[SimulatedAgent], *, concurrency: int = 16) -> None:
    """Client-credentials grant at each agent's token endpoint (the tenant's issuer)."""
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as http:

        async def one(agent: SimulatedAgent) -> None:
            async with limit:
                for attempt in range(RETRIES):
                    try:
                        reply = await http.post(
                            agent.token_endpoint,
                            data={"grant_type": "client_credentials"},
                            auth=(agent.client_id, agent.client_secret),
                        )
                    except httpx.TransportError:
                        if attempt == RETRIES - 1:
                            raise
                    else:
                        if reply.status_code < 500 and reply.status_code != 429:
                            break
                    await asyncio.sleep(backoff(attempt))
                reply.raise_for_status()
                agent.token = reply.json()["access_token"]

        await asyncio.gather(*(one(a) for a in agents))


def heartbeat_payload(agent: SimulatedAgent, sequence: int) -> bytes:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return agents_pb2.HeartbeatRequest(
        device=agent.device, send_time=stamp, sequence=sequence, agent_version=AGENT_VERSION
    ).SerializeToString()


class Fleet:
    """Simulated agents on one NATS connection: heartbeats at a rate, commands answered."""

    def __init__(self, nc: Nats, agents: list[SimulatedAgent], *, hang_commands: bool = False) -> None:
        self.nc = nc
        self.agents = {a.machine_id: a for a in agents}
        self.stopped: set[str] = set()
        self.hang_commands = hang_commands  # report RUNNING and never finish (timeout tests)
        self.sent = 0
        self.commands_seen: list[commands_pb2.Command] = []
        self._task: asyncio.Task[None] | None = None
        self._subs: list[object] = []

    @classmethod
    async def connect(cls, nats_url: str, agents: list[SimulatedAgent], **kwargs: bool) -> Fleet:
        return cls(await nats.connect(nats_url, name="openframe-agent-simulator"), agents, **kwargs)

    def stop_agents(self, machine_ids: Iterable[str]) -> None:
        """These agents fall silent (as if the machine went away)."""
        self.stopped.update(machine_ids)

    async def beat_once(self, machine_ids: Iterable[str] | None = None) -> None:
        for machine in machine_ids if machine_ids is not None else list(self.agents):
            if machine not in self.stopped:
                agent = self.agents[machine]
                self.sent += 1
                await self.nc.publish(
                    agent.subject("heartbeat"), heartbeat_payload(agent, self.sent), headers=agent.headers
                )
        await self.nc.flush()

    def start(self, interval_seconds: float) -> None:
        """Every live agent heartbeats once per ``interval_seconds``, spread over the interval."""
        self._task = asyncio.create_task(self._beat(interval_seconds))

    async def _beat(self, interval: float) -> None:
        slot = 0.05
        while True:
            live = [m for m in self.agents if m not in self.stopped]
            per_slot = max(1, round(len(live) * slot / interval))
            started = time.monotonic()
            for i in range(0, len(live), per_slot):
                await self.beat_once(live[i : i + per_slot])
                due = started + (i // per_slot + 1) * slot
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            await asyncio.sleep(max(0.0, started + interval - time.monotonic()))

    async def answer_commands(self) -> None:
        tenants = {a.tenant_id for a in self.agents.values()}
        for tenant in tenants:
            self._subs.append(
                await self.nc.subscribe(f"tenant.{tenant}.machine.*.command", cb=self._on_command)
            )

    async def _on_command(self, msg: Msg) -> None:
        target = subjects.parse(msg.subject)
        agent = self.agents.get(target.machine_id) if target else None
        if agent is None or agent.machine_id in self.stopped:
            return
        command = commands_pb2.Command.FromString(msg.data)
        self.commands_seen.append(command)
        if command.status == commands_pb2.COMMAND_STATUS_CANCELLED:
            return
        now = Timestamp()
        now.GetCurrentTime()
        running = commands_pb2.ReportCommandResultRequest(
            name=command.name, status=commands_pb2.COMMAND_STATUS_RUNNING, start_time=now
        )
        await self.nc.publish(agent.subject("result"), running.SerializeToString(), headers=agent.headers)
        if self.hang_commands:
            return
        output = " ".join([command.script_body, *command.args]).strip()
        done = commands_pb2.ReportCommandResultRequest(
            name=command.name,
            status=commands_pb2.COMMAND_STATUS_SUCCEEDED,
            result=commands_pb2.CommandResult(exit_code=0, stdout=output),
            start_time=now,
            finish_time=now,
        )
        await self.nc.publish(agent.subject("result"), done.SerializeToString(), headers=agent.headers)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.nc.drain()


def save(agents: list[SimulatedAgent], path: Path) -> None:
    path.write_text("".join(json.dumps(asdict(a)) + "\n" for a in agents))
    path.chmod(0o600)


def load(path: Path) -> list[SimulatedAgent]:
    return [SimulatedAgent(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


cli = typer.Typer(help="Simulated OpenFrame agents (registration over gRPC, heartbeats over NATS).")


API = f"127.0.0.1:{local_port('api')}"
NATS = f"nats://127.0.0.1:{local_port('nats')}"


@cli.command()
def register(
    secret: Annotated[str, typer.Option(help="the tenant's registration secret")],
    count: Annotated[int, typer.Option(min=1, help="how many agents")] = 1,
    out: Annotated[Path, typer.Option(help="where to write their credentials (private)")] = Path(
        "agents.jsonl"
    ),
    target: Annotated[str, typer.Option(help="api service gRPC address")] = API,
    tenant: Annotated[str, typer.Option(help="expected tenant (checked against the registrations)")] = "",
    concurrency: Annotated[int, typer.Option(min=1)] = 32,
    prefix: Annotated[str, typer.Option(help="hostname prefix")] = "sim",
) -> None:
    """Register agents and save their credentials."""
    started = time.perf_counter()
    agents = asyncio.run(register_agents(target, secret, count, concurrency=concurrency, prefix=prefix))
    if tenant and any(a.tenant_id != tenant for a in agents):
        raise typer.BadParameter(f"the secret belongs to another tenant than {tenant}")
    save(agents, out)
    took = time.perf_counter() - started
    typer.echo(f"registered {len(agents)} agents in {took:.1f}s ({len(agents) / took:.0f}/s) -> {out}")


@cli.command()
def run(
    agents_file: Annotated[Path, typer.Option("--agents", help="credentials from `register`")] = Path(
        "agents.jsonl"
    ),
    interval: Annotated[
        float, typer.Option(min=0.01, help="seconds between two heartbeats of one agent")
    ] = 60.0,
    duration: Annotated[float, typer.Option(min=0.1, help="how long to run")] = 60.0,
    stop: Annotated[int, typer.Option(min=0, help="how many agents fall silent ...")] = 0,
    stop_after: Annotated[float, typer.Option(min=0, help="... after this many seconds")] = 0.0,
    nats_url: Annotated[str, typer.Option(help="NATS server")] = NATS,
) -> None:
    """Heartbeat (and answer commands) with the saved agents."""

    async def main() -> None:
        agents = load(agents_file)
        await fetch_tokens(agents)
        fleet = await Fleet.connect(nats_url, agents)
        await fleet.answer_commands()
        fleet.start(interval)
        if stop and stop_after < duration:
            await asyncio.sleep(stop_after)
            fleet.stop_agents(a.machine_id for a in agents[:stop])
            typer.echo(f"stopped {min(stop, len(agents))} agents")
            await asyncio.sleep(duration - stop_after)
        else:
            await asyncio.sleep(duration)
        await fleet.close()
        typer.echo(f"sent {fleet.sent} heartbeats in {duration:.0f}s ({fleet.sent / duration:.0f}/s)")

    asyncio.run(main())


if __name__ == "__main__":
    cli()
