"""EventBridge archive replay as AWS runs it, inside moto_server's process.

moto's StartReplay sends the whole archive to every rule of the bus before it answers, ignoring
the window and ``Destination.FilterArns``: a runbook with the wrong window or the wrong rule
would pass a drill there and fail on AWS. This module keeps moto's archives (moto fills them on
PutEvents) and answers the replay API itself, as the EventBridge documentation describes it:

- "There may be a delay between an event being sent to an event bus and it arriving in an
  archive. We recommend delaying the replay of archived events for 10 minutes to ensure all
  events are replayed" (User Guide, "Archiving and replaying events",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html). The sandbox takes
  the documented worst case: an event is in the archive :data:`ARCHIVE_DELAY_S` after its time.
- "A replay processes events to replay based on the time in the event, and replays them using 1
  minute intervals ... You can use DescribeReplay to determine the progress of a replay. The value
  returned for EventLastReplayedTime indicates the time within the specified time range associated
  with the last event replayed" (API Reference, StartReplay,
  https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html). Only events
  whose time lies in [EventStartTime, EventEndTime) are replayed, and only to the rules named in
  ``FilterArns`` when it is given.
- States STARTING → RUNNING → COMPLETED; CancelReplay: CANCELLING → CANCELLED (API Reference,
  Replay, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Replay.html).
- Replayed events carry ``replay-name``; archives never receive them again (moto's archive rule
  already excludes them; User Guide, "Replaying archived events",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html).

How fast AWS works through the slices is not documented: here a replay stays STARTING for
:data:`STARTING_S` and then replays one minute of event time every :data:`SLICE_S` (ours).

The API (StartReplay and friends, with EventBridge's checks and answers) is
:mod:`sandbox.replay_api`; this module holds the replays and runs them.

Time is the sandbox's simulated clock, which the sandbox hands over (:func:`set_clock`, behind
``POST /obskit-api/replay-clock``); a replay only moves when that clock does. Until a sandbox has
set it (a bare moto_server in a test or by hand), the wall clock is used. Replays live in moto's
own events backend, so moto's reset and the snapshot routes forget or keep them with everything
else.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.rule_delivery import held

ARCHIVE_DELAY_S = 600.0
"""The delay AWS asks to allow before an event is surely in its archive (eb-archive.html)."""
SLICE_WIDTH_S = 60.0
"""A replay works through its window one minute of event time at a time (StartReplay)."""
SLICE_S = 5.0
"""Simulated seconds one slice takes (ours: AWS does not document the pace)."""
STARTING_S = 5.0
"""Simulated seconds a replay stays STARTING (ours)."""
ACTIVE = ("STARTING", "RUNNING", "CANCELLING")


@dataclass
class Delivery:
    """One replayed event put on one SQS target, for the sandbox's own bookkeeping."""

    bus: str
    rule: str
    queue: str
    body: str


@dataclass
class SimReplay:
    name: str
    arn: str
    description: str | None
    source_arn: str
    archive: str
    destination: dict[str, Any]
    start: float
    end: float
    started_at: float
    state: str = "STARTING"
    reason: str | None = None
    cursor: float = 0.0
    """Event time replayed up to (exclusive)."""
    due: float = 0.0
    """When the next step (RUNNING, a slice, CANCELLED) happens."""
    last_replayed: float | None = None
    ended_at: float | None = None
    delivered: list[Delivery] = field(default_factory=list)
    """What the slices put on queues since the sandbox last asked (:func:`advance_all`)."""


class _Clock:
    now: float | None = None


def set_clock(now: float | None) -> None:
    """The sandbox's simulated time (None: back to the wall clock, as after a reset)."""
    _Clock.now = now


def now() -> float:
    return time.time() if _Clock.now is None else _Clock.now


def now_if_set() -> float | None:
    """The sandbox's time if one set it, else None (the wall clock is in use)."""
    return _Clock.now


# --- moto's state ----------------------------------------------------------------------------


def events_backend(account: str, region: str) -> Any:
    """moto's EventBridge state for one account and region (made on first use, as moto does)."""
    from moto.events.models import events_backends

    return events_backends[account][region]


def _live_backends() -> list[Any]:
    """The events backends moto has created (plain dict reads: nothing is created here)."""
    from moto.events.models import events_backends

    found: list[Any] = []
    for regions in list(dict.values(events_backends)):
        found.extend(list(dict.values(regions)))
    return found


