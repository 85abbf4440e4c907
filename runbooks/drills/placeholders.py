"""Fill a step's ``<placeholder>`` words with what the drill knows, as the operator would.

A runbook step that needs a value only the incident can tell (``<incident-start>``,
``<fix-time>``) is written with a placeholder and marked not runnable. The operator reads the
value off the alarm timeline and pastes it in; the drill knows the same moments on its simulated
clock, so it fills them and runs the step rather than skipping it. Placeholders it cannot know
(``<uuid>`` of an event source mapping, ``<subscription-arn>``) leave the step skipped.

The window is the incident's: from a minute before the fault (its first failures precede the
first alarm) to the moment the fix went in. A step that replays up to ``<fix-time>`` from an
archive runs no sooner than :data:`ARCHIVE_WAIT_S` after the fix, as the runbook says: AWS asks
to allow 10 minutes for events to reach an archive
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html), and the sandbox
delays them that long, so a replay started at once misses the last events of the window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from runbooks.scenarios.model import DRILL_FILLED
from sandbox.archive_replay import ARCHIVE_DELAY_S

__all__ = [
    "ARCHIVE_WAIT_S",
    "PLACEHOLDER",
    "fill",
    "incident_values",
    "iso_utc",
    "runs_from",
]

PLACEHOLDER = re.compile(r"<([a-z][a-z0-9-]*)>")
INCIDENT_LEAD_S = 60.0
"""How long before the fault the window opens."""
ARCHIVE_WAIT_S = ARCHIVE_DELAY_S
"""How long after the fix a replay up to ``<fix-time>`` waits (the runbook says so too)."""


def iso_utc(seconds: float) -> str:
    """``2026-11-27T09:35:00Z``: what ``obskit replay archive --since/--until`` accept."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


BEFORE_INCIDENT_S = 3600.0
"""How far before the window ``<before-incident>`` is: an hour, a window an operator misreads."""


def incident_values(fault_at: float, fixed_at: float) -> dict[str, str]:
    """The moments an operator reads off the alarm timeline, as the placeholders want them.

    ``<incident-start>`` and ``<fix-time>`` are the runbook's; ``<before-incident>`` (an hour
    before the window) and ``<fault-time>`` (the fault itself, before the fix) are the wrong
    windows runbook mutation testing writes (:mod:`runbooks.mutation`)."""
    values = {
        "incident-start": iso_utc(fault_at - INCIDENT_LEAD_S),
        "fix-time": iso_utc(fixed_at),
        "before-incident": iso_utc(fault_at - INCIDENT_LEAD_S - BEFORE_INCIDENT_S),
        "fault-time": iso_utc(fault_at),
    }
    assert set(values) == DRILL_FILLED
    return values


def runs_from(command: str, fixed_at: float) -> float:
    """The earliest moment ``command`` may run: a window ending at ``<fix-time>`` waits until
    the fix moment's events have surely reached the archive; any other step runs at once."""
    if "fix-time" in PLACEHOLDER.findall(command):
        return fixed_at + ARCHIVE_WAIT_S
    return fixed_at


def fill(command: str, values: Mapping[str, str]) -> str | None:
    """``command`` with every ``<name>`` replaced from ``values``; None if one is unknown."""
    names = set(PLACEHOLDER.findall(command))
    if not names or names - set(values):
        return None
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], command)
