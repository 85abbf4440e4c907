"""EventBridge archive replay: StartReplay for a time window (and rules), then DescribeReplay.

An archive keeps the events a bus received; StartReplay sends the events of
[EventStartTime, EventEndTime) back to the bus, to every rule or only to ``FilterArns`` (EventBridge
User Guide, "Replaying archived events",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html; API
Reference, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html).
Replayed events carry ``replay-name`` in the envelope and their original detail, so consumers
dedupe by ``event_id``. A replay runs asynchronously, one minute of event time after another:
progress is ``EventLastReplayedTime`` within the window; states go STARTING → RUNNING and end in
COMPLETED, CANCELLED or FAILED. Events reach an archive up to about 10 minutes after the bus got
them (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html), so a window
ending less than 10 minutes ago may miss its last events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TERMINAL = {"COMPLETED", "CANCELLED", "FAILED"}


class ArchiveReplayError(RuntimeError):
    """Bad input (unknown bus, archive or rule) or a failed replay, with what and where."""


@dataclass(frozen=True)
class ReplayStatus:
    name: str
    state: str
    reason: str | None
    fraction: float | None
    """Share of the window replayed so far (from EventLastReplayedTime), when known."""
    last_replayed: datetime | None = None
    """EventLastReplayedTime: the event time the replay has reached."""


def find_archive(events: Any, bus_arn: str, archive: str | None) -> str:
    """The archive's ARN: ``archive`` by name, else the bus's only archive."""
    if archive:
        try:
            return str(events.describe_archive(ArchiveName=archive)["ArchiveArn"])
        except events.exceptions.ResourceNotFoundException:
            raise ArchiveReplayError(f"archive {archive!r} does not exist") from None
    found = events.list_archives(EventSourceArn=bus_arn).get("Archives", [])
    if len(found) != 1:
        names = ", ".join(a["ArchiveName"] for a in found) or "none"
        raise ArchiveReplayError(
            f"bus {bus_arn} has {len(found)} archive(s) ({names}): pass --archive NAME"
        )
    return str(events.describe_archive(ArchiveName=found[0]["ArchiveName"])["ArchiveArn"])


def start_archive_replay(
    events: Any,
    *,
    bus: str,
    archive: str | None,
    start: datetime,
    end: datetime,
    rules: Sequence[str] = (),
    name: str | None = None,
) -> str:
    """Start the replay; returns its name."""
    if end <= start:
        raise ArchiveReplayError(
            f"--until ({end.isoformat()}) must be after --since ({start.isoformat()})"
        )
    try:
        bus_arn = str(events.describe_event_bus(Name=bus)["Arn"])
    except events.exceptions.ResourceNotFoundException:
        raise ArchiveReplayError(f"event bus {bus!r} does not exist") from None
    archive_arn = find_archive(events, bus_arn, archive)
    destination: dict[str, Any] = {"Arn": bus_arn}
    if rules:
        arns = []
        for rule in rules:
            try:
                arns.append(str(events.describe_rule(Name=rule, EventBusName=bus)["Arn"]))
            except events.exceptions.ResourceNotFoundException:
                raise ArchiveReplayError(f"rule {rule!r} does not exist on bus {bus!r}") from None
        destination["FilterArns"] = arns
    replay_name = name or f"obskit-{bus}-{start.strftime('%Y%m%dT%H%M%S')}"[:64]
    events.start_replay(
        ReplayName=replay_name,
        EventSourceArn=archive_arn,
        EventStartTime=start,
        EventEndTime=end,
        Destination=destination,
    )
    return replay_name


def replay_status(events: Any, name: str) -> ReplayStatus:
    data = events.describe_replay(ReplayName=name)
    fraction = None
    start, end, last = (
        data.get("EventStartTime"),
        data.get("EventEndTime"),
        data.get("EventLastReplayedTime"),
    )
    if start and end and last and end > start:
        fraction = max(0.0, min(1.0, (last - start) / (end - start)))
    if data.get("State") == "COMPLETED":
        fraction = 1.0
    return ReplayStatus(name, str(data.get("State")), data.get("StateReason"), fraction, last)


def wait_replay(
    events: Any,
    name: str,
    on_status: Callable[[ReplayStatus], None] = lambda status: None,
    poll_s: float = 2.0,
    timeout_s: float = 3600.0,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ReplayStatus:
    """DescribeReplay every ``poll_s`` until the replay ends (``sleep`` defaults to
    :func:`pause`, which a test can replace to move a sandbox's clock instead of waiting)."""
    deadline = clock() + timeout_s
    while True:
        status = replay_status(events, name)
        on_status(status)
        if status.state in TERMINAL:
            return status
        if clock() >= deadline:
            raise ArchiveReplayError(f"replay {name} still {status.state} after {timeout_s:g} s")
        (sleep or pause)(poll_s)


def pause(seconds: float) -> None:
    """Wait between two DescribeReplay calls."""
    time.sleep(seconds)


def to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
