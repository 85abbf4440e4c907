"""What Lambda does with an asynchronous event it gives up on: DLQ, on-failure destination, metrics.

Kept apart from the poller because the rules are their own: an event given up on is counted in
``AsyncEventsDropped`` whether or not it reaches a DLQ or destination ("if you configure a
dead-letter queue (DLQ) or OnFailure target, events are sent there before being dropped",
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html); a DLQ write that
fails counts in ``DeadLetterErrors`` and a destination write that fails in
``DestinationDeliveryFailures`` (same page: permissions, missing resources, size limits, or a
destination of an unsupported type such as an SQS FIFO queue), and the event is then lost.

The classic DLQ receives the event unchanged with the attributes RequestID, ErrorCode and
ErrorMessage; the on-failure destination an invocation record whose ``requestPayload`` is the
event (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from catalog.models import Service
from sandbox import lambda_semantics
from sandbox.aws import Clients
from sandbox.clock import SimClock, iso
from sandbox.lambda_semantics import GiveUp
from sandbox.ledger import message_key
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.resources import Resources
from sandbox.transport import SandboxTransport

LAMBDA_NAMESPACE = "AWS/Lambda"
MAX_ERROR_MESSAGE = 256


@dataclass
class GiveUpCounts:
    dead_lettered: int = 0
    recorded: int = 0
    """Invocation records written to the on-failure destination."""
    discarded: int = 0
    """Events that reached neither a DLQ nor a destination (none configured, or the write failed)."""
    dead_letter_errors: int = 0
    destination_failures: int = 0


class AsyncGiveUp:
    """Writes given-up events of one function where the catalog says, and the metrics AWS sends."""

    def __init__(
        self,
        service: Service,
        *,
        clients: Clients,
        clock: SimClock,
        metrics: MetricsPublisher,
        transport: SandboxTransport,
        resources: Resources,
    ) -> None:
        self.service = service
        self._clients = clients
        self._clock = clock
        self._metrics = metrics
        self._transport = transport
        self._resources = resources
        self.counts = GiveUpCounts()

    @property
    def function_arn(self) -> str:
        resources = self._resources
        return (
            f"arn:aws:lambda:{resources.region}:{resources.account_id}:function:"
            f"{self.service.function_name}"
        )

    def give_up(
        self, body: str, message_id: str, request_id: str, why: GiveUp, attempts: int
    ) -> None:
        now = self._clock.now()
        self._put("AsyncEventsDropped", now)
        kept = False
        if self.service.on_failure_dlq is not None:
            kept |= self._dead_letter(
                self.service.on_failure_dlq, body, message_id, request_id, why
            )
        if self.service.on_failure_destination is not None:
            kept |= self._record(
                self.service.on_failure_destination, body, request_id, why, attempts
            )
        if not kept:
            self.counts.discarded += 1

    def _dead_letter(
        self, dlq: str, body: str, message_id: str, request_id: str, why: GiveUp
    ) -> bool:
        queue = self._resources.queue(dlq)
        send: dict[str, Any] = {
            "QueueUrl": queue.url,
            "MessageBody": body,
            "MessageAttributes": {
                "RequestID": {"DataType": "String", "StringValue": request_id or "-"},
                "ErrorCode": {"DataType": "String", "StringValue": why.error_code},
                "ErrorMessage": {
                    "DataType": "String",
                    "StringValue": why.error_message[:MAX_ERROR_MESSAGE] or "-",
                },
            },
        }
        if queue.fifo:
            send["MessageGroupId"] = self.service.name
            send["MessageDeduplicationId"] = hashlib.sha256(message_id.encode()).hexdigest()
        if not self._send(send):
            self.counts.dead_letter_errors += 1
            self._put("DeadLetterErrors", self._clock.now())
            return False
        self._transport.sent_to_queue(dlq, message_key(body), self._clock.now())
        self.counts.dead_lettered += 1
        return True

    def _record(
        self, destination: str, body: str, request_id: str, why: GiveUp, attempts: int
    ) -> bool:
        queue = self._resources.queue(destination)
        now = self._clock.now()
        record = lambda_semantics.invocation_record(
            payload=json.loads(body),
            request_id=request_id or "-",
            function_arn=self.function_arn,
            give_up=why,
            attempts=attempts,
            timestamp_iso=iso(now),
        )
        text = json.dumps(record, separators=(",", ":"))
        # Lambda cannot deliver to a FIFO queue destination: a delivery failure, not a send.
        if queue.fifo or not self._send({"QueueUrl": queue.url, "MessageBody": text}):
            self.counts.destination_failures += 1
            self._put("DestinationDeliveryFailures", now)
            return False
        self._transport.sent_to_queue(destination, message_key(text), now)
        self.counts.recorded += 1
        return True

    def _send(self, request: dict[str, Any]) -> bool:
        """SendMessage; False when SQS refuses it (queue deleted, access denied, too large)."""
        try:
            self._clients.sqs.send_message(**request)
        except ClientError:
            return False
        return True

    def _put(self, metric: str, at: float) -> None:
        self._metrics.put(
            LAMBDA_NAMESPACE, metric, {"FunctionName": str(self.service.function_name)}, 1, at=at
        )
