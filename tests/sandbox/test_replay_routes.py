"""moto_server's replay routes: the clock the sandbox hands over, and what a reset does to it."""

from __future__ import annotations

import json

import boto3
import pytest

from sandbox.moto_server import MotoServer
from sandbox.replay_clock import ReplayClock

PINNED = 1_600_000_000.0


def test_a_reset_forgets_the_sandbox_clock(aws_endpoint: str, moto_server: MotoServer) -> None:
    """The next sandbox brings its own time: after moto's reset the server no longer holds the
    last one (a replay window is checked against it)."""
    link = ReplayClock(aws_endpoint)
    assert link.tick(PINNED).active == 0
    events = boto3.client("events", endpoint_url=aws_endpoint, region_name="us-east-1")
    bus = events.create_event_bus(Name="b")["EventBusArn"]
    archive = events.create_archive(ArchiveName="a", EventSourceArn=bus)["ArchiveArn"]
    start = {"EventStartTime": PINNED - 60, "EventEndTime": PINNED + 60}
    with pytest.raises(events.exceptions.ClientError, match="in the future"):
        events.start_replay(
            ReplayName="r", EventSourceArn=archive, Destination={"Arn": bus}, **start
        )
    moto_server.reset()
    events.create_event_bus(Name="b")
    archive = events.create_archive(ArchiveName="a", EventSourceArn=bus)["ArchiveArn"]
    events.start_replay(ReplayName="r", EventSourceArn=archive, Destination={"Arn": bus}, **start)


def test_other_requests_reach_moto_with_their_body(aws_endpoint: str) -> None:
    """The middleware reads a body only for the replay API; PutEvents still delivers."""
    events = boto3.client("events", endpoint_url=aws_endpoint, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name="us-east-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["s"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": queue_arn["Attributes"]["QueueArn"]}])
    events.put_events(Entries=[{"Source": "s", "DetailType": "T", "Detail": '{"k": 1}'}])
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["detail"] == {"k": 1}
