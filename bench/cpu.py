"""Where a benchmark's CPU goes: each server's user + system time from /proc, between two points.

Shared by the benchmarks that report CPU per event or per request next to their figures (on a
2-core machine that is what explains a latency or a throughput).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from infra.layout import Layout


def ticks(pid: int) -> int:
    """CPU clock ticks (user + system) of one process so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))


def tree(pid: int) -> list[int]:
    """``pid`` and its children (a service's worker processes)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return [pid, *children]


def server_pid(layout: Layout, name: str) -> int:
    """The pid ``make run`` recorded for server or service ``name``; 0 when there is none."""
    pid_file = layout.pidfile(name)
    return int(pid_file.read_text().split()[0]) if pid_file.is_file() else 0


class CpuMeter:
    """CPU seconds each component (a list of pids) spends between ``start`` and ``stop``."""

    def __init__(self, components: dict[str, list[int]]) -> None:
        self.components = components
        self.hz = os.sysconf("SC_CLK_TCK")

    def sample(self) -> dict[str, float]:
        return {name: sum(ticks(p) for p in pids) / self.hz for name, pids in self.components.items()}

    def start(self) -> None:
        self.t0, self.before = time.perf_counter(), self.sample()

    def stop(self) -> tuple[float, dict[str, float]]:
        after = self.sample()
        return time.perf_counter() - self.t0, {k: after[k] - self.before[k] for k in after}
