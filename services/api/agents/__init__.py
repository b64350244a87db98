"""Agents: registration secrets, agent registration, heartbeats and commands over NATS JetStream.

Plugged into the api service by ``wiring.start`` (see services/api/app.py); docs/agents.md
explains the design and docs/decisions/0011-agent-presence-in-redis.md why presence lives in
Redis rather than in the device documents.
"""
