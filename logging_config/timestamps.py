"""ISO 8601 UTC timestamps with milliseconds and ``Z``, cheap enough for every line.

The date-and-seconds prefix is formatted once per second and the millisecond suffixes are
precomputed, so a timestamp costs one clock read and one concatenation::

    from logging_config.timestamps import iso_timestamp

    iso_timestamp(0.5)   # '1970-01-01T00:00:00.500Z'
"""

from __future__ import annotations

import time

_SUFFIXES = tuple(f"{millis:03d}Z" for millis in range(1000))
_clock = time.time
# (second, "YYYY-MM-DDTHH:MM:SS.") in one tuple, so threads never see a mismatched pair.
_cached: tuple[int, str] = (-1, "")


def iso_timestamp(now: float | None = None) -> str:
    """``now`` (seconds since the epoch; default: the current time) as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    global _cached
    millis = int((_clock() if now is None else now) * 1000)
    second = millis // 1000
    cached = _cached
    if cached[0] == second:
        return cached[1] + _SUFFIXES[millis - second * 1000]
    prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
    _cached = (second, prefix)
    return prefix + _SUFFIXES[millis - second * 1000]
