"""When a schedule runs, in UTC: the days and hours of an EventBridge Scheduler ``cron(...)``.

The heartbeat alarm needs to know on which UTC weekdays a scheduled workflow runs (to stay quiet
on the others) and at which UTC hours (to place the quiet day's stand-in completion where a real
one would be). A schedule's time zone moves both: 09:35 America/New_York is 13:35 UTC in summer
and 14:35 UTC in winter, and a late-evening run can fall on the next UTC day. So the local run
times are converted to UTC on a winter and a summer week and the union is kept.

Fields follow EventBridge's cron: ``minutes hours day-of-month month day-of-week year``; days of
week are ``1-7`` with 1 = Sunday, or ``SUN-SAT``; ``*``, ``?``, lists, ranges and ``/`` steps are
understood. ``L`` and ``#`` (last / nth weekday of a month) and a specific day of month mean the
schedule is not weekly: :func:`weekly_run_slots` then returns ``None`` and callers treat the
schedule as running any day. ``rate(...)`` expressions run every day too.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["RunSlots", "weekly_run_slots"]

_CRON = re.compile(r"^cron\(([^()]*)\)$")
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# Reference weeks, Monday to Sunday, one in northern winter and one in northern summer, so both
# offsets of a zone with daylight saving time are seen.
_REFERENCE_MONDAYS = (datetime(2025, 1, 13), datetime(2025, 7, 14))


@dataclass(frozen=True)
class RunSlots:
    """Where a weekly schedule's runs fall in UTC.

    ``days``: ISO weekdays (1 = Monday … 7 = Sunday, as CloudWatch's ``DAY()`` numbers them)
    with at least one run. ``hours``: the UTC hours (0-23) in which runs start.
    """

    days: frozenset[int]
    hours: frozenset[int]

    @property
    def idle_days(self) -> frozenset[int]:
        """ISO weekdays without any run."""
        return frozenset(range(1, 8)) - self.days


def weekly_run_slots(expression: str, timezone: str = "UTC") -> RunSlots | None:
    """The UTC days and hours a ``cron(...)`` schedule runs, or None when it is not weekly.

    Raises ValueError for a malformed expression or an unknown time zone (the catalog check
    reports both earlier, with their path).
    """
    match = _CRON.match(expression.strip())
    if match is None:
        return None  # rate(...): runs around the clock, every day
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"cron expression {expression!r} has {len(fields)} fields, needs 6")
    minutes, hours, day_of_month, _month, day_of_week, _year = fields
    if day_of_month not in ("?", "*") or any(c in day_of_week for c in "L#"):
        return None
    local_days = _days_of_week(day_of_week)
    local_minutes = _values(minutes, 0, 59)
    local_hours = _values(hours, 0, 23)
    zone = zoneinfo.ZoneInfo(timezone)
    days: set[int] = set()
    utc_hours: set[int] = set()
    for monday in _REFERENCE_MONDAYS:
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if _eventbridge_weekday(day) not in local_days:
                continue
            for hour in local_hours:
                for minute in local_minutes:
                    local = day.replace(hour=hour, minute=minute, tzinfo=zone)
                    utc = local.astimezone(zoneinfo.ZoneInfo("UTC"))
                    days.add(utc.isoweekday())
                    utc_hours.add(utc.hour)
    return RunSlots(frozenset(days), frozenset(utc_hours))


def _eventbridge_weekday(day: datetime) -> int:
    """EventBridge numbers Sunday 1 … Saturday 7."""
    return day.isoweekday() % 7 + 1


def _days_of_week(field: str) -> set[int]:
    if field in ("?", "*"):
        return set(range(1, 8))
    text = field.upper()
    for name, number in _DAY_NAMES.items():
        text = text.replace(name, str(number))
    return _values(text, 1, 7)


def _values(field: str, low: int, high: int) -> set[int]:
    """The numbers a cron field selects: ``*``, ``a``, ``a-b``, ``a,b``, ``*/n``, ``a/n``, ``a-b/n``."""
    out: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            start, stop = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, stop = int(first), int(last)
        else:
            start = int(base)
            stop = high if step_text else start
        if not (low <= start <= high and low <= stop <= high) or step < 1:
            raise ValueError(f"cron field {field!r}: values must be {low}-{high}")
        if stop < start:  # a range that wraps, such as FRI-MON
            out.update(range(start, high + 1, step))
            out.update(range(low, stop + 1, step))
        else:
            out.update(range(start, stop + 1, step))
    return out
