"""The simulated clock every part of the sandbox reads, so an hour of alarm periods takes seconds.

Time only moves when the sandbox moves it: the scheduler to the next due event. An invocation does
not move it: it runs on a *local timeline* (:meth:`SimClock.local_timeline`) that starts when its
trigger delivers it; while it runs, :meth:`SimClock.now` reads that timeline (so the handler's
sleeps, log lines, metrics and the events it sends carry its own times) and the scheduler's time
stays where it was, so invocations overlap in simulated time as they do on Lambda. Nothing reads
the wall clock, so two runs with the same seed produce the same timestamps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from catalog.cron import weekly_run_slots
from catalog.models import Catalog


class SimClock:
    """Seconds since the epoch, moved forward explicitly; never backwards.

    Inside :meth:`local_timeline` every read and move applies to that timeline instead of the
    scheduler's time (:meth:`scheduler_now`).
    """

    def __init__(self, start: float) -> None:
        self._now = float(start)
        self._local: float | None = None

    def now(self) -> float:
        return self._local if self._local is not None else self._now

    def scheduler_now(self) -> float:
        """The scheduler's time, also while an invocation's local timeline runs."""
        return self._now

    @property
    def in_invocation(self) -> bool:
        """Whether a local timeline (an invocation) is running."""
        return self._local is not None

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"clock: cannot move backwards by {seconds} s")
        if self._local is not None:
            self._local += seconds
        else:
            self._now += seconds

    def advance_to(self, moment: float) -> None:
        """Move to ``moment`` if it is later; an earlier moment leaves the clock where it is."""
        if self._local is not None:
            self._local = max(self._local, float(moment))
        else:
            self._now = max(self._now, float(moment))

    @contextmanager
    def local_timeline(self, start: float) -> Iterator[None]:
        """Run an invocation on its own timeline from ``start``; the scheduler's time is unmoved.

        Timelines do not nest: an invocation never runs another one inside it (a synchronous
        call would, but the catalog's handlers only publish, send and invoke asynchronously).
        """
        if self._local is not None:
            raise RuntimeError("clock: an invocation's timeline is already running")
        if start < self._now:
            raise ValueError(
                f"clock: a timeline cannot start before the scheduler's time ({start})"
            )
        self._local = float(start)
        try:
            yield
        finally:
            self._local = None


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


START_ENV = "OBSKIT_SANDBOX_START"
"""Environment variable that pins where every sandbox's clock starts (same values as ``--start``)."""

LOGS_MAX_AGE_S = 14 * 86400
"""CloudWatch Logs refuses events older than 14 days (PutLogEvents, "None of the log events in the
batch can be older than 14 days"; moto applies the same rule):
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html"""

PIN_OLDEST_S = LOGS_MAX_AGE_S - 86400
"""The oldest start accepted: a day inside CloudWatch Logs' 14-day window, so a run of hours fits."""

PIN_NEWEST_S = HEADROOM_S // 2
"""The newest start accepted: 6 hours ago, so the longest drill (about 6 simulated hours) never
writes events more than 2 hours ahead of the wall clock, which PutLogEvents also refuses."""


class StartError(ValueError):
    """A pinned start that cannot be read, or that CloudWatch Logs would refuse."""


def parse_start(text: str) -> float:
    """Seconds since the epoch from an ISO 8601 instant (``2026-12-01T06:55:00Z``; no zone means
    UTC) or a number of epoch seconds; :class:`StartError` naming the value otherwise."""
    value = text.strip()
    try:
        return float(int(value))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise StartError(
            f"sandbox start {text!r}: expected an ISO 8601 instant such as "
            "2026-12-01T06:55:00Z, or epoch seconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def check_start(start: float, wall_now: float) -> None:
    """Refuse a pinned start whose events CloudWatch Logs would reject (see :data:`PIN_OLDEST_S`
    and :data:`PIN_NEWEST_S`), naming both bounds."""
    oldest, newest = wall_now - PIN_OLDEST_S, wall_now - PIN_NEWEST_S
    if not oldest <= start <= newest:
        raise StartError(
            f"sandbox start {iso(start)} is outside {iso(oldest)} .. {iso(newest)}: CloudWatch "
            "Logs accepts events at most 14 days old and 2 hours ahead, and a run needs hours"
        )


def resolve_start(
    pinned: str | float | None, wall_now: float, run_days: frozenset[int] | None = None
) -> float:
    """Where a sandbox's clock starts: ``pinned`` (an option's value), else ``$OBSKIT_SANDBOX_START``,
    else :func:`default_start`. A pin is exact (no move to a run day): it is how tests and CI make
    a run independent of the date it happens on."""
    if pinned is None:
        pinned = os.environ.get(START_ENV) or None
    if pinned is None:
        return default_start(wall_now, run_days)
    start = pinned if isinstance(pinned, float | int) else parse_start(pinned)
    check_start(float(start), wall_now)
    return float(start)
