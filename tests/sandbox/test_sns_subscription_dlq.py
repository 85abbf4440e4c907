"""A subscription's dead-letter queue (redrive policy): what SNS gives up on is kept there, at the
moment its protocol's retries end, only while the subscriber still fails; without a DLQ it is
discarded. On the ingest example, whose webhook subscription has a DLQ."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from catalog import load_catalog
from sandbox import Sandbox
from sandbox.sns_delivery import Redrives, dlq_body, give_up_offset_s

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"
TOPIC = "ingest-dev-document-updates"
DLQ = "ingest-dev-document-updates-dlq"
DIMS = {"TopicName": TOPIC}


def test_sns_gives_up_at_its_last_attempt() -> None:
    assert give_up_offset_s("https") == 60.0  # first attempt and 3 retries 20 s apart
    assert 6 * 3600 < give_up_offset_s("email") < 7 * 3600
    assert 23 * 86400 < give_up_offset_s("sqs") < 24 * 86400


def test_redrives_fall_due_in_time_order() -> None:
    redrives = Redrives()
    redrives.schedule(at=60.0, topic="t", dlq="d", body="second")
    redrives.schedule(at=30.0, topic="t", dlq="d", body="first")
    assert redrives.take_due(10.0) == []
    assert [r.body for r in redrives.take_due(60.0)] == ["first", "second"]
    assert redrives.pending == 0


def test_the_dlq_keeps_the_notification_as_sns_would_deliver_it() -> None:
    body = json.loads(dlq_body(topic_arn="arn:t", subject="s", message="m", at_iso="2026-01-01"))
    assert body["Type"] == "Notification"
    assert (body["TopicArn"], body["Subject"], body["Message"]) == ("arn:t", "s", "m")


@pytest.fixture
def box(aws_endpoint: str) -> Iterator[Sandbox]:
    with Sandbox.start(load_catalog(EXAMPLE), endpoint_url=aws_endpoint, seed=0) as started:
        started.inject_fault(TOPIC, "deliver-fail", target="topic")
        started.transport.publish_to_topic(TOPIC, "subject", "a message")
        yield started


@pytest.mark.slow
def test_an_undeliverable_message_reaches_the_subscription_dlq_when_retries_end(
    box: Sandbox,
) -> None:
    """The old sandbox discarded it: the DLQ stayed empty and no alarm could see it."""
    box.advance(30)
    assert box.read_queue(DLQ, delete=False) == []  # SNS is still retrying
    box.advance(60)
    kept = box.read_queue(DLQ, delete=False)
    assert [json.loads(m["Body"])["Message"] for m in kept] == ["a message"]
    assert box.metrics.total("AWS/SNS", "NumberOfNotificationsRedrivenToDlq", DIMS) == 1
    box.advance(180)
    assert box.alarm_states()[f"{DLQ}-not-empty"] == "ALARM"


@pytest.mark.slow
def test_a_subscriber_fixed_before_retries_end_leaves_the_dlq_empty(box: Sandbox) -> None:
    box.advance(30)
    box.clear_faults()
    box.advance(120)
    assert box.read_queue(DLQ, delete=False) == []


@pytest.mark.slow
def test_a_publish_to_a_webhook_subscription_does_not_fail_on_an_unreachable_endpoint(
    aws_endpoint: str,
) -> None:
    """moto POSTed every notification to an http(s) endpoint and answered the Publish with a 500
    when it could not connect; SNS accepts the message and retries the delivery itself."""
    sns = boto3.client(
        "sns",
        endpoint_url=aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    arn = sns.create_topic(Name="webhook-topic")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="https", Endpoint="https://unreachable.invalid/hook")
    assert sns.publish(TopicArn=arn, Message="hello")["MessageId"]
