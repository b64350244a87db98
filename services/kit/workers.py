"""Run a service as N worker processes (``OPENFRAME_WORKERS``), passing signals on to them.

Why: one Python process uses one core; CPU-bound services (token signing, rate-limit checks,
stream decoding) run one worker per core, each binding the same ports with SO_REUSEPORT (the
kernel spreads connections across them).

Children are started with the same command line (so the local runner recognises them as ours)
and stop with the parent; if one dies, the others are stopped too and the parent exits non-zero,
leaving restarts to whatever supervises the service (the local runner, compose, Kubernetes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from types import FrameType

from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle
from services.kit.logging import configure_logging, get_logger

#: Set in the children: which worker this is (0-based); its absence marks the supervisor.
WORKER_ENV = "OPENFRAME_WORKER_INDEX"
log = get_logger(__name__)


def serve(settings: Settings, main: Callable[[Lifecycle], Awaitable[None]]) -> None:
    """Run ``main`` in this process, or supervise ``settings.workers`` copies that each do."""
    from services.kit.server import run

    if settings.workers > 1 and WORKER_ENV not in os.environ:
        supervise(settings)
    else:
        run(settings, main)


def supervise(settings: Settings) -> None:
    configure_logging(settings.service_name, settings.log_level)
    children = [
        subprocess.Popen(sys.orig_argv, env={**os.environ, WORKER_ENV: str(i)})  # noqa: S603
        for i in range(settings.workers)
    ]
    log.info("workers started", workers=settings.workers, pids=[c.pid for c in children])
    stopping = False

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while not stopping and all(c.poll() is None for c in children):
        time.sleep(0.2)
    if not stopping:
        log.error("a worker exited; stopping the others", codes=[c.poll() for c in children])
        forward(signal.SIGTERM, None)
    deadline = time.monotonic() + settings.shutdown_grace_seconds + 5
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
    sys.exit(0 if stopping else 1)
