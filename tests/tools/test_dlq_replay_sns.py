"""`obskit dlq replay --to sns:TOPIC`: what an SNS subscription's DLQ kept is published to the topic
again (the envelope's Message and Subject; a raw body as it is)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from dlq_helpers import arn, depth, drain, make_queue, sqs_client  # noqa: E402

from tools.dlq.targets import parse_target  # noqa: E402
from tools.dlq_cli import dlq  # noqa: E402


def _sns(endpoint: str) -> Any:
    return boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1")


def _notification(topic_arn: str, message: str, subject: str) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "0b5c8f6e-0000-4000-8000-000000000001",
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": "2026-01-01T00:00:00.000Z",
        }
    )


def test_sns_is_a_replay_target() -> None:
    assert str(parse_target("sns:updates")) == "sns:updates"


def test_kept_notifications_are_published_to_the_topic_again(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs, sns = sqs_client(aws_endpoint), _sns(aws_endpoint)
    topic_arn = sns.create_topic(Name="updates")["TopicArn"]
    subscriber = make_queue(sqs, "updates-subscriber")
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn(sqs, subscriber),
        Attributes={"RawMessageDelivery": "false"},
    )
    kept = make_queue(sqs, "updates-dlq")
    sqs.send_message(QueueUrl=kept, MessageBody=_notification(topic_arn, "doc 1 ready", "Doc 1"))
    sqs.send_message(QueueUrl=kept, MessageBody="a raw message")
    result = CliRunner().invoke(
        dlq,
        [
            "replay",
            "updates-dlq",
            "--to",
            "sns:updates",
            "--journal",
            str(tmp_path / "journal"),
            "--endpoint-url",
            aws_endpoint,
        ],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    assert depth(sqs, kept) == 0
    received = [json.loads(m["Body"]) for m in drain(sqs, subscriber)]
    assert sorted((r["Message"], r.get("Subject")) for r in received) == [
        ("a raw message", None),
        ("doc 1 ready", "Doc 1"),
    ]


def test_an_unknown_topic_is_reported_and_the_message_kept(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    kept = make_queue(sqs, "orphan-dlq")
    sqs.send_message(QueueUrl=kept, MessageBody="a raw message")
    result = CliRunner().invoke(
        dlq,
        [
            "replay",
            "orphan-dlq",
            "--to",
            "sns:no-such-topic",
            "--journal",
            str(tmp_path / "journal"),
            "--endpoint-url",
            aws_endpoint,
        ],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code != 0
    assert "no SNS topic named 'no-such-topic'" in result.output
    assert "Traceback" not in result.output
    assert depth(sqs, kept) == 1
