"""EventBridge's replay API answered by the sandbox: StartReplay, DescribeReplay, ListReplays,
CancelReplay, with EventBridge's checks, answer shapes and error codes.

StartReplay refuses a window whose EventEndTime lies after now or whose EventStartTime is not
before it, an archive that does not exist, a destination other than the archive's bus and a name
already used (API Reference, StartReplay and its errors,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html); the sandbox
also refuses a ``FilterArns`` rule that is not on that bus. The answers carry the fields of the
Replay object (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Replay.html);
times are epoch seconds, as in EventBridge's JSON. The replays themselves live and run in
:mod:`sandbox.archive_replay`.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.archive_replay import (
    STARTING_S,
    SimReplay,
    advance_all,
    events_backend,
    iso,
    now,
    replays_of,
)

STATES = ("STARTING", "RUNNING", "CANCELLING", "COMPLETED", "CANCELLED", "FAILED")
_NAME = re.compile(r"[\.\-_A-Za-z0-9]{1,64}")


class ReplayApiError(Exception):
    """An EventBridge error answer: its ``__type`` code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def start_replay(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """StartReplay, validated as EventBridge validates it; nothing is replayed yet."""
    found = events_backend(account, region)
    advance_all()
    name = str(params.get("ReplayName") or "")
    if not _NAME.fullmatch(name):
        raise ReplayApiError(
            "ValidationException",
            f"Parameter ReplayName is not valid. Reason: {name!r} must be 1-64 characters of "
            "[.-_A-Za-z0-9].",
        )
    if name in replays_of(found):
        raise ReplayApiError("ResourceAlreadyExistsException", f"Replay {name} already exists.")
    source_arn = str(params.get("EventSourceArn") or "")
    archive_name = source_arn.rpartition("/")[2]
    archive = found.archives.get(archive_name)
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
            f"Parameter EventEndTime is not valid. Reason: {iso(end)} is in the future "
            f"(now {iso(moment)}).",
        )
    if start >= end:
        raise ReplayApiError(
            "ValidationException",
            "Parameter EventEndTime is not valid. Reason: EventStartTime must be before "
            f"EventEndTime ({iso(start)} >= {iso(end)}).",
        )
    bus = found.event_buses[archive.event_bus_name]
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
    replays_of(found)[name] = replay
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
        for replay in replays_of(events_backend(account, region)).values()
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
    replay = replays_of(events_backend(account, region)).get(name)
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
