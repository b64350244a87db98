"""Run N copies of this service as child processes and pass signals on to them.

Children are started with the same command line (so the local runner recognises them as ours)
and stop with the parent; if one dies, the others are stopped too and the parent exits non-zero,
leaving restarts to whatever supervises the service (the local runner, compose, Kubernetes).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

from services.kit.logging import configure_logging, get_logger
from services.stream.settings import StreamSettings

WORKER_ENV = "OPENFRAME_STREAM_WORKER"
log = get_logger(__name__)


def supervise(settings: StreamSettings) -> None:
    import os

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
