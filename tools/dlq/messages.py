"""One dead-lettered SQS message, and what it says about the event and why it failed.

Three producers write DLQ messages, each in its own shape:
- EventBridge (rule target DLQ): the body is the full event (``source``, ``detail-type``,
  ``detail``...), with message attributes ERROR_CODE, ERROR_MESSAGE, RULE_ARN, TARGET_ARN,
  EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS (EventBridge User Guide, "Using dead-letter queues
  to process undelivered events").
- Lambda (a function's on-failure DLQ for asynchronous invocations): the body is the invocation
  payload, with message attributes RequestID, ErrorCode and ErrorMessage (Lambda Developer Guide,
  "Dead-letter queues" under asynchronous invocation).
- Lambda (a function's on-failure *destination*, an SQS queue): the body is an invocation record,
  ``{"version", "timestamp", "requestContext": {"requestId", "functionArn", "condition",
  "approximateInvokeCount"}, "requestPayload", "responseContext", "responsePayload"}``, whose
  ``requestPayload`` is the event (Lambda Developer Guide, "Capturing records of Lambda
  asynchronous invocations",
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). Everything
  here reads the event from ``requestPayload`` and a replay sends that, never the record.
- SQS redrive: the original message, unchanged, with the system attribute
  DeadLetterQueueSourceArn naming the queue it came from.
Events are identified by ``detail.event_id`` (DESIGN.md: redrive gives a new MessageId, so never
count by MessageId); a body without one is identified by a hash of its bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

EVENTBRIDGE_ATTRIBUTES = (
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "RULE_ARN",
    "TARGET_ARN",
    "EXHAUSTED_RETRY_CONDITION",
    "RETRY_ATTEMPTS",
)
LAMBDA_ATTRIBUTES = ("RequestID", "ErrorCode", "ErrorMessage")


def _attribute(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get("MessageAttributes", {}).get(name)
    if not value:
        return None
    text = value.get("StringValue")
    return str(text) if text is not None else None


@dataclass(frozen=True)
class DlqMessage:
    """A received message: the raw SQS fields plus what was parsed from them."""

    raw: dict[str, Any]

    @property
    def message_id(self) -> str:
        return str(self.raw["MessageId"])

    @property
    def receipt_handle(self) -> str:
        return str(self.raw["ReceiptHandle"])

    @property
    def body(self) -> str:
        return str(self.raw["Body"])

    @property
    def attributes(self) -> dict[str, str]:
        return dict(self.raw.get("Attributes", {}))

    @property
    def message_attributes(self) -> dict[str, Any]:
        return dict(self.raw.get("MessageAttributes", {}))

    @property
    def _decoded(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    @property
    def record(self) -> dict[str, Any] | None:
        """The invocation record when Lambda's on-failure destination wrote the body."""
        return invocation_record(self._decoded)

    @property
    def parsed(self) -> Any:
        """The event: the body, or the record's ``requestPayload``."""
        record = self.record
        return record["requestPayload"] if record is not None else self._decoded

    @property
    def payload(self) -> str:
        """What a replay sends: the body as it is, or the record's ``requestPayload`` as JSON."""
        record = self.record
        if record is None:
            return self.body
        return orjson.dumps(record["requestPayload"]).decode()

    @property
    def record_function(self) -> str | None:
        """The function a destination record names (``requestContext.functionArn``, without
        its version qualifier)."""
        record = self.record
        if record is None:
            return None
        arn = record["requestContext"].get("functionArn")
        if not isinstance(arn, str):
            return None
        parts = arn.split(":")
        return parts[6] if len(parts) >= 7 and parts[5] == "function" else None

    @property
    def envelope(self) -> dict[str, Any] | None:
        """The EventBridge event when the body is one (it has ``detail-type`` and ``detail``)."""
        value = self.parsed
        if isinstance(value, dict) and "detail-type" in value and "detail" in value:
            return value
        return None

    @property
    def detail(self) -> dict[str, Any] | None:
        envelope = self.envelope
        if envelope is not None:
            detail = envelope.get("detail")
            return detail if isinstance(detail, dict) else None
        value = self.parsed
        return value if isinstance(value, dict) else None

    @property
    def event_id(self) -> str | None:
        detail = self.detail
        value = detail.get("event_id") if detail else None
        return str(value) if value else None

    @property
    def key(self) -> str:
        """What identifies the event across redrives: its event_id, else a hash of the body.

        A message Lambda wrote for a failed asynchronous invocation carries the invocation's
        payload, and one event can fan out into several invocations whose payloads share its
        event_id (an orchestrator invoking one worker per strategy with the same start event):
        there the payload itself is the identity, so each invocation is replayed once.
        """
        event_id = self.event_id
        if event_id and not (self.origin == "lambda" and self.envelope is None):
            return event_id
        return "sha256:" + hashlib.sha256(self.payload.encode()).hexdigest()[:32]

    @property
    def event_type(self) -> str:
        detail = self.detail
        if detail and detail.get("event_type"):
            return str(detail["event_type"])
        envelope = self.envelope
        if envelope is not None:
            return str(envelope.get("detail-type"))
        return "(unknown)"

    @property
    def correlation_id(self) -> str | None:
        detail = self.detail
        value = detail.get("correlation_id") if detail else None
        return str(value) if value else None

    @property
    def origin(self) -> str:
        """eventbridge, lambda, sqs-redrive or unknown: who put the message in the DLQ."""
        if _attribute(self.raw, "RULE_ARN") or _attribute(self.raw, "ERROR_CODE"):
            return "eventbridge"
        if _attribute(self.raw, "ErrorCode") or _attribute(self.raw, "RequestID"):
            return "lambda"
        if self.record is not None:
            return "lambda"
        if self.attributes.get("DeadLetterQueueSourceArn"):
            return "sqs-redrive"
        return "unknown"

    @property
    def error(self) -> str:
        """``CODE: message`` from whichever producer wrote it."""
        code = _attribute(self.raw, "ERROR_CODE") or _attribute(self.raw, "ErrorCode")
        text = _attribute(self.raw, "ERROR_MESSAGE") or _attribute(self.raw, "ErrorMessage")
        if code or text:
            return f"{code or '-'}: {text or '-'}"
        record = self.record
        if record is not None:
            return _record_error(record)
        if self.origin == "sqs-redrive":
            return f"received {self.attributes.get('ApproximateReceiveCount', '?')} times"
        return "(no error recorded)"

    @property
    def rule_arn(self) -> str | None:
        return _attribute(self.raw, "RULE_ARN")

    @property
    def target_arn(self) -> str | None:
        return _attribute(self.raw, "TARGET_ARN")

    @property
    def source_queue_arn(self) -> str | None:
        return self.attributes.get("DeadLetterQueueSourceArn")

    @property
    def sent_timestamp_ms(self) -> int | None:
        value = self.attributes.get("SentTimestamp")
        return int(value) if value else None

    @property
    def message_group_id(self) -> str | None:
        return self.attributes.get("MessageGroupId")


