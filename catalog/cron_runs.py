"""When a schedule runs: every run time of a ``cron(...)`` or ``rate(...)`` expression in a window.

:mod:`catalog.cron` checks expressions and tells on which UTC weekdays and hours a weekly
schedule runs (what the workflow heartbeat needs). This module lists the runs themselves: the
sandbox invokes a scheduled job at each run time the simulated clock passes, and the job's
missed-run alarm is as long as the longest gap between two runs.

EventBridge Scheduler reads a cron expression in the schedule's time zone, field by field
(``minutes hours day-of-month month day-of-week year``, days of week 1-7 = SUN-SAT, ``L``,
``W`` and ``#`` as described in
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based). A
``rate(value unit)`` schedule runs every ``value`` units from when it is created (same page,
"Rate-based schedules"); there is no creation time in a catalog, so callers give an anchor.
Expressions are assumed valid (:func:`catalog.cron.expression_problem` refuses the others at load
time).
"""

from __future__ import annotations

import calendar
import re
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

__all__ = ["longest_gap_s", "rate_seconds", "run_times"]

_CRON = re.compile(r"^cron\(([^()]*)\)$")
_RATE = re.compile(r"^rate\(\s*([0-9]+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NAMES = {name: number for number, name in enumerate(_MONTHS, 1)}
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# Two reference months, one in northern winter and one in summer, so both offsets of a zone with
# daylight saving time are seen when measuring gaps.
_REFERENCE_STARTS = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
_REFERENCE_SPAN = timedelta(days=35)


def rate_seconds(expression: str) -> int | None:
    """The interval of a ``rate(...)`` expression in seconds; None for a cron expression."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_S[match.group(2).rstrip("s")]


def run_times(
    expression: str, timezone: str, start: float, end: float, *, anchor: float = 0.0
) -> Iterator[float]:
    """Every run time (epoch seconds) in ``(start, end]``, oldest first.

    ``anchor``: when a rate schedule was created (its runs fall at ``anchor + k × interval``).
    """
    interval = rate_seconds(expression)
    if interval is not None:
        k = max(0, int((start - anchor) // interval))
        moment = anchor + k * interval
        while moment <= end:
            if moment > start:
                yield moment
            moment += interval
        return
    match = _CRON.match(expression.strip())
    if match is None:
        raise ValueError(f"schedule expression {expression!r} is not cron(...) or rate(...)")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"cron expression {expression!r} has {len(fields)} fields, needs 6")
    minutes_f, hours_f, dom_f, month_f, dow_f, year_f = fields
    minutes = sorted(_values(minutes_f, 0, 59, {}))
    hours = sorted(_values(hours_f, 0, 23, {}))
    months = _values(month_f, 1, 12, _MONTH_NAMES)
    years = _values(year_f, 1970, 2199, {})
    zone = zoneinfo.ZoneInfo(timezone)
    # a local day can hold UTC moments of the day before or after: look one day either side
    day = datetime.fromtimestamp(start, tz=zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end, tz=zone).date() + timedelta(days=1)
    while day <= last:
        if day.month in months and day.year in years and _day_matches(day, dom_f, dow_f):
            for hour in hours:
                for minute in minutes:
                    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    moment = local.timestamp()
                    if start < moment <= end:
                        yield moment
        day += timedelta(days=1)


def longest_gap_s(expression: str, timezone: str) -> float | None:
    """The longest time between two runs (seconds), or None when runs are more than 35 days
    apart (a monthly or yearly schedule: longer than any alarm can look back)."""
    interval = rate_seconds(expression)
    if interval is not None:
        return float(interval)
    gaps: list[float] = []
    span = _REFERENCE_SPAN.total_seconds()
    for begin in _REFERENCE_STARTS:
        start = begin.timestamp()
        runs = [start, *run_times(expression, timezone, start, start + 2 * span)]
        if len(runs) < 3:
            return None
        gaps.extend(b - a for a, b in zip(runs[1:], runs[2:], strict=False))
        gaps.append(runs[1] - start)  # a gap at least that long precedes the first run
    longest = max(gaps)
    return None if longest > span else longest


def _day_matches(day: date, dom: str, dow: str) -> bool:
    """Whether ``day`` is selected; one of ``dom`` / ``dow`` is ``?`` (or ``*``)."""
    if dom not in ("?", "*"):
        return _dom_matches(day, dom.upper())
    if dow not in ("?", "*"):
        return _dow_matches(day, dow.upper())
    return True


def _dom_matches(day: date, field: str) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if field == "L":
        return day.day == last
    if field == "LW":
        target = date(day.year, day.month, last)
        while target.weekday() >= 5:
            target -= timedelta(days=1)
        return day == target
    if field.endswith("W"):
        return day == _nearest_weekday(day.year, day.month, min(int(field[:-1]), last))
    return day.day in _values(field, 1, 31, {})


def _nearest_weekday(year: int, month: int, wanted: int) -> date:
    """``nW``: the weekday nearest to day ``wanted``, never crossing into another month."""
    target = date(year, month, wanted)
    if target.weekday() == 5:  # Saturday → Friday, or Monday when the 1st
        return target - timedelta(days=1) if wanted > 1 else target + timedelta(days=2)
    if target.weekday() == 6:  # Sunday → Monday, or Friday when the month's last day
        last = calendar.monthrange(year, month)[1]
        return target + timedelta(days=1) if wanted < last else target - timedelta(days=2)
    return target


def _dow_matches(day: date, field: str) -> bool:
    weekday = day.isoweekday() % 7 + 1  # EventBridge: SUN 1 … SAT 7
    text = field
    for name, number in _DAY_NAMES.items():
        text = text.replace(name, str(number))
    if text == "L":
        return weekday == 7
    if text.endswith("L"):  # nL: the last such weekday of the month
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday == int(text[:-1]) and day.day > last - 7
    if "#" in text:  # n#k: the k-th such weekday of the month
        wanted, _, nth = text.partition("#")
        return weekday == int(wanted) and (day.day - 1) // 7 + 1 == int(nth)
    return weekday in _values(text, 1, 7, {})


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """The numbers a field selects: ``*``, ``a``, ``a-b`` (wrapping), ``a,b``, ``*/n``, ``a/n``."""
    out: set[int] = set()
    for part in field.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, names), _number(b, names)
        else:
            first = _number(base, names)
            last = high if step_text else first
        if last < first:  # FRI-MON wraps
            out.update(range(first, high + 1, step))
            out.update(range(low, last + 1, step))
        else:
            out.update(range(first, last + 1, step))
    return out


def _number(text: str, names: dict[str, int]) -> int:
    return names[text] if text in names else int(text)
