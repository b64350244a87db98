"""The command-result consumer: agents' reports from JetStream, verified like heartbeats, applied
one by one (results are few), acknowledged after the write."""

from __future__ import annotations

import asyncio
import contextlib

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pymongo.errors import PyMongoError

from openframe.agents.v1 import commands_pb2 as pb
from services.api.agents import subjects
from services.api.agents.agent_auth import AgentAuthenticator
from services.api.agents.commands_service import CommandService
from services.kit.logging import get_logger
from services.kit.validation import validate

log = get_logger(__name__)


class ResultConsumer:
    def __init__(
        self,
        js: JetStreamContext,
        *,
        durable: str,
        auth: AgentAuthenticator,
        commands: CommandService,
        inactive_seconds: float = 3600.0,
    ) -> None:
        self.js = js
        self.durable = durable
        self.auth = auth
        self.commands = commands
        self.inactive_seconds = inactive_seconds
        self.applied = 0
        self.rejected = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW,
            ack_wait=30.0,
            inactive_threshold=self.inactive_seconds,
        )
        sub = await self.js.pull_subscribe(
            subjects.RESULT_SUBJECTS, durable=self.durable, stream=subjects.RESULTS_STREAM, config=config
        )
        self._task = asyncio.create_task(self._run(sub))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, sub: JetStreamContext.PullSubscription) -> None:
        while True:
            try:
                msgs = await sub.fetch(100, timeout=1.0)
            except (TimeoutError, NatsTimeout):  # nothing to fetch within the timeout
                continue
            except Exception as exc:
                log.warning("result fetch failed", error=type(exc).__name__)
                await asyncio.sleep(1)
                continue
            for msg in msgs:
                target = subjects.parse(msg.subject)
                try:
                    if target is None or target.verb != "result":
                        raise ValueError("subject")
                    await self.auth.machine_identity(msg.headers, target.tenant_id, target.machine_id)
                    report = pb.ReportCommandResultRequest.FromString(msg.data)
                    validate(report)
                    if not report.name.startswith(f"devices/{target.machine_id}/commands/"):
                        raise ValueError("name")
                    await self.commands.report(target.tenant_id, target.machine_id, report)
                except PyMongoError:  # store trouble: redelivered later
                    with contextlib.suppress(Exception):
                        await msg.nak(delay=2.0)
                    continue
                except Exception as exc:  # bad subject, token, body or name: never retried
                    self.rejected += 1
                    log.info("command result rejected", reason=type(exc).__name__)
                    with contextlib.suppress(Exception):
                        await msg.term()
                    continue
                self.applied += 1
                with contextlib.suppress(Exception):
                    await msg.ack()
