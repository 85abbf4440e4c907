"""`obskit replay archive` against moto_server (which keeps archives and replays them)."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from dlq_helpers import arn, drain, event_ids, events_client, make_queue, sqs_client  # noqa: E402

from tools.replay_cli import replay  # noqa: E402


def _bus_with_two_rules(endpoint: str) -> tuple[Any, Any, str, str]:
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
                        "Detail": json.dumps({"event_id": f"{detail_type}-{i}"}),
                    }
                ]
            )
    return sqs, events, queues["to-shipping"], queues["to-email"]


def test_replay_window_to_one_rule(aws_endpoint: str) -> None:
    """Every archived event of the window comes back (same event_id); the replay is addressed to
    the named rule only (moto records FilterArns but delivers to every rule, so that part is
    checked on the replay's description)."""
    sqs, events, shipping, email = _bus_with_two_rules(aws_endpoint)
    drain(sqs, shipping)
    drain(sqs, email)
    result = CliRunner().invoke(
        replay,
        [
            "archive",
            "--bus",
            "shop",
            "--since",
            "10m",
            "--until",
            "0m",
            "--rule",
            "to-shipping",
            "--poll",
            "0.1",
            "--endpoint-url",
            aws_endpoint,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["state"] == "COMPLETED"
    time.sleep(0.3)
    assert event_ids(drain(sqs, shipping)) == [f"PaymentCaptured-{i}" for i in range(3)]
    described = events.describe_replay(ReplayName=out["replay"])
    rule_arn = events.describe_rule(Name="to-shipping", EventBusName="shop")["Arn"]
    assert described["Destination"]["FilterArns"] == [rule_arn]
    assert described["Destination"]["Arn"].endswith(":event-bus/shop")


def test_replay_is_for_the_window_asked(aws_endpoint: str) -> None:
    """The window goes to StartReplay as given (moto does not filter by it, so the replay's own
    description is checked): ISO times are taken literally, to the second."""
    _sqs, events, _shipping, _email = _bus_with_two_rules(aws_endpoint)
    result = CliRunner().invoke(
        replay,
        [
            "archive",
            "--bus",
            "shop",
            "--archive",
            "shop-archive",
            "--since",
            "2026-11-26T10:00:00Z",
            "--until",
            "2026-11-26T11:30:00Z",
            "--name",
            "incident-42",
            "--poll",
            "0.1",
            "--endpoint-url",
            aws_endpoint,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "replay incident-42: COMPLETED" in result.output
    described = events.describe_replay(ReplayName="incident-42")
    assert described["EventStartTime"] == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert described["EventEndTime"] == datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    assert described["EventSourceArn"].endswith(":archive/shop-archive")
    assert (
        "FilterArns" not in described["Destination"] or not described["Destination"]["FilterArns"]
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
