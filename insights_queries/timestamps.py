"""Timestamps as Logs Insights handles them: milliseconds since the epoch, shown in UTC.

``Millis`` marks an int as a point in time so results print it the way the CloudWatch console
does (``2025-12-17 20:38:58.084``) while arithmetic and comparisons stay plain integer ones.
``floor_to`` / ``ceil_to`` implement ``bin``, ``datefloor`` and ``dateceil``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html,
"Datetime functions"): fixed units divide the epoch; months, quarters and years follow the calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from insights_queries.ast import TimePeriod

UNIT_MS: dict[str, int] = {
    "ms": 1,
    "s": 1_000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 7 * 86_400_000,
}
_CALENDAR_MONTHS = {"mo": 1, "q": 3, "y": 12}


# the instants a datetime can show: 0001-01-01 to 9999-12-31; a timestamp outside is no time
MIN_MILLIS = -62_135_596_800_000
MAX_MILLIS = 253_402_300_799_999

TIMESTAMP = "@timestamp"
# the keys a JSON log line may carry its own time under, in order of preference
TIME_KEYS = ("timestamp", "time", "@t", "_timestamp_ms")


class Millis(int):
    """Milliseconds since 1970-01-01T00:00:00Z, printed as a UTC date and time."""

    __slots__ = ()

    def __str__(self) -> str:
        return format_millis(self)


def format_millis(ms: int) -> str:
    """``2025-12-17 20:38:58.084``: the way Logs Insights shows ``@timestamp``."""
    if not MIN_MILLIS <= ms <= MAX_MILLIS:
        return str(int(ms))
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


# The same bounds under the readers' names: a time outside them can be neither printed nor binned,
# so it is no time at all (``1e300`` in a log line is a bad value).
MIN_MS = MIN_MILLIS
MAX_MS = MAX_MILLIS
_MAX_DIGITS = 16  # epoch milliseconds up to MAX_MS; longer digit strings are out of range


def parse_timestamp(value: object) -> Millis | None:
    """A ``Millis`` from an ISO 8601 string or epoch milliseconds; ``None`` when it is neither.

    Values outside ``MIN_MS``..``MAX_MS`` are ``None`` too, so one absurd line never stops a run.
    """
    if isinstance(value, Millis):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not MIN_MS <= value <= MAX_MS:  # also false for NaN
            return None
        return Millis(int(value))
    if isinstance(value, str) and value:
        text = value.strip()
        if text.isascii() and text.isdigit():
            return Millis(int(text)) if len(text) <= _MAX_DIGITS and int(text) <= MAX_MS else None
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            stamp = round(moment.timestamp() * 1000)
        except (OverflowError, ValueError):  # year 1 or 9999 pushed out by its UTC offset
            return None
        return Millis(stamp) if MIN_MS <= stamp <= MAX_MS else None
    return None


def millis(value: int | float) -> Millis | None:
    """``value`` ms as a timestamp, or ``None`` outside the years 1 to 9999 (or not finite)."""
    if not MIN_MILLIS <= value <= MAX_MILLIS:
        return None
    return Millis(int(value))


def period_ms(period: TimePeriod) -> int | None:
    """The period's length in ms, or ``None`` for calendar units (mo, q, y)."""
    unit = UNIT_MS.get(period.unit)
    return None if unit is None else unit * period.amount


def floor_to(ms: int, period: TimePeriod) -> Millis:
    """The start of the period that contains ``ms``."""
    fixed = period_ms(period)
    if fixed is not None:
        return Millis(ms - ms % fixed)
    months = _CALENDAR_MONTHS[period.unit] * period.amount
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    index = moment.year * 12 + moment.month - 1
    index -= index % months
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return Millis(int(start.timestamp()) * 1000)


def ceil_to(ms: int, period: TimePeriod) -> Millis:
    """The end of the period that contains ``ms`` (``ms`` itself when it is on a boundary)."""
    start = floor_to(ms, period)
    if start == ms:
        return start
    fixed = period_ms(period)
    if fixed is not None:
        return Millis(start + fixed)
    months = _CALENDAR_MONTHS[period.unit] * period.amount
    moment = datetime.fromtimestamp(start / 1000, tz=UTC)
    index = moment.year * 12 + moment.month - 1 + months
    end = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return Millis(int(end.timestamp()) * 1000)


def event_timestamp(event: dict[str, Any]) -> Any:
    """``@timestamp`` of an event, derived once from its own time field when a reader left it out.

    Readers may leave it out to save the parse on events no query asks the time of.
    """
    value = event.get(TIMESTAMP)
    if value is None:
        for key in TIME_KEYS:
            raw = event.get(key)
            if raw is not None:
                value = parse_timestamp(raw)
                if value is not None:
                    event[TIMESTAMP] = value
                    break
    return value
