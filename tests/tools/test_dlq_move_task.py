"""StartMessageMoveTask: the call and its polling (botocore Stubber: moto lacks the API), and the
fallback signal against a real moto_server that does not implement it."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from tools.dlq.move_task import (
    MoveTaskStatus,
    MoveTaskUnsupported,
    start_move_task,
    wait_move_task,
)

DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
SOURCE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"


def _client() -> object:
    return boto3.client(
        "sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_move_task_started_with_rate_and_followed_to_completion() -> None:
    sqs = _client()
    with Stubber(sqs) as stub:  # type: ignore[arg-type]
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "handle-1"},
            {"SourceArn": DLQ_ARN, "DestinationArn": SOURCE_ARN, "MaxNumberOfMessagesPerSecond": 7},
        )
        for status, moved in (("RUNNING", 3), ("RUNNING", 8), ("COMPLETED", 12)):
            stub.add_response(
                "list_message_move_tasks",
                {
                    "Results": [
                        {
                            "Status": status,
                            "SourceArn": DLQ_ARN,
                            "ApproximateNumberOfMessagesMoved": moved,
                            "ApproximateNumberOfMessagesToMove": 12,
                        }
                    ]
                },
                {"SourceArn": DLQ_ARN, "MaxResults": 1},
            )
        handle = start_move_task(sqs, DLQ_ARN, SOURCE_ARN, 7)
        seen: list[MoveTaskStatus] = []
        sleeps: list[float] = []
        final = wait_move_task(sqs, DLQ_ARN, seen.append, poll_s=1.5, sleep=sleeps.append)
        stub.assert_no_pending_responses()
    assert handle == "handle-1"
    assert [s.moved for s in seen] == [3, 8, 12]
    assert final.status == "COMPLETED" and final.to_move == 12
    assert sleeps == [1.5, 1.5]


def test_rate_is_capped_at_the_api_maximum() -> None:
    sqs = _client()
    with Stubber(sqs) as stub:  # type: ignore[arg-type]
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "h"},
            {"SourceArn": DLQ_ARN, "MaxNumberOfMessagesPerSecond": 500},
        )
        start_move_task(sqs, DLQ_ARN, None, 10_000)


def test_unsupported_operation_asks_for_the_fallback() -> None:
    sqs = _client()
    with Stubber(sqs) as stub:  # type: ignore[arg-type]
        stub.add_client_error(
            "start_message_move_task",
            service_error_code="UnsupportedOperation",
            http_status_code=400,
        )
        with pytest.raises(MoveTaskUnsupported):
            start_move_task(sqs, DLQ_ARN, None, None)


def test_other_errors_are_not_swallowed() -> None:
    sqs = _client()
    with Stubber(sqs) as stub:  # type: ignore[arg-type]
        stub.add_client_error(
            "start_message_move_task", service_error_code="AccessDenied", http_status_code=403
        )
        with pytest.raises(Exception, match="AccessDenied"):
            start_move_task(sqs, DLQ_ARN, None, None)


def test_moto_server_without_the_api_is_detected(aws_endpoint: str) -> None:
    from botocore.config import Config

    sqs = boto3.client(
        "sqs",
        endpoint_url=aws_endpoint,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),
    )
    dlq = sqs.create_queue(QueueName="moto-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    with pytest.raises(MoveTaskUnsupported):
        start_move_task(sqs, arn, None, None)
