"""How old an incoming event is: ``event_age_ms`` from the event's own timestamp.

The hop-latency queries (``catalog.log_conventions.event_age_field``) read ``event_age_ms`` on the
lines of the service that handles an event: now minus the moment the event was emitted. The event
says when: the detail's ``timestamp`` (set by ``child_event`` when it was built), else the
EventBridge envelope's ``time`` (whole seconds, set when it was put). Parsed here by hand, without
``datetime``, because this runs once per event on every service's cold path::

    from logging_config.event_time import epoch_ms

    epoch_ms("2025-12-17T20:39:30.120Z")   # 1766003970120
    epoch_ms("not a time")                 # None

Accepted: ``YYYY-MM-DDTHH:MM:SS`` (``T``, ``t`` or a space), an optional fraction of any length,
then ``Z``, ``+HH:MM``/``-HH:MM`` (or ``+HHMM``), or nothing (read as UTC).
"""

from __future__ import annotations

from typing import Any

from logging_config.timestamps import now_ms

_DIGITS = frozenset("0123456789")


def _number(text: str) -> int:
    if not text or not _DIGITS.issuperset(text):
        raise ValueError(text)
    return int(text)


def _days_since_epoch(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the given proleptic Gregorian date (civil-from-days, inverted)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _offset_minutes(zone: str) -> int:
    if zone in ("", "Z", "z"):
        return 0
    if zone[0] not in "+-":
        raise ValueError(zone)
    digits = zone[1:].replace(":", "", 1)
    if len(digits) != 4:
        raise ValueError(zone)
    minutes = _number(digits[:2]) * 60 + _number(digits[2:])
    return -minutes if zone[0] == "-" else minutes


def epoch_ms(text: Any) -> int | None:
    """Milliseconds since the epoch for an ISO 8601 timestamp, or ``None`` when it is not one."""
    if type(text) is not str or len(text) < 19 or len(text) > 64:
        return None
    if text[4] != "-" or text[7] != "-" or text[10] not in "Tt " or text[13] != ":":
        return None
    if text[16] != ":":
        return None
    try:
        year, month, day = _number(text[:4]), _number(text[5:7]), _number(text[8:10])
        hour, minute, second = _number(text[11:13]), _number(text[14:16]), _number(text[17:19])
        rest = text[19:]
        millis = 0
        if rest[:1] in (".", ","):
            end = 1
            while end < len(rest) and rest[end] in _DIGITS:
                end += 1
            millis = _number((rest[1:end] + "00")[:3])
            rest = rest[end:]
        offset = _offset_minutes(rest)
    except ValueError:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60):
        return None
    seconds = _days_since_epoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    return (seconds - offset * 60) * 1000 + millis


def event_age_ms(detail_timestamp: Any, envelope_time: Any) -> int | None:
    """Now minus the event's time in whole milliseconds (0 when the event is from the future, as
    with a producer's clock ahead of ours); ``None`` when the event carries no readable time."""
    emitted = epoch_ms(detail_timestamp)
    if emitted is None:
        emitted = epoch_ms(envelope_time)
        if emitted is None:
            return None
    return max(0, now_ms() - emitted)
