"""Fill a step's ``<placeholder>`` words with what the drill knows, as the operator would.

A runbook step that needs a value only the incident can tell (``<incident-start>``,
``<fix-time>``) is written with a placeholder and marked not runnable. The operator reads the
value off the alarm timeline and pastes it in; the drill knows the same moments on its simulated
clock, so it fills them and runs the step rather than skipping it. Placeholders it cannot know
(``<uuid>`` of an event source mapping, ``<subscription-arn>``) leave the step skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

__all__ = ["PLACEHOLDER", "fill", "iso_utc"]

PLACEHOLDER = re.compile(r"<([a-z][a-z0-9-]*)>")


def iso_utc(seconds: float) -> str:
    """``2026-11-27T09:35:00Z``: what ``obskit replay archive --since/--until`` accept."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(command: str, values: Mapping[str, str]) -> str | None:
    """``command`` with every ``<name>`` replaced from ``values``; None if one is unknown."""
    names = set(PLACEHOLDER.findall(command))
    if not names or names - set(values):
        return None
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], command)
