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

:func:`expression_problem` checks an expression field by field against AWS's rules, so the
catalog check refuses what ``weekly_run_slots`` (and so ``generate`` and the drills) could not read.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["RunSlots", "expression_problem", "weekly_run_slots"]

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


# --- Checking an expression before anything runs it -------------------------------------------
#
# Field by field, what AWS accepts in a schedule expression. The table and the rules come from
# EventBridge's "Cron expressions" reference, which EventBridge Scheduler shares:
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html and
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
#
# | field        | values          | wildcards     |
# | minutes      | 0-59            | , - * /       |
# | hours        | 0-23            | , - * /       |
# | day-of-month | 1-31            | , - * ? / L W |
# | month        | 1-12 or JAN-DEC | , - * /       |
# | day-of-week  | 1-7 or SUN-SAT  | , - * ? L #   |
# | year         | 1970-2199       | , - * /       |
#
# One of day-of-month and day-of-week must be '?' (a value or '*' in one means '?' in the other);
# '#' allows a single expression in day-of-week ("3#1,6#3" is invalid). A rate is
# ``rate(value unit)``: a positive whole value, unit minute(s) / hour(s) / day(s), singular exactly
# when the value is 1.

_RATE = re.compile(r"^rate\(\s*([1-9][0-9]*)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_NUMBER = re.compile(r"^[0-9]{1,4}$")
MAX_RATE_MINUTES = 10 * 365 * 24 * 60
"""Longest rate accepted (ten years): a sanity bound, AWS documents none."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]
    slash: bool = True


_FIELDS = (
    _Field("minutes", 0, 59, {}),
    _Field("hours", 0, 23, {}),
    _Field("day-of-month", 1, 31, {}),
    _Field("month", 1, 12, _MONTH_NAMES),
    _Field("day-of-week", 1, 7, _DAY_NAMES, slash=False),
    _Field("year", 1970, 2199, {}),
)


def _value(text: str, field: _Field) -> int:
    """One value of ``field`` (a number or, for month and day-of-week, a name)."""
    upper = text.upper()
    if upper in field.names:
        return field.names[upper]
    if not _NUMBER.match(text):
        raise ValueError(f"'{text}' is not a {field.name} value")
    number = int(text)
    if not field.low <= number <= field.high:
        raise ValueError(f"{field.name} {number} is outside {field.low}-{field.high}")
    return number


def _check_item(item: str, field: _Field) -> None:
    """One comma-separated part: ``*``, ``v``, ``v-v``, each optionally ``/step`` where allowed."""
    base, slash, step = item.partition("/")
    if slash:
        if not field.slash:
            raise ValueError(f"{field.name} does not take '/' steps")
        if not _NUMBER.match(step) or int(step) < 1:
            raise ValueError(f"step '/{step}' in {field.name} is not a whole number of at least 1")
    if base == "*":
        return
    first, dash, last = base.partition("-")
    _value(first, field)
    if dash:
        _value(last, field)


def _check_day_of_month(item: str, field: _Field) -> bool:
    """``L``, ``LW`` or ``nW``: True when ``item`` is one of them (checked), else False."""
    upper = item.upper()
    if upper in ("L", "LW"):
        return True
    if upper.endswith("W"):
        _value(item[:-1], field)
        return True
    return False


def _check_day_of_week(item: str, field: _Field) -> bool:
    """``L``, ``nL`` or ``n#k`` (k = 1-5): True when ``item`` is one of them (checked)."""
    upper = item.upper()
    if upper == "L":
        return True
    if upper.endswith("L"):
        _value(item[:-1], field)
        return True
    if "#" in item:
        day, _, nth = item.partition("#")
        _value(day, field)
        if not (_NUMBER.match(nth) and 1 <= int(nth) <= 5):
            raise ValueError(f"'#{nth}' in day-of-week is not an occurrence 1-5 in the month")
        return True
    return False


def _check_field(text: str, field: _Field) -> None:
    if text == "?":
        if field.name not in ("day-of-month", "day-of-week"):
            raise ValueError(f"'?' is only for day-of-month or day-of-week, not {field.name}")
        return
    items = text.split(",")
    for item in items:
        special = False
        if field.name == "day-of-month":
            special = _check_day_of_month(item, field)
        elif field.name == "day-of-week":
            special = _check_day_of_week(item, field)
        if special and len(items) > 1:
            raise ValueError(f"'{item}' in {field.name} cannot be combined with other values")
        if not special:
            _check_item(item, field)


def _check_cron(fields: list[str]) -> None:
    if len(fields) != 6:
        raise ValueError(
            f"has {len(fields)} fields, needs 6 (minutes hours day-of-month month day-of-week year)"
        )
    for text, field in zip(fields, _FIELDS, strict=True):
        _check_field(text, field)
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError("exactly one of day-of-month and day-of-week must be '?'")


def expression_problem(expression: str) -> str | None:
    """What is wrong with a schedule expression, or None when AWS would accept it.

    Everything ``weekly_run_slots`` and the sandbox read is checked here first, so an expression
    that passes never fails later (in ``generate`` or a drill).
    """
    rate = _RATE.match(expression)
    if rate:
        if len(rate.group(1)) > 9:
            return f"'{expression}' is longer than the limit of 10 years"
        value, unit = int(rate.group(1)), rate.group(2)
        if (value == 1) != (not unit.endswith("s")):
            return f"'{expression}': use '{unit.rstrip('s')}' for 1 and plural otherwise"
        minutes = value * {"minute": 1, "hour": 60, "day": 1440}[unit.rstrip("s")]
        if minutes > MAX_RATE_MINUTES:
            return f"'{expression}' is longer than the limit of 10 years"
        return None
    cron = _CRON.match(expression)
    if cron is None:
        return f"schedule expression '{expression}' is not cron(...) or rate(...)"
    try:
        _check_cron(cron.group(1).split())
    except ValueError as exc:
        separator = " " if str(exc).startswith("has ") else ": "
        return f"cron expression '{expression}'{separator}{exc}"
    return None
