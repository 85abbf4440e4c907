"""The values a trace is made of: the lines found, and what the analysis made of them.

Times are milliseconds since the epoch (UTC) throughout, as CloudWatch counts them; only the
renderers turn them into text. Everything here is plain data so each renderer reads the same
:class:`Trace` and none of them recomputes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL"})
WARNING_LEVELS = frozenset({"WARNING", "WARN"})


def iso(ms: int | None) -> str | None:
    """``2025-12-17T20:38:58.084Z`` (the logger's own timestamp format), or ``None``."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def clock(ms: int | None) -> str:
    """``20:38:58.084``: the time of day, for tables where the date is said once."""
    if ms is None:
        return "-"
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%H:%M:%S.") + f"{ms % 1000:03d}"


@dataclass(frozen=True)
class Line:
    """One log line of the workflow, with the fields the trace reads pulled out of it."""

    at: int
    service: str
    log_group: str
    level: str
    message: str
    event_id: str | None = None
    event_type: str | None = None
    causation_id: str | None = None
    request_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.level in ERROR_LEVELS

    @property
    def is_warning(self) -> bool:
        return self.level in WARNING_LEVELS


@dataclass
class Found:
    """What a source returned: the workflow's lines (time order) and what it searched."""

    correlation_id: str
    lines: list[Line]
    malformed_lines: int
    searched: str
    notes: list[str] = field(default_factory=list)


@dataclass
class ServiceSpan:
    """One service's part of the workflow: first and last line, how many, how many errors."""

    name: str
    log_group: str
    lines: int = 0
    errors: int = 0
    warnings: int = 0
    first_at: int = 0
    last_at: int = 0

    @property
    def duration_ms(self) -> int:
        return self.last_at - self.first_at


@dataclass
class Handling:
    """One service's handling of one event: when, how many invocations, its lines."""

    service: str
    first_at: int
    last_at: int
    invocations: int
    lines: list[Line]


@dataclass
class TraceEvent:
    """An event of the workflow, known from the lines of the services that handled it."""

    event_id: str
    event_type: str | None
    causation_id: str | None
    handlings: list[Handling]
    emitted_at: int | None = None
    emitted_by: str | None = None
    duplicate_lines: int = 0

    @property
    def service(self) -> str | None:
        return self.handlings[0].service if self.handlings else None

    @property
    def handled_at(self) -> int | None:
        return min((h.first_at for h in self.handlings), default=None)

    @property
    def handled_count(self) -> int:
        most = max((h.invocations for h in self.handlings), default=0)
        return max(most, 1 + self.duplicate_lines if self.handlings else 0)

    @property
    def hop_ms(self) -> int | None:
        handled = self.handled_at
        if handled is None or self.emitted_at is None:
            return None
        return handled - self.emitted_at


@dataclass(frozen=True)
class Missing:
    """A step of the catalog's flow that did not happen, and why the trace thinks so."""

    after_event_type: str | None
    expected_event_type: str
    reason: str


@dataclass(frozen=True)
class SlaBreach:
    """A hop (or the whole run) that took longer than the catalog allows."""

    what: str
    took_ms: int
    sla_ms: int
    event_id: str | None = None


@dataclass
class Trace:
    """The whole analysed workflow: what every renderer shows."""

    correlation_id: str
    workflow: str | None
    status: str
    started_at: int | None
    ended_at: int | None
    lines: list[Line]
    services: list[ServiceSpan]
    events: list[TraceEvent]
    root_lines: list[Line]
    errors: list[Line]
    warnings: list[Line]
    missing: list[Missing]
    duplicates: list[tuple[str, int]]
    orphans: list[TraceEvent]
    cycles: list[list[str]]
    sla_breaches: list[SlaBreach]
    malformed_lines: int
    searched: str
    notes: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> int | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    def children(self, parent_id: str) -> list[TraceEvent]:
        """Events caused by ``parent_id``, in the order they were handled."""
        return [e for e in self.events if e.causation_id == parent_id]
