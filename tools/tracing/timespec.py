"""``--since`` / ``--until`` values: an ISO 8601 time, epoch milliseconds, or an age (``90m``).

An age counts back from now, so ``--since 2h`` is what an operator means during an incident.
"""

from __future__ import annotations

import re
import time

from insights_queries.timestamps import parse_timestamp

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$")
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
DEFAULT_LOOKBACK_MS = 86_400_000  # without --since, CloudWatch is searched over the last day


class TimeSpecError(ValueError):
    """A time option that is neither a time nor an age."""


def now_ms() -> int:
    return int(time.time() * 1000)


def parse_time(text: str, *, now: int | None = None) -> int:
    """Epoch milliseconds for ``text`` (``2025-12-17T20:38:58Z``, ``1766003938084``, ``15m``)."""
    value = text.strip()
    age = _AGE.match(value)
    if age:
        return (now if now is not None else now_ms()) - int(float(age[1]) * _UNIT_MS[age[2]])
    stamp = parse_timestamp(value)
    if stamp is None:
        raise TimeSpecError(
            f"{text!r} is not a time: use ISO 8601 (2025-12-17T20:38:58Z), epoch milliseconds "
            "or an age such as 15m, 2h, 7d"
        )
    return int(stamp)
