"""Rate-limit windows are UTC minutes: tests that count within one start with time to spare."""

from __future__ import annotations

import time


def wait_for_a_fresh_minute(at_least_s: float = 15) -> None:
    """Return at once when ``at_least_s`` seconds are left of this minute, else after it ends."""
    left = 60 - time.time() % 60
    if left < at_least_s:
        time.sleep(left + 0.2)
