"""SQS's own redrive: StartMessageMoveTask, then ListMessageMoveTasks until it ends.

StartMessageMoveTask moves messages from a DLQ back to its source queue(s) (or another queue of the
same type) inside SQS, at up to ``MaxNumberOfMessagesPerSecond`` (at most 500). AWS supports it only
for DLQs whose sources are SQS queues, not for DLQs of Lambda, SNS or EventBridge, and one active
task per queue (SQS API Reference, "StartMessageMoveTask"; SQS Developer Guide, "Configuring a
dead-letter queue redrive"). Endpoints that do not implement it (moto) answer with an error; the
caller then falls back to the journaled receive → send → delete replay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

MAX_RATE = 500
TERMINAL = {"COMPLETED", "CANCELLED", "FAILED"}
UNSUPPORTED_CODES = {
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
    "InvalidAction",
    "NotImplemented",
    "UnknownOperationException",
}


class MoveTaskUnsupported(RuntimeError):
    """The endpoint does not implement StartMessageMoveTask."""


@dataclass(frozen=True)
class MoveTaskStatus:
    status: str
    moved: int
    to_move: int | None
    failure_reason: str | None = None


def start_move_task(
    sqs: Any, source_arn: str, destination_arn: str | None, rate: int | None
) -> str:
    """Start the task; its TaskHandle. MoveTaskUnsupported when the endpoint lacks the API."""
    kwargs: dict[str, Any] = {"SourceArn": source_arn}
    if destination_arn:
        kwargs["DestinationArn"] = destination_arn
    if rate:
        kwargs["MaxNumberOfMessagesPerSecond"] = min(MAX_RATE, int(rate))
    try:
        response = sqs.start_message_move_task(**kwargs)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in UNSUPPORTED_CODES or status >= 500 or code.isdigit():
            raise MoveTaskUnsupported(
                f"StartMessageMoveTask is not supported here ({code})"
            ) from None
        raise
    return str(response["TaskHandle"])


def move_task_status(sqs: Any, source_arn: str) -> MoveTaskStatus:
    tasks = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
    if not tasks:
        return MoveTaskStatus("UNKNOWN", 0, None)
    task = tasks[0]
    return MoveTaskStatus(
        status=str(task.get("Status", "UNKNOWN")),
        moved=int(task.get("ApproximateNumberOfMessagesMoved", 0)),
        to_move=(
            int(task["ApproximateNumberOfMessagesToMove"])
            if "ApproximateNumberOfMessagesToMove" in task
            else None
        ),
        failure_reason=task.get("FailureReason"),
    )


def wait_move_task(
    sqs: Any,
    source_arn: str,
    on_status: Callable[[MoveTaskStatus], None] = lambda status: None,
    poll_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> MoveTaskStatus:
    """Poll until the task is COMPLETED, CANCELLED or FAILED; each status goes to ``on_status``."""
    while True:
        status = move_task_status(sqs, source_arn)
        on_status(status)
        if status.status in TERMINAL:
            return status
        sleep(poll_s)
