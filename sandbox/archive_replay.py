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

Time is the sandbox's simulated clock, which the sandbox hands over (:func:`set_clock`, behind
``POST /obskit-api/replay-clock``); a replay only moves when that clock does. Until a sandbox has
set it (a bare moto_server in a test or by hand), the wall clock is used. Replays live in moto's
own events backend, so moto's reset and the snapshot routes forget or keep them with everything
else.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ARCHIVE_DELAY_S = 600.0
"""The delay AWS asks to allow before an event is surely in its archive (eb-archive.html)."""
SLICE_WIDTH_S = 60.0
"""A replay works through its window one minute of event time at a time (StartReplay)."""
SLICE_S = 5.0
"""Simulated seconds one slice takes (ours: AWS does not document the pace)."""
STARTING_S = 5.0
"""Simulated seconds a replay stays STARTING (ours)."""
ACTIVE = ("STARTING", "RUNNING", "CANCELLING")
STATES = ("STARTING", "RUNNING", "CANCELLING", "COMPLETED", "CANCELLED", "FAILED")
_NAME = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")


class ReplayApiError(Exception):
    """An EventBridge error answer: its ``__type`` code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


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
    """What the slices put on queues since the sandbox last asked (:func:`advance`)."""


class _Clock:
    now: float | None = None


def set_clock(now: float | None) -> None:
    """The sandbox's simulated time (None: back to the wall clock, as after a reset)."""
    _Clock.now = now


def now() -> float:
    return time.time() if _Clock.now is None else _Clock.now


# --- moto's state ----------------------------------------------------------------------------


def _backend(account: str, region: str) -> Any:
    from moto.events.models import events_backends

    return events_backends[account][region]


def _live_backends() -> list[Any]:
    """The events backends moto has created (plain dict reads: nothing is created here)."""
    from moto.events.models import events_backends

    found: list[Any] = []
    for regions in list(dict.values(events_backends)):
        found.extend(list(dict.values(regions)))
    return found


def _replays(backend: Any) -> dict[str, Any]:
    replays: dict[str, Any] = backend.replays
    return replays


# --- the API ---------------------------------------------------------------------------------


