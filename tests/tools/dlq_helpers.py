"""Shared builders for the DLQ tests: queues on moto_server and DLQ messages in each AWS shape."""

from __future__ import annotations

import json
from typing import Any

import boto3

ACCOUNT = "123456789012"


def sqs_client(endpoint: str) -> Any:
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")


def events_client(endpoint: str) -> Any:
    return boto3.client("events", endpoint_url=endpoint, region_name="us-east-1")


def make_queue(sqs: Any, name: str, **attributes: str) -> str:
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def envelope(
    event_id: str,
    event_type: str = "SignalGenerated",
    *,
    correlation: str = "wf-1",
    bus: str = "trading",
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"env-{event_id}",
        "detail-type": event_type,
        "source": "alchemiser.strategy",
        "account": ACCOUNT,
        "time": "2026-11-27T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "event_id": event_id,
            "event_type": event_type,
            "correlation_id": correlation,
            "causation_id": correlation,
            "schema_version": "1.0",
        },
    }


def eventbridge_dlq_message(
    sqs: Any,
    url: str,
    event_id: str,
    *,
    bus: str = "trading",
    rule: str = "to-portfolio",
    target: str = "portfolio",
    event_type: str = "SignalGenerated",
    code: str = "SDK.ResourceNotFoundException",
) -> None:
    """What EventBridge writes to a rule target's DLQ after the retries are exhausted."""
    attrs = {
        "RULE_ARN": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{bus}/{rule}",
        "TARGET_ARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{target}",
        "ERROR_CODE": code,
        "ERROR_MESSAGE": "Function not found",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "4",
    }
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps(envelope(event_id, event_type, bus=bus)),
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()},
    )


def lambda_dlq_message(
    sqs: Any, url: str, event_id: str, *, event_type: str = "WorkflowStarted"
) -> None:
    """What Lambda writes to a function's on-failure DLQ: the payload plus error attributes."""
    payload = envelope(event_id, event_type)["detail"]
    attrs = {"RequestID": f"req-{event_id}", "ErrorCode": "200", "ErrorMessage": "boom"}
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps(payload),
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()},
    )


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Receive and delete everything (the test's consumer)."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            return out
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        out.extend(got)


def event_ids(messages: list[dict[str, Any]]) -> list[str]:
    ids = []
    for message in messages:
        body = json.loads(message["Body"])
        detail = body.get("detail", body)
        ids.append(detail["event_id"])
    return sorted(ids)


def depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )
