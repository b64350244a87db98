"""Heartbeat ingestion, end to end, beside the raw JetStream baseline measured in the same run.

    flock /tmp/openframe-bench.lock .venv/bin/python bench/agent_heartbeats.py \
        [--agents 400] [--rate 3000] [--seconds 30]

Setup (not timed): a tenant registered with the running auth service, the api service's agents
part in-process (private database, its own consumer group), ``--agents`` agents registered
through the real RegisterAgent RPC with real tokens from the token endpoint, and a warm-up until
every device is ONLINE (the steady state: 120,000 agents at one heartbeat a minute are 2,000/s
of machines that are already ONLINE).

Then two modes, each for ``--seconds`` at ``--rate`` heartbeats/s offered by a publisher in a
separate process (round robin over the agents; each message is a HeartbeatRequest with the
agent's bearer token header, ~1 KB):

* ``jetstream``: baseline. The same messages on a scratch stream; this process pulls batches of
  1,000 and acknowledges each message. No parsing, no checks, no store.
* ``api``: the real consumer (services/api/agents/heartbeats.py): subject parsed, token checked
  (cached), body decoded, last-seen coalesced per machine and stored in Redis, then acked.

Figures: offered and consumed messages/s over the window, how long the backlog took to drain
after publishing stopped, and this process's CPU per 1,000 messages. "Sustained" means consumed
≈ offered with a drain of about one flush interval.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import grpc
import nats
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StreamConfig
from pydantic import SecretStr

from infra.layout import Layout
from infra.servers.service import local_internal_token_key
from openframe.agents.v1 import registration_secrets_pb2 as rs
from openframe.agents.v1 import registration_secrets_pb2_grpc as rs_grpc
from openframe.auth.v1 import tenants_pb2, tenants_pb2_grpc
from services.api.agents import wiring
from services.api.agents.simulator import (
    Fleet,
    SimulatedAgent,
    fetch_tokens,
    heartbeat_payload,
    load,
    register_agents,
    save,
)
from services.api.app import build_app
from services.api.settings import ApiSettings
from services.kit.config import Environment, Settings
from services.kit.internal import channel_to
from services.kit.lifecycle import Lifecycle

DB = "bench_agents"


async def until(check: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return check()


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the publisher (a separate process, so it does not share this one's CPU) ----------------------


async def publish(agents_file: Path, prefix: str, rate: float, seconds: float, nats_url: str) -> None:
    agents = load(agents_file)
    nc = await nats.connect(nats_url)
    sent, slot = 0, 0.01
    per_slot = max(1, round(rate * slot))
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        for _ in range(per_slot):
            agent = agents[sent % len(agents)]
            subject = agent.subject("heartbeat")
            await nc.publish(f"{prefix}{subject}", heartbeat_payload(agent, sent), headers=agent.headers)
            sent += 1
        await nc.flush()
        due = started + (sent / per_slot) * slot
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    await nc.flush()
    await nc.drain()
    print(json.dumps({"sent": sent, "seconds": time.monotonic() - started}))


def run_publisher(
    agents_file: Path, prefix: str, rate: float, seconds: float, nats_url: str
) -> subprocess.Popen[str]:
    argv = [sys.executable, __file__, "--publish", str(agents_file), "--prefix", prefix]
    argv += ["--rate", str(rate), "--seconds", str(seconds), "--nats", nats_url]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


# -- the modes ---------------------------------------------------------------------------------


async def measure(
    counter: object, agents_file: Path, prefix: str, args: argparse.Namespace, nats_url: str
) -> dict[str, float]:
    count = counter  # callable returning messages consumed so far
    before, cpu_before = count(), cpu()  # type: ignore[operator]
    publisher = run_publisher(agents_file, prefix, args.rate, args.seconds, nats_url)
    await until(lambda: publisher.poll() is not None, args.seconds + 60)
    window_end = count() - before  # type: ignore[operator]
    out, _ = publisher.communicate()
    sent = json.loads(out.strip().splitlines()[-1])
    stop = time.monotonic()
    await until(lambda: count() - before >= sent["sent"], 30)  # type: ignore[operator]
    drain = time.monotonic() - stop
    consumed = count() - before  # type: ignore[operator]
    return {
        "offered/s": sent["sent"] / sent["seconds"],
        "consumed/s": window_end / sent["seconds"],
        "consumed": consumed,
        "sent": sent["sent"],
        "drain s": drain,
        "cpu ms/1k": (cpu() - cpu_before) * 1e6 / max(consumed, 1),
    }


async def baseline(args: argparse.Namespace, settings: Settings, agents_file: Path) -> dict[str, float]:
    run = uuid.uuid4().hex[:8]
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    stream, prefix = f"BENCH_{run}", f"bench{run}."
    await js.add_stream(
        StreamConfig(name=stream, subjects=[f"{prefix}>"], retention=RetentionPolicy.INTEREST)
    )
    sub = await js.pull_subscribe(
        f"{prefix}>",
        durable="raw",
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_ack_pending=100_000),
    )
    consumed = 0

    async def consume() -> None:
        nonlocal consumed
        while True:
            try:
                msgs = await sub.fetch(1000, timeout=0.5)
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                await msg.ack()
            consumed += len(msgs)

    task = asyncio.create_task(consume())
    try:
        return await measure(lambda: consumed, agents_file, prefix, args, settings.nats_url)
    finally:
        task.cancel()
        await js.delete_stream(stream)
        await nc.drain()


async def main(args: argparse.Namespace) -> None:
    layout = Layout.from_env()
    base = Settings(environment=Environment.TEST)
    key = base.internal_token_key or SecretStr(local_internal_token_key(layout))
    tenant = f"b{uuid.uuid4().hex[:12]}"
    async with channel_to(base, "auth") as auth:
        await tenants_pb2_grpc.TenantServiceStub(auth).RegisterTenant(
            tenants_pb2.RegisterTenantRequest(
                tenant_id=tenant,
                display_name="bench MSP",
                owner_email=f"owner@{tenant}.example.test",
                owner_password="correct horse battery staple",  # noqa: S106 (a throwaway tenant)
                owner_display_name="Bench Owner",
            ),
            timeout=30,
        )
    settings = ApiSettings(
        grpc_port=0,
        dev_tenant_header=True,
        mongo_database=DB,
        access_log=False,
        log_level="WARNING",
        internal_token_key=key,
        agent_group=f"bench-{uuid.uuid4().hex[:8]}",
        agent_consumer_inactive_seconds=30,
        agent_sweep_tenants=(tenant,),
        agent_offline_after_seconds=3600,
    )
    lifecycle = Lifecycle(grace_seconds=2)
    port, domain = await build_app(settings, lifecycle)
    agents_part = wiring.started[-1]
    heartbeats = agents_part.heartbeats
    assert heartbeats is not None
    try:
        t0 = time.perf_counter()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = await rs_grpc.RegistrationSecretServiceStub(channel).CreateRegistrationSecret(
                rs.CreateRegistrationSecretRequest(
                    registration_secret=rs.RegistrationSecret(display_name="bench")
                ),
                metadata=(("x-openframe-tenant", tenant),),
            )
        agents: list[SimulatedAgent] = await register_agents(
            f"127.0.0.1:{port}", reply.secret, args.agents, concurrency=48
        )
        t1 = time.perf_counter()
        await fetch_tokens(agents, concurrency=32)
        t2 = time.perf_counter()
        fleet = await Fleet.connect(settings.nats_url, agents)
        await fleet.beat_once()
        await until(lambda: heartbeats.stats.online_transitions >= len(agents), 600)
        await fleet.close()
        t3 = time.perf_counter()
        print(
            f"setup: {len(agents)} agents registered in {t1 - t0:.1f}s, tokens in {t2 - t1:.1f}s, "
            f"all ONLINE in {t3 - t2:.1f}s (not timed below)"
        )
        with tempfile.TemporaryDirectory() as tmp:
            agents_file = Path(tmp) / "agents.jsonl"
            save(agents, agents_file)
            rows = {"jetstream (baseline)": await baseline(args, settings, agents_file)}
            rows["api heartbeat consumer"] = await measure(
                lambda: heartbeats.stats.stored, agents_file, "", args, settings.nats_url
            )
        flush = settings.agent_heartbeat_flush_seconds
        print(
            f"\n{args.agents} agents, {args.rate:.0f}/s offered for {args.seconds:.0f}s, flush every {flush}s"
        )
        print(f"{'mode':26} {'offered/s':>10} {'consumed/s':>11} {'drain s':>8} {'cpu ms/1k':>10}")
        for name, row in rows.items():
            rates = f"{row['offered/s']:10.0f} {row['consumed/s']:11.0f}"
            print(f"{name:26} {rates} {row['drain s']:8.2f} {row['cpu ms/1k']:10.1f}")
        stats = heartbeats.stats
        print(f"api consumer: accepted {stats.accepted}, rejected {stats.rejected}, flushes {stats.flushes}")
    finally:
        await agents_part.presence.clear()
        await domain.db.client.drop_database(DB)
        await lifecycle.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=400)
    parser.add_argument("--rate", type=float, default=3000.0, help="heartbeats/s offered")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--publish", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="", help=argparse.SUPPRESS)
    parser.add_argument("--nats", default="", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.publish:
        asyncio.run(publish(parsed.publish, parsed.prefix, parsed.rate, parsed.seconds, parsed.nats))
    else:
        asyncio.run(main(parsed))
