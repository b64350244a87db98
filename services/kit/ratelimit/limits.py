"""Windows and limits: the vocabulary shared by the policy, the counters and the servicers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Window(Enum):
    """Fixed windows aligned on UTC boundaries (a minute starts at :00, a day at midnight UTC)."""

    MINUTE = 60
    HOUR = 3_600
    DAY = 86_400

    def __init__(self, seconds: int) -> None:
        # Plain attributes: every request reads them several times, and an enum's ``value``
        # is a descriptor call each time.
        self.seconds = seconds
        self.letter = self.name[0].lower()  # in counter keys: m, h, d
        self.field = f"per_{self.name.lower()}"  # the Limits attribute: per_minute, ...

    def bucket(self, now: float) -> int:
        """Index of the window ``now`` falls in (seconds since the epoch // width)."""
        return int(now) // self.seconds

    def until_reset(self, now: float) -> float:
        """Seconds until the window ``now`` falls in ends."""
        return (self.bucket(now) + 1) * self.seconds - now


WINDOWS = (Window.MINUTE, Window.HOUR, Window.DAY)


@dataclass(frozen=True)
class Limits:
    """Requests per minute, hour and day. 0 means "not set here" (the default applies)."""

    per_minute: int = 0
    per_hour: int = 0
    per_day: int = 0

    def of(self, window: Window) -> int:
        limit: int = getattr(self, window.field)
        return limit

    def over(self, defaults: Limits) -> Limits:
        """These limits with every unset window taken from ``defaults``."""
        return Limits(
            per_minute=self.per_minute or defaults.per_minute,
            per_hour=self.per_hour or defaults.per_hour,
            per_day=self.per_day or defaults.per_day,
        )

    @classmethod
    def parse(cls, text: str) -> Limits | None:
        """``"<per minute>/<per hour>/<per day>"`` (how the edge may pass a key's own limits);
        None when malformed."""
        parts = text.split("/")
        if len(parts) != 3 or not all(p.isdigit() and len(p) <= 10 for p in parts):
            return None
        minute, hour, day = (int(p) for p in parts)
        return cls(minute, hour, day)

    def as_dict(self) -> dict[str, int]:
        return {"per_minute": self.per_minute, "per_hour": self.per_hour, "per_day": self.per_day}


@dataclass(frozen=True)
class Defaults:
    """What a tenant gets for whatever its policy leaves unset."""

    tenant: Limits
    api_key: Limits
