"""ISO 8601 UTC timestamps with milliseconds and ``Z``, cheap enough for every line; and the one
clock every timestamp the library writes is read from.

The date-and-seconds prefix is formatted once per second and the millisecond suffixes are
precomputed, so a timestamp costs one clock read and one concatenation::

    from logging_config.timestamps import iso_timestamp

    iso_timestamp(0.5)   # '1970-01-01T00:00:00.500Z'

Line timestamps, EMF ``_aws.Timestamp`` values, ``child_event`` timestamps and event ages all read
the module-level clock, so a simulator or a test that replaces it with :func:`set_clock` moves all
of them together (a line and the metric written beside it can never disagree)::

    import logging_config

    previous = logging_config.set_clock(lambda: 1766003995.120)   # seconds since the epoch
    ...
    logging_config.set_clock(previous)                             # or None: the real clock
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]

_SUFFIXES = tuple(f"{millis:03d}Z" for millis in range(1000))
# Read as a module attribute by the hot path (fast_path) so replacing it needs no indirection.
_clock: Clock = time.time
# (second, "YYYY-MM-DDTHH:MM:SS.") in one tuple, so threads never see a mismatched pair.
_cached: tuple[int, str] = (-1, "")


def set_clock(clock: Clock | None) -> Clock:
    """For simulators and tests: read the time from ``clock`` (``None``: the real clock).

    Returns the clock it replaces, so the caller can put it back. ``clock`` returns seconds since
    the epoch, as ``time.time`` does.
    """
    global _clock
    if clock is not None and not callable(clock):
        raise TypeError(f"set_clock: expected a function returning seconds, got {clock!r:.80}")
    previous = _clock
    _clock = time.time if clock is None else clock
    return previous


def now() -> float:
    """The current time in seconds since the epoch, from the library's clock."""
    return _clock()


def now_ms() -> int:
    """The current time in whole milliseconds since the epoch (as a line's timestamp rounds it)."""
    return int(_clock() * 1000)


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
