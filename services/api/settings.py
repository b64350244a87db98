"""Settings of the api service (the kit's, with this service's name and port)."""

from __future__ import annotations

from pydantic import Field

from services.kit.config import Settings, local_port


class ApiSettings(Settings):
    service_name: str = "api"
    grpc_port: int = local_port("api")
    #: how long a writer owns relaying its outbox records before any relay's sweep takes over
    outbox_lease_seconds: float = Field(default=10.0, gt=0)
    #: how often every replica's sweep looks for queued records whose writer did not relay them
    #: in time (Kafka down, a writer that died): a range of the ``outbox_due`` index
    outbox_sweep_seconds: float = Field(default=3.0, gt=0)
    #: serve the agents' side (services/api/agents/: NATS registration, heartbeats, commands)
    agents: bool = True

    # -- agents (services/api/agents/, docs/agents.md) ------------------------------------------
    #: a machine without a heartbeat for this long goes OFFLINE (the real OpenFrame's 130 s)
    agent_offline_after_seconds: float = Field(default=130.0, gt=0)
    #: how often agents are told to heartbeat
    agent_heartbeat_interval_seconds: int = Field(default=60, ge=1, le=3600)
    #: how often the offline sweep (and the command timeout sweep) runs, once across replicas
    agent_sweep_interval_seconds: float = Field(default=10.0, gt=0)
    #: heartbeats are coalesced per machine and written this often (Redis, one script per tenant)
    agent_heartbeat_flush_seconds: float = Field(default=0.5, gt=0, le=10)
    #: messages fetched per JetStream pull
    agent_heartbeat_batch: int = Field(default=1000, ge=1, le=10_000)
    #: a RUNNING command the agent has not finished after its timeout plus this is TIMED_OUT
    agent_command_grace_seconds: float = Field(default=30.0, ge=0)
    #: names this replica group's JetStream consumers and periodic jobs ("api"); a test running
    #: its own in-process service beside the running one picks another so neither steals the other's
    agent_group: str = Field(default="api", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    #: consumers idle this long are removed by the server (a group that is gone for good)
    agent_consumer_inactive_seconds: float = Field(default=3600.0, gt=0)
    #: limit this group's offline sweep to these tenants (empty: all; tests)
    agent_sweep_tenants: tuple[str, ...] = ()
    #: whether this process runs the NATS consumers and sweeps (the gRPC side always runs)
    agent_workers: bool = True
