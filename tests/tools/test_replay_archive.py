"""`obskit replay archive` against the sandbox's moto_server, which replays as EventBridge does.

The endpoint's clock is set by the test (``ReplayClock.tick``), never read from the wall: events
carry fixed times, and the replay moves a minute of events at a time as the test moves the clock.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from dlq_helpers import arn, drain, event_ids, events_client, make_queue, sqs_client  # noqa: E402

from sandbox.replay_clock import ReplayClock  # noqa: E402
from tools.dlq import archive_replay  # noqa: E402
from tools.replay_cli import replay  # noqa: E402

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
"""The first archived event's time; the endpoint's clock is set from it."""


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Clock:
    """The endpoint's simulated clock; each wait of the CLI moves it a minute instead."""

    def __init__(self, endpoint: str, start: datetime) -> None:
        self.link = ReplayClock(endpoint)
        self.now = start.timestamp()
        self.link.tick(self.now)

    def advance(self, seconds: float = 60.0) -> None:
        self.now += seconds
        self.link.tick(self.now)


@pytest.fixture
def clock(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> _Clock:
    """The endpoint's clock an hour after T0; the CLI's pause between polls advances it."""
    endpoint_clock = _Clock(aws_endpoint, T0 + timedelta(hours=1))
    monkeypatch.setattr(archive_replay, "pause", lambda seconds: endpoint_clock.advance())
    return endpoint_clock


def _bus_with_two_rules(endpoint: str) -> tuple[Any, Any, str, str]:
    """Bus ``shop`` with an archive and two rules, and three minutes of events (T0, +1, +2 min)."""
    sqs, events = sqs_client(endpoint), events_client(endpoint)
    bus_arn = events.create_event_bus(Name="shop")["EventBusArn"]
    events.create_archive(ArchiveName="shop-archive", EventSourceArn=bus_arn)
    queues = {}
    for rule, detail_type in (("to-shipping", "PaymentCaptured"), ("to-email", "OrderShipped")):
        url = make_queue(sqs, f"{rule}-in")
        events.put_rule(
            Name=rule, EventBusName="shop", EventPattern=json.dumps({"detail-type": [detail_type]})
        )
        events.put_targets(
            Rule=rule, EventBusName="shop", Targets=[{"Id": "1", "Arn": arn(sqs, url)}]
        )
        queues[rule] = url
    for i in range(3):
        for detail_type in ("PaymentCaptured", "OrderShipped"):
            events.put_events(
                Entries=[
                    {
                        "Source": "shop",
                        "DetailType": detail_type,
                        "EventBusName": "shop",
                        "Time": T0 + timedelta(minutes=i),
                        "Detail": json.dumps({"event_id": f"{detail_type}-{i}"}),
                    }
                ]
            )
    drain(sqs, queues["to-shipping"])
    drain(sqs, queues["to-email"])
    return sqs, events, queues["to-shipping"], queues["to-email"]


def _replay(endpoint: str, *args: str) -> Any:
    return CliRunner().invoke(
        replay, ["archive", "--bus", "shop", "--poll", "0", "--endpoint-url", endpoint, *args]
    )


def test_replay_window_to_one_rule(aws_endpoint: str, clock: _Clock) -> None:
    """Every archived event of the window comes back (same event_id, marked with replay-name),
    to the named rule only: the other rule's queue gets nothing."""
    sqs, events, shipping, email = _bus_with_two_rules(aws_endpoint)
    result = _replay(
        aws_endpoint,
        "--since",
        _iso(T0),
        "--until",
        _iso(T0 + timedelta(minutes=30)),
        "--rule",
        "to-shipping",
        "--name",
        "incident-7",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"replay": "incident-7", "state": "COMPLETED", "reason": None}
    got = drain(sqs, shipping)
    assert event_ids(got) == [f"PaymentCaptured-{i}" for i in range(3)]
    assert {json.loads(m["Body"])["replay-name"] for m in got} == {"incident-7"}
    assert drain(sqs, email) == []
    described = events.describe_replay(ReplayName="incident-7")
    rule_arn = events.describe_rule(Name="to-shipping", EventBusName="shop")["Arn"]
    assert described["Destination"]["FilterArns"] == [rule_arn]
    assert described["EventLastReplayedTime"] == T0 + timedelta(minutes=30)


def test_only_the_window_is_replayed(aws_endpoint: str, clock: _Clock) -> None:
    """[since, until): the event at T0+1min only; ISO times are taken literally."""
    sqs, events, shipping, email = _bus_with_two_rules(aws_endpoint)
    result = _replay(
        aws_endpoint,
        "--archive",
        "shop-archive",
        "--since",
        _iso(T0 + timedelta(minutes=1)),
        "--until",
        _iso(T0 + timedelta(minutes=2)),
        "--name",
        "incident-42",
    )
    assert result.exit_code == 0, result.output
    assert "replay incident-42: COMPLETED" in result.output
    assert event_ids(drain(sqs, shipping)) == ["PaymentCaptured-1"]
    assert event_ids(drain(sqs, email)) == ["OrderShipped-1"]
    described = events.describe_replay(ReplayName="incident-42")
    assert described["EventStartTime"] == T0 + timedelta(minutes=1)
    assert described["EventEndTime"] == T0 + timedelta(minutes=2)
    assert described["EventSourceArn"].endswith(":archive/shop-archive")
    assert not described["Destination"].get("FilterArns")


def test_events_reach_the_archive_ten_minutes_late(aws_endpoint: str) -> None:
    """A replay right after the events finds an empty archive; ten minutes later, all of them."""
    sqs, _events, shipping, _email = _bus_with_two_rules(aws_endpoint)
    clock = _Clock(aws_endpoint, T0 + timedelta(minutes=3))
    for name in ("too-soon", "in-time"):
        status = archive_replay.wait_replay(
            events_client(aws_endpoint),
            archive_replay.start_archive_replay(
                events_client(aws_endpoint),
                bus="shop",
                archive=None,
                start=T0,
                end=T0 + timedelta(minutes=3),
                name=name,
            ),
            sleep=lambda seconds: clock.advance(),
        )
        assert status.state == "COMPLETED"
        if name == "too-soon":
            assert drain(sqs, shipping) == []
            clock.advance(10 * 60)
    assert event_ids(drain(sqs, shipping)) == [f"PaymentCaptured-{i}" for i in range(3)]


def test_the_replay_runs_a_minute_at_a_time(aws_endpoint: str, clock: _Clock) -> None:
    """STARTING, then RUNNING with EventLastReplayedTime moving through the window, then
    COMPLETED; the progress bar follows EventLastReplayedTime."""
    _bus_with_two_rules(aws_endpoint)
    events = events_client(aws_endpoint)
    name = archive_replay.start_archive_replay(
        events, bus="shop", archive=None, start=T0, end=T0 + timedelta(minutes=4)
    )
    seen: list[archive_replay.ReplayStatus] = []
    archive_replay.wait_replay(events, name, seen.append, sleep=lambda seconds: clock.advance(5))
    states = [s.state for s in seen]
    assert states[0] == "STARTING" and states[-1] == "COMPLETED"
    assert "RUNNING" in states
    fractions = [s.fraction for s in seen if s.state == "RUNNING"]
    assert fractions == sorted(fractions) and len(set(fractions)) >= 3
    assert seen[-1].last_replayed == T0 + timedelta(minutes=4)


def test_cancel_and_list(aws_endpoint: str, clock: _Clock) -> None:
    _bus_with_two_rules(aws_endpoint)
    events = events_client(aws_endpoint)
    name = archive_replay.start_archive_replay(
        events, bus="shop", archive=None, start=T0, end=T0 + timedelta(minutes=30)
    )
    clock.advance(10)
    assert events.cancel_replay(ReplayName=name)["State"] == "CANCELLING"
    clock.advance(1)
    assert events.describe_replay(ReplayName=name)["State"] == "CANCELLED"
    listed = events.list_replays(State="CANCELLED")["Replays"]
    assert [r["ReplayName"] for r in listed] == [name]
    with pytest.raises(events.exceptions.IllegalStatusException):
        events.cancel_replay(ReplayName=name)
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_replay(ReplayName="never-started")


def test_eventbridge_refuses_what_aws_refuses(aws_endpoint: str, clock: _Clock) -> None:
    """A window ending after the endpoint's now, a name already taken, an unknown archive or a
    rule of another bus: EventBridge's error, exit 2, the field named."""
    _bus_with_two_rules(aws_endpoint)
    future = _replay(
        aws_endpoint,
        "--since",
        _iso(T0),
        "--until",
        _iso(T0 + timedelta(hours=2)),
    )
    assert future.exit_code == 2 and "EventEndTime" in future.output
    assert "in the future" in future.output
    first = _replay(aws_endpoint, "--since", _iso(T0), "--until", _iso(T0 + timedelta(minutes=1)))
    assert first.exit_code == 0, first.output
    again = _replay(aws_endpoint, "--since", _iso(T0), "--until", _iso(T0 + timedelta(minutes=1)))
    assert again.exit_code == 2 and "already exists" in again.output
    events = events_client(aws_endpoint)
    bus_arn = events.describe_event_bus(Name="shop")["Arn"]
    other = events.create_event_bus(Name="other")["EventBusArn"]
    events.put_rule(Name="elsewhere", EventBusName="other", EventPattern='{"source":["x"]}')
    elsewhere = events.describe_rule(Name="elsewhere", EventBusName="other")["Arn"]
    archive_arn = events.describe_archive(ArchiveName="shop-archive")["ArchiveArn"]
    common: dict[str, Any] = {
        "EventStartTime": T0,
        "EventEndTime": T0 + timedelta(minutes=1),
    }
    with pytest.raises(events.exceptions.ClientError, match="FilterArns"):
        events.start_replay(
            ReplayName="r1",
            EventSourceArn=archive_arn,
            Destination={"Arn": bus_arn, "FilterArns": [elsewhere]},
            **common,
        )
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.start_replay(
            ReplayName="r2",
            EventSourceArn=archive_arn.replace("shop-archive", "gone"),
            Destination={"Arn": bus_arn},
            **common,
        )
    with pytest.raises(events.exceptions.ClientError, match="Cross event bus"):
        events.start_replay(
            ReplayName="r3", EventSourceArn=archive_arn, Destination={"Arn": other}, **common
        )
    with pytest.raises(events.exceptions.ClientError, match="before EventEndTime"):
        events.start_replay(
            ReplayName="r4",
            EventSourceArn=archive_arn,
            Destination={"Arn": bus_arn},
            EventStartTime=T0,
            EventEndTime=T0,
        )


def test_bad_input_is_named(aws_endpoint: str) -> None:
    runner = CliRunner()
    missing_bus = runner.invoke(
        replay,
        [
            "archive",
            "--bus",
            "nope",
            "--since",
            "1h",
            "--until",
            "0m",
            "--endpoint-url",
            aws_endpoint,
        ],
    )
    assert missing_bus.exit_code == 2 and "nope" in missing_bus.output
    _bus_with_two_rules(aws_endpoint)
    missing_rule = runner.invoke(
        replay,
        [
            "archive",
            "--bus",
            "shop",
            "--since",
            "1h",
            "--until",
            "0m",
            "--rule",
            "ghost",
            "--endpoint-url",
            aws_endpoint,
        ],
    )
    assert missing_rule.exit_code == 2 and "ghost" in missing_rule.output
    backwards = runner.invoke(
        replay,
        [
            "archive",
            "--bus",
            "shop",
            "--since",
            "0m",
            "--until",
            "1h",
            "--endpoint-url",
            aws_endpoint,
        ],
    )
    assert backwards.exit_code == 2 and "--until" in backwards.output
    bad_time = runner.invoke(
        replay,
        [
            "archive",
            "--bus",
            "shop",
            "--since",
            "yesterday",
            "--until",
            "0m",
            "--endpoint-url",
            aws_endpoint,
        ],
    )
    assert bad_time.exit_code == 2 and "yesterday" in bad_time.output
