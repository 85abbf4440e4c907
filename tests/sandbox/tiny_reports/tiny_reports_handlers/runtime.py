"""How the handlers put events on the bus: through a transport the sandbox plugs in.

Outside the sandbox there is none (these handlers are never deployed): publishing without one is
an error that says so, not a silent drop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from tiny_reports_handlers import faults

SOURCE_PREFIX = "tinyreports."


class Transport(Protocol):
    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...


_transport: Transport | None = None
_clock: Callable[[], float] = time.time


def set_transport(transport: Transport | None) -> None:
    global _transport
    _transport = transport


def set_clock(clock: Callable[[], float] | None) -> None:
    global _clock
    _clock = time.time if clock is None else clock


def now() -> float:
    """Seconds since the epoch on the current clock (the sandbox's, once it set one)."""
    return _clock()


def now_iso() -> str:
    moment = datetime.fromtimestamp(now(), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def publish(service: str, detail: dict[str, Any]) -> None:
    """Put ``detail`` on the bus as an event from ``service`` (its ``event_type`` as the type);
    twice under its ``duplicate`` fault."""
    if _transport is None:
        raise RuntimeError(f"{service}: no transport set, cannot publish {detail['event_type']}")
    for _ in range(2 if faults.duplicate(service) else 1):
        _transport.put_event(
            source=SOURCE_PREFIX + service, detail_type=str(detail["event_type"]), detail=detail
        )
