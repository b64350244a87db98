"""NATS subjects and JetStream streams of the agents (tenant first, machine second).

  tenant.<tenant>.machine.<machine>.heartbeat  agent -> platform  HeartbeatRequest
  tenant.<tenant>.machine.<machine>.command    platform -> agent  Command
  tenant.<tenant>.machine.<machine>.result     agent -> platform  ReportCommandResultRequest

Streams are provisioned idempotently at start (``ensure_streams``): agent -> platform streams use
interest retention (a message is dropped once every consumer acknowledged it; limits cap what
piles up while no consumer runs); commands are kept until they expire so an agent that was
offline receives them when it reconnects.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

_ID = r"[A-Za-z0-9_-]{1,64}"
SUBJECT_RE = re.compile(rf"^tenant\.({_ID})\.machine\.({_ID})\.(heartbeat|command|result)$")

HEARTBEATS_STREAM = "AGENT_HEARTBEATS"
RESULTS_STREAM = "AGENT_COMMAND_RESULTS"
COMMANDS_STREAM = "AGENT_COMMANDS"

HEARTBEAT_SUBJECTS = "tenant.*.machine.*.heartbeat"
RESULT_SUBJECTS = "tenant.*.machine.*.result"
COMMAND_SUBJECTS = "tenant.*.machine.*.command"

GiB = 1024**3


@dataclass(frozen=True)
class Subject:
    tenant_id: str
    machine_id: str
    verb: str


def parse(subject: str) -> Subject | None:
    match = SUBJECT_RE.match(subject)
    return Subject(match[1], match[2], match[3]) if match else None


def subject(tenant_id: str, machine_id: str, verb: str) -> str:
    return f"tenant.{tenant_id}.machine.{machine_id}.{verb}"


STREAMS = (
    StreamConfig(
        name=HEARTBEATS_STREAM,
        description="Agent heartbeats (api service); dropped once consumed",
        subjects=[HEARTBEAT_SUBJECTS],
        retention=RetentionPolicy.INTEREST,
        storage=StorageType.FILE,
        max_age=3600.0,  # older heartbeats say nothing the next one does not
        max_bytes=2 * GiB,
        discard=DiscardPolicy.OLD,
        duplicate_window=0,
    ),
    StreamConfig(
        name=RESULTS_STREAM,
        description="Command results from agents (api service)",
        subjects=[RESULT_SUBJECTS],
        retention=RetentionPolicy.INTEREST,
        storage=StorageType.FILE,
        max_age=7 * 86400.0,
        max_bytes=GiB,
        discard=DiscardPolicy.OLD,
    ),
    StreamConfig(
        name=COMMANDS_STREAM,
        description="Commands for agents, kept until they expire",
        subjects=[COMMAND_SUBJECTS],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=86400.0,
        max_msgs_per_subject=1000,
        max_bytes=GiB,
        discard=DiscardPolicy.OLD,
    ),
)


async def ensure_streams(js: JetStreamContext) -> None:
    """Create the streams, or bring an existing one's configuration up to date."""
    for config in STREAMS:
        try:
            await js.add_stream(config)
        except BadRequestError:  # exists (possibly with older settings)
            with contextlib.suppress(BadRequestError):
                await js.update_stream(config)
