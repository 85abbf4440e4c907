"""The simulated clock every part of the sandbox reads, so an hour of alarm periods takes seconds.

Time only moves when the sandbox moves it: an invocation advances it by its modelled duration, a
``slow`` fault by the seconds it sleeps, the scheduler to the next due event. Nothing reads the
wall clock, so two runs with the same seed produce the same timestamps.
"""

from __future__ import annotations

from datetime import UTC, datetime


class SimClock:
    """Seconds since the epoch, moved forward explicitly; never backwards."""

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def now_ms(self) -> int:
        return int(self._now * 1000)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self._now, tz=UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"clock: cannot move backwards by {seconds} s")
        self._now += seconds

    def advance_to(self, moment: float) -> None:
        """Move to ``moment`` if it is later; an earlier moment leaves the clock where it is."""
        self._now = max(self._now, float(moment))


def iso(seconds: float) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` (the format of Lambda's own log lines)."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def default_start(wall_now: float) -> float:
    """Where a sandbox's clock starts: 5 minutes before a whole hour, about 3 hours ago.

    CloudWatch Logs (and moto) refuse log events more than 2 hours in the future or 14 days in
    the past, so the simulated clock starts in the past and has hours to run forward. Starting
    just before an hour boundary lets hourly alarms (the workflow heartbeat) evaluate soon.
    """
    hour = int(wall_now // 3600) * 3600
    return float(hour - 3 * 3600 - 300)