def invocation_record(value: Any) -> dict[str, Any] | None:
    """``value`` when it is a Lambda invocation record (a ``requestContext`` object and a
    ``requestPayload``), else None."""
    if (
        isinstance(value, dict)
        and "requestPayload" in value
        and isinstance(value.get("requestContext"), dict)
    ):
        return value
    return None


def _record_error(record: dict[str, Any]) -> str:
    """``condition: error message`` from a destination record (the function's own error when
    it ran, e.g. ``RetriesExhausted: ValueError: ...``)."""
    condition = record["requestContext"].get("condition") or "-"
    response = record.get("responsePayload")
    message = response.get("errorMessage") if isinstance(response, dict) else None
    context = record.get("responseContext")
    status = context.get("statusCode") if isinstance(context, dict) else None
    detail = message or (f"status {status}" if status is not None else "-")
    return f"{condition}: {detail}"


def bus_of_rule_arn(rule_arn: str) -> str:
    """``arn:aws:events:r:a:rule/<bus>/<rule>`` → bus; ``rule/<rule>`` (default bus) → default."""
    resource = rule_arn.split(":", 5)[-1]
    parts = resource.split("/")
    if len(parts) >= 3 and parts[0] == "rule":
        return parts[1]
    return "default"


def queue_name_of_arn(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]
