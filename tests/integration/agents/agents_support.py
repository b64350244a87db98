"""Helpers of the agent tests: a registered, token-holding simulated agent fleet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.api.agents.simulator import Fleet, SimulatedAgent, fetch_tokens, register_agents
from services.kit.config import Settings
from tests.integration.agents.conftest import AgentsApp


async def agents_of(app: AgentsApp, tenant: str, count: int, **kwargs: object) -> list[SimulatedAgent]:
    _, secret = await app.new_secret(tenant)
    agents = await register_agents(app.target, secret, count, **kwargs)  # type: ignore[arg-type]
    await fetch_tokens(agents)
    return agents


@asynccontextmanager
async def fleet_of(settings: Settings, agents: list[SimulatedAgent], **kwargs: bool) -> AsyncIterator[Fleet]:
    fleet = await Fleet.connect(settings.nats_url, agents, **kwargs)
    try:
        yield fleet
    finally:
        await fleet.close()
