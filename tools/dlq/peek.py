"""Read every message of a queue without consuming it.

ReceiveMessage hides what it returns for the visibility timeout; reading a whole queue therefore
keeps each message hidden (so the next receive returns others), then makes all of them visible
again with ChangeMessageVisibility 0 (SQS Developer Guide, "Amazon SQS visibility timeout").
Nothing is deleted. A receive still counts towards ApproximateReceiveCount, which only matters
for a queue that itself has a redrive policy (a DLQ normally has none).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.dlq.messages import DlqMessage

PEEK_VISIBILITY_S = 30
RECEIVE_BATCH = 10


def receive(
    sqs: Any, url: str, *, visibility_s: int, wait_s: int = 0, limit: int = RECEIVE_BATCH
) -> list[DlqMessage]:
    response = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max(1, min(RECEIVE_BATCH, limit)),
        VisibilityTimeout=visibility_s,
        WaitTimeSeconds=wait_s,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return [DlqMessage(raw) for raw in response.get("Messages", [])]


def release(sqs: Any, url: str, messages: Iterable[DlqMessage]) -> None:
    """Make ``messages`` visible again now (ChangeMessageVisibilityBatch, 10 at a time)."""
    batch = list(messages)
    for start in range(0, len(batch), RECEIVE_BATCH):
        entries = [
            {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
            for i, m in enumerate(batch[start : start + RECEIVE_BATCH])
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def peek_all(sqs: Any, url: str, *, limit: int | None = None, wait_s: int = 0) -> list[DlqMessage]:
    """Up to ``limit`` messages (all by default), each once, left in the queue and visible."""
    seen: dict[str, DlqMessage] = {}
    try:
        while limit is None or len(seen) < limit:
            want = RECEIVE_BATCH if limit is None else limit - len(seen)
            batch = receive(sqs, url, visibility_s=PEEK_VISIBILITY_S, wait_s=wait_s, limit=want)
            fresh = [m for m in batch if m.message_id not in seen]
            if not fresh:
                break
            for message in fresh:
                seen[message.message_id] = message
    finally:
        release(sqs, url, seen.values())
    return list(seen.values())
