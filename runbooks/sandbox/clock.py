"""The simulated clock every part of the sandbox reads, so an hour of alarm periods takes seconds.

Time only moves when the sandbox moves it: an invocation advances it by its modelled duration, a
``slow`` fault by the seconds it sleeps, the scheduler to the next due event. Nothing reads the
wall clock, so two runs with the same seed produce the same timestamps.
"""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.cron import weekly_run_slots
from catalog.models import Catalog


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


HEADROOM_S = 12 * 3600
"""How far in the past a sandbox's clock starts: the longest drill runs about 6 simulated hours."""


def default_start(wall_now: float, run_days: frozenset[int] | None = None) -> float:
    """Where a sandbox's clock starts: 5 minutes before a whole hour, about 12 hours ago.

    CloudWatch Logs (and moto) refuse log events more than 2 hours in the future or 14 days in
    the past, so the simulated clock starts in the past and has hours to run forward. Starting
    just before an hour boundary lets hourly alarms (the workflow heartbeat) evaluate soon.

    ``run_days``: the UTC weekdays (1 = Monday … 7 = Sunday) the catalog's schedules run. The
    start moves back by whole days (at most a week) until it and the day after are run days, so
    a sandbox behaves the same on a Saturday as on a Tuesday: the heartbeat alarm treats the
    hours a schedule would have run on its idle days as a completion.
    """
    start = float(int(wall_now // 3600) * 3600 - HEADROOM_S - 300)
    if not run_days:
        return start
    for _ in range(7):
        today = datetime.fromtimestamp(start, tz=UTC).isoweekday()
        if today in run_days and today % 7 + 1 in run_days:
            return start
        start -= 86400
    for _ in range(7):
        if datetime.fromtimestamp(start, tz=UTC).isoweekday() in run_days:
            break
        start -= 86400
    return start


def schedule_run_days(catalog: Catalog) -> frozenset[int] | None:
    """The UTC weekdays any of the catalog's schedules runs; None when one runs every day."""
    days: set[int] = set()
    for schedule in catalog.schedules:
        slots = weekly_run_slots(schedule.expression, schedule.timezone)
        if slots is None:
            return None
        days |= slots.days
    return frozenset(days) if days else None