def start_replay(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """StartReplay, validated as EventBridge validates it; nothing is replayed yet."""
    backend = _backend(account, region)
    advance_all()
    name = str(params.get("ReplayName") or "")
    if not _NAME.fullmatch(name):
        raise ReplayApiError(
            "ValidationException",
            f"Parameter ReplayName is not valid. Reason: {name!r} must be 1-64 characters of "
            "[.-_A-Za-z0-9].",
        )
    if name in _replays(backend):
        raise ReplayApiError("ResourceAlreadyExistsException", f"Replay {name} already exists.")
    source_arn = str(params.get("EventSourceArn") or "")
    archive_name = source_arn.rpartition("/")[2]
    archive = backend.archives.get(archive_name)
    if archive is None or archive.arn != source_arn:
        raise ReplayApiError(
            "ResourceNotFoundException", f"Archive {archive_name or source_arn!r} does not exist."
        )
    destination = params.get("Destination") or {}
    bus_arn = str(destination.get("Arn") or "")
    if bus_arn != archive.source_arn:
        raise ReplayApiError(
            "ValidationException",
            "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not "
            f"permitted (archive {archive_name} keeps bus {archive.source_arn}).",
        )
    start, end = _seconds(params, "EventStartTime"), _seconds(params, "EventEndTime")
    moment = now()
    if end > moment:
        raise ReplayApiError(
            "ValidationException",
            f"Parameter EventEndTime is not valid. Reason: {_iso(end)} is in the future "
            f"(now {_iso(moment)}).",
        )
    if start >= end:
        raise ReplayApiError(
            "ValidationException",
            "Parameter EventEndTime is not valid. Reason: EventStartTime must be before "
            f"EventEndTime ({_iso(start)} >= {_iso(end)}).",
        )
    bus = backend.event_buses[archive.event_bus_name]
    rule_arns = {rule.arn for rule in bus.rules.values()}
    for arn in destination.get("FilterArns") or []:
        if arn not in rule_arns:
            raise ReplayApiError(
                "ValidationException",
                f"Parameter Destination.FilterArns is not valid. Reason: rule {arn} does not "
                f"exist on event bus {archive.event_bus_name}.",
            )
    replay = SimReplay(
        name=name,
        arn=f"arn:aws:events:{region}:{account}:replay/{name}",
        description=params.get("Description"),
        source_arn=source_arn,
        archive=archive_name,
        destination=dict(destination),
        start=start,
        end=end,
        started_at=moment,
        cursor=start,
        due=moment + STARTING_S,
    )
    _replays(backend)[name] = replay
    return {
        "ReplayArn": replay.arn,
        "State": replay.state,
        "ReplayStartTime": replay.started_at,
    }


def describe_replay(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    advance_all()
    replay = _get(account, region, str(params.get("ReplayName") or ""))
    answer = _short(replay)
    answer.update(
        {
            "ReplayArn": replay.arn,
            "Destination": replay.destination,
        }
    )
    if replay.description:
        answer["Description"] = replay.description
    return answer


def list_replays(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    advance_all()
    prefix, state, source = (
        params.get("NamePrefix"),
        params.get("State"),
        params.get("EventSourceArn"),
    )
    if sum(value is not None for value in (prefix, state, source)) > 1:
        raise ReplayApiError(
            "ValidationException",
            "At most one filter is allowed for ListReplays. Use either : State, "
            "EventSourceArn, or NamePrefix.",
        )
    if state is not None and state not in STATES:
        raise ReplayApiError(
            "ValidationException",
            f"1 validation error detected: Value '{state}' at 'state' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(STATES)}]",
        )
    found = [
        _short(replay)
        for replay in _replays(_backend(account, region)).values()
        if isinstance(replay, SimReplay)
        and (prefix is None or replay.name.startswith(prefix))
        and (state is None or replay.state == state)
        and (source is None or replay.source_arn == source)
    ]
    limit = params.get("Limit")
    return {"Replays": found[: int(limit)] if limit else found}


def cancel_replay(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    advance_all()
    replay = _get(account, region, str(params.get("ReplayName") or ""))
    if replay.state not in ("STARTING", "RUNNING"):
        raise ReplayApiError(
            "IllegalStatusException",
            f"Replay {replay.name} is not in a valid state for this operation ({replay.state}).",
        )
    replay.state = "CANCELLING"
    replay.due = now()
    return {"ReplayArn": replay.arn, "State": replay.state}


def _get(account: str, region: str, name: str) -> SimReplay:
    replay = _replays(_backend(account, region)).get(name)
    if not isinstance(replay, SimReplay):
        raise ReplayApiError("ResourceNotFoundException", f"Replay {name} does not exist.")
    return replay


def _short(replay: SimReplay) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "ReplayName": replay.name,
        "EventSourceArn": replay.source_arn,
        "State": replay.state,
        "EventStartTime": replay.start,
        "EventEndTime": replay.end,
        "ReplayStartTime": replay.started_at,
    }
    optional = {
        "StateReason": replay.reason,
        "EventLastReplayedTime": replay.last_replayed,
        "ReplayEndTime": replay.ended_at,
    }
    answer.update({key: value for key, value in optional.items() if value is not None})
    return answer


def _seconds(params: dict[str, Any], key: str) -> float:
    value = params.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ReplayApiError(
        "ValidationException", f"Parameter {key} is not valid. Reason: a timestamp is required."
    )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        for replay in list(_replays(backend).values()):
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
        replayed["time"] = _iso(stamp)
        for rule in rules:
            if not rule.event_pattern.matches_event(replayed):
                continue
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