def replays_of(backend: Any) -> dict[str, Any]:
    """The backend's replays: kept in moto's own dict, so a reset or a snapshot restore forgets
    or brings back the sandbox's replays with the rest of the state."""
    replays: dict[str, Any] = backend.replays
    return replays


# --- running replays -------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What :func:`advance_all` reports to the sandbox."""

    active: int
    next_due: float | None
    delivered: list[Delivery]


def advance_all(take: bool = False) -> Progress:
    """Run every replay step due by :func:`now`; ``take``: hand over (and forget) what the
    slices delivered, for the sandbox's bookkeeping."""
    moment = now()
    active = 0
    due: list[float] = []
    delivered: list[Delivery] = []
    for backend in _live_backends():
        for replay in list(replays_of(backend).values()):
            if not isinstance(replay, SimReplay):
                continue
            _run(backend, replay, moment)
            if replay.state in ACTIVE:
                active += 1
                due.append(replay.due)
            if take:
                delivered.extend(replay.delivered)
                replay.delivered = []
    return Progress(active, min(due, default=None), delivered)


def _run(backend: Any, replay: SimReplay, moment: float) -> None:
    while replay.state in ACTIVE and replay.due <= moment:
        at = replay.due
        if replay.state == "CANCELLING":
            replay.state, replay.ended_at = "CANCELLED", at
            return
        if replay.state == "STARTING":
            replay.state = "RUNNING"
            replay.due = at
            continue
        archive = backend.archives.get(replay.archive)
        if archive is None:
            replay.state, replay.ended_at = "FAILED", at
            replay.reason = f"Archive {replay.archive} was deleted during the replay."
            return
        until = min(replay.cursor + SLICE_WIDTH_S, replay.end)
        _replay_slice(backend, archive, replay, replay.cursor, until, at)
        replay.cursor = until
        replay.last_replayed = until
        if until >= replay.end:
            replay.state, replay.ended_at = "COMPLETED", at
            return
        replay.due = at + SLICE_S


def _replay_slice(
    backend: Any, archive: Any, replay: SimReplay, since: float, until: float, at: float
) -> None:
    """Send the archived events of [since, until) that reached the archive by ``at``."""
    bus = backend.event_buses.get(archive.event_bus_name)
    if bus is None:
        return
    only = set(replay.destination.get("FilterArns") or [])
    rules = [
        rule
        for rule in bus.rules.values()
        if rule.state == "ENABLED" and (not only or rule.arn in only)
    ]
    for event in archive.events:
        stamp = _event_time(event)
        if stamp is None or not since <= stamp < until or stamp + ARCHIVE_DELAY_S > at:
            continue
        replayed = {key: value for key, value in event.items() if key != "ingestion-time"}
        replayed["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{replay.arn}/{event.get('id')}"))
        replayed["replay-name"] = replay.name
        replayed["time"] = iso(stamp)
        for rule in rules:
            if held(rule) or not rule.event_pattern.matches_event(replayed):
                continue  # a rule whose delivery is broken on purpose gets nothing
            for target in rule.targets:
                _to_target(bus.name, rule, target, replayed, replay)


def _to_target(
    bus: str,
    rule: Any,
    target: dict[str, Any],
    event: dict[str, Any],
    replay: SimReplay,
) -> None:
    """Put the replayed event on an SQS target (what every sandbox rule targets, standing in
    for the function's async queue). Other kinds of target (log groups, buses, API
    destinations) get nothing, nor does a queue that no longer exists (AWS would retry it and
    dead-letter it; the sandbox's own retries only cover its injected faults)."""
    from moto.sqs import sqs_backends
    from moto.sqs.exceptions import QueueDoesNotExist

    arn = str(target.get("Arn", ""))
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "sqs":
        return
    queue = parts[5]
    body = json.dumps(event)
    group = (target.get("SqsParameters") or {}).get("MessageGroupId")
    try:
        sqs_backends[parts[4]][parts[3]].send_message(
            queue_name=queue, message_body=body, group_id=group
        )
    except QueueDoesNotExist:
        return
    replay.delivered.append(Delivery(bus, rule.name, queue, body))


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_time(event: dict[str, Any]) -> float | None:
    value = event.get("time")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None
